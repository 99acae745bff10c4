// "Why am I seeing this?": the shop links here with the recommendation's id
// in the fragment (#r=...&item=...), which no browser sends to any server.
// The id is read once, kept in memory, and posted to Shinrai's API. Every
// sentence comes from the server, in the language asked for.
'use strict';

const $ = (id) => document.getElementById(id);
const fragment = new URLSearchParams(location.hash.slice(1));
const rid = fragment.get('r') || '';
const item = fragment.get('item') || undefined;
history.replaceState(null, '', location.pathname + location.search);
const asked = fragment.get('lang') || new URLSearchParams(location.search).get('lang');
const lang = ['en', 'ja'].includes(asked) ? asked : (navigator.language || '').startsWith('ja') ? 'ja' : 'en';

async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error?.message || res.statusText);
  return json;
}

function render(why) {
  document.documentElement.lang = lang;
  document.title = why.title;
  $('title').textContent = why.title;
  const list = $('items');
  list.replaceChildren();
  for (const it of why.items) {
    const li = document.createElement('li');
    const name = document.createElement('strong');
    name.textContent = it.name;
    const text = document.createElement('p');
    text.textContent = it.text;
    li.append(name, text);
    list.append(li);
  }
  $('data-used').textContent = why.data_used;
  const sw = why.switch;
  $('switch').hidden = !sw;
  if (!sw) return;
  $('switch-text').textContent = sw.text;
  const button = $('turn-off');
  button.textContent = sw.label;
  button.hidden = false;
  button.onclick = async () => {
    button.disabled = true;
    try {
      await post('/v1/explanations/turn-off', { recommendation_id: rid });
      button.hidden = true;
      $('switch-text').textContent = sw.off_text;
      $('status').textContent = sw.off_text;
      $('switch-text').focus();
    } catch (e) {
      button.disabled = false;
      $('status').textContent = e.message;
    }
  };
}

async function start() {
  const strings = await (await fetch(`/privacy-center/${lang}.json`)).json();
  $('status').textContent = strings.loading;
  try {
    render(await post('/v1/explanations', { recommendation_id: rid, item, lang }));
    $('status').textContent = '';
    $('why').hidden = false;
  } catch (e) {
    $('status').textContent = strings.error.replace('{message}', e.message);
  }
}

start();
