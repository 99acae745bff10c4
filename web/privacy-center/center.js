// The privacy center page. The person's link carries a token in its fragment
// (#t=...): it is read once, kept in memory only, and sent to Shinrai's API
// in the Authorization header, never in a URL. Every text comes from the
// language's strings file or from the server; nothing is written as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => values[k] ?? '');

const token = new URLSearchParams(location.hash.slice(1)).get('t') || '';
history.replaceState(null, '', location.pathname + location.search);  // out of the address bar and history
const params = new URLSearchParams(location.search);
const lang = ['en', 'ja'].includes(params.get('lang')) ? params.get('lang')
  : (navigator.language || '').startsWith('ja') ? 'ja' : 'en';
let strings = {};
let initial = new Map();   // "purpose|channel" -> allowed when loaded
let gpcPurposes = [];
let describe = (id) => id;
let zone = 'UTC';

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error?.message || res.statusText);
  return json;
}

function say(text) {
  $('status').textContent = text;
}

function render(me) {
  const notice = me.notice;
  document.documentElement.lang = lang;
  document.title = strings.title;
  $('title').textContent = strings.title;
  $('who').textContent = fill(strings.who, notice.controller);
  $('choices-heading').textContent = strings.choices;
  $('choices-help').textContent = strings.choices_help;
  $('save').textContent = strings.save;
  $('notice-heading').textContent = strings.notice;
  $('confirm-yes').textContent = strings.yes;
  $('confirm-no').textContent = strings.no;
  const full = $('full-notice');
  full.textContent = strings.full_notice;
  full.href = `/v1/privacy/notice?layer=full&lang=${lang}` + (notice.brand ? `&brand=${encodeURIComponent(notice.brand.id)}` : '');

  const languages = $('languages');
  languages.replaceChildren();
  for (const l of notice.languages) {
    const el = l.current ? document.createElement('span') : document.createElement('a');
    el.textContent = l.name;
    el.lang = l.lang;
    if (l.current) el.setAttribute('aria-current', 'page');
    else el.href = `?lang=${l.lang}#t=${token}`;
    languages.append(el);
  }

  describe = (id) => notice.purposes.find((p) => p.id === id)?.description ?? id;
  gpcPurposes = me.gpc.received ? me.gpc.purposes : [];
  $('gpc').hidden = gpcPurposes.length === 0;
  $('gpc-heading').textContent = strings.gpc;
  $('gpc-text').textContent = fill(strings.gpc_text, { purposes: gpcPurposes.map(describe).join(' / ') });

  const list = $('purposes');
  list.replaceChildren();
  initial = new Map();
  for (const choice of notice.consent_choices) {
    const set = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = choice.description;
    set.append(legend);
    const basis = notice.purposes.find((p) => p.id === choice.purpose);
    if (basis) {
      const note = document.createElement('p');
      note.className = 'basis';
      note.textContent = basis.choice;
      set.append(note);
    }
    const row = document.createElement('div');
    row.className = 'channels';
    for (const channel of notice.channels) {
      const state = me.choices.purposes[choice.purpose]?.channels?.[channel.id];
      const allowed = Boolean(state?.allowed);
      initial.set(`${choice.purpose}|${channel.id}`, { allowed, status: state?.status });
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = `${choice.purpose}|${channel.id}`;
      box.checked = allowed;
      box.setAttribute('aria-label', fill(strings.on, { purpose: choice.description, channel: channel.name }));
      label.append(box, document.createTextNode(channel.name));
      row.append(label);
    }
    set.append(row);
    list.append(set);
  }

  renderQuiet(me.quiet_hours);

  // The short notice, layer one: what, how long, why, who receives it.
  const fillList = (id, items) => {
    const ul = $(id);
    ul.replaceChildren();
    for (const text of items) {
      const li = document.createElement('li');
      li.textContent = text;
      ul.append(li);
    }
  };
  $('collect-heading').textContent = strings.collect_heading;
  $('why-heading').textContent = strings.why_heading;
  $('recipients-heading').textContent = strings.recipients_heading;
  fillList('collect', notice.collect.map((c) => `${c.description}: ${c.retention}`));
  fillList('why', notice.purposes.map((p) => `${p.description} (${p.basis})`));
  fillList('recipients', notice.recipients.length ? notice.recipients : [strings.nobody]);
}

// Quiet hours: a time span in the person's own time zone (the browser's,
// unless they stated one before).
function renderQuiet(quiet) {
  $('quiet-heading').textContent = strings.quiet;
  $('quiet-help').textContent = strings.quiet_help;
  $('quiet-on-label').textContent = strings.quiet_on;
  $('quiet-from-label').textContent = strings.quiet_from;
  $('quiet-to-label').textContent = strings.quiet_to;
  $('quiet-save').textContent = strings.quiet_save;
  $('quiet-on').checked = Boolean(quiet);
  if (quiet) {
    $('quiet-from').value = quiet.from;
    $('quiet-to').value = quiet.to;
  }
  zone = quiet?.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  $('quiet-zone').textContent = fill(strings.quiet_zone, { zone });
}

async function saveQuiet(event) {
  event.preventDefault();
  const on = $('quiet-on').checked;
  const body = { quiet_hours: on ? { from: $('quiet-from').value, to: $('quiet-to').value, time_zone: zone } : null };
  try {
    const saved = await api('PUT', '/v1/privacy-center/me/quiet-hours', body);
    say(saved.quiet_hours ? fill(strings.quiet_saved, { ...saved.quiet_hours, zone: saved.quiet_hours.time_zone })
                          : strings.quiet_cleared);
  } catch (e) {
    say(fill(strings.error, { message: e.message }));
  }
}

function changes() {
  const out = [];
  for (const box of $('purposes').querySelectorAll('input[type=checkbox]')) {
    const before = initial.get(box.name);
    if (box.checked === before.allowed) continue;
    const [purpose, channel] = box.name.split('|');
    out.push({ purpose, channel, status: box.checked ? 'granted' : before.status === 'granted' ? 'withdrawn' : 'denied' });
  }
  return out;
}

async function save(list) {
  $('confirm').hidden = true;
  if (list.length === 0) return say(strings.nothing);
  try {
    await api('PUT', '/v1/privacy-center/me/consent', { changes: list });
    render(await api('GET', `/v1/privacy-center/me?lang=${lang}`));
    say(strings.saved);
  } catch (e) {
    say(fill(strings.error, { message: e.message }));
  }
}

// A cell that says what it is: on a phone the rows read as cards, each
// value under its column's name (data-label; the header row stays for
// screen readers).
function cell(text, label) {
  const td = document.createElement('td');
  td.textContent = text;
  td.dataset.label = strings[label];
  return td;
}

function renderData(report, notice) {
  $('data-heading').textContent = strings.data;
  $('held-caption').textContent = strings.held_caption;
  for (const k of ['what', 'channel', 'count', 'last', 'why', 'until', 'shared']) $(`h-${k}`).textContent = strings[k];
  const channelName = (id) => notice.channels.find((c) => c.id === id)?.name ?? id;
  const body = $('held').tBodies[0];
  body.replaceChildren();
  for (const row of report.held) {
    const tr = document.createElement('tr');
    tr.append(cell(row.what, 'what'), cell(channelName(row.channel), 'channel'), cell(String(row.count), 'count'),
              cell(row.last.slice(0, 10), 'last'), cell(row.purposes.join(' / '), 'why'),
              cell(row.kept_until ? row.kept_until.slice(0, 10) : String(row.retention ?? ''), 'until'),
              cell(row.shared_with.length ? row.shared_with.join(' / ') : strings.nobody, 'shared'));
    body.append(tr);
  }
  const where = report.personalization.filter((p) => p.channels.length)
    .map((p) => `${p.description} (${p.channels.map(channelName).join(', ')})`);
  $('personalization').textContent = where.length ? fill(strings.personalization, { where: where.join('; ') })
                                                  : strings.no_personalization;
  $('download').textContent = strings.download;
  $('erase-heading').textContent = strings.erase;
  $('erase').textContent = strings.erase;
  $('erase-text').textContent = fill(strings.erase_text, {
    brand: notice.brand ? fill(strings.at_brand, { brand: notice.brand.name }) : '' });
  $('erase-confirm-text').textContent = strings.erase_confirm;
  $('erase-yes').textContent = strings.erase_yes;
  $('erase-no').textContent = strings.erase_no;
}

async function download() {
  try {
    const data = await api('GET', '/v1/privacy-center/me/export');
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'my-data.json';
    document.body.append(a);
    a.click();
    a.remove();
    URL.revokeObjectURL(url);
    say(strings.downloaded);
  } catch (e) {
    say(fill(strings.error, { message: e.message }));
  }
}

async function erase() {
  $('erase-confirm').hidden = true;
  try {
    await api('POST', '/v1/privacy-center/me/erasure', { confirm: true });
    $('center').hidden = true;
    say(strings.erased);
  } catch (e) {
    say(fill(strings.error, { message: e.message }));
  }
}

async function main() {
  strings = await (await fetch(`/privacy-center/${lang}.json`)).json();
  say(strings.loading);
  let me;
  try {
    me = await api('GET', `/v1/privacy-center/me?lang=${lang}`);
  } catch (e) {
    return say(fill(strings.error, { message: e.message }));
  }
  render(me);
  renderData(await api('GET', `/v1/privacy-center/me/data?lang=${lang}`), me.notice);
  $('center').hidden = false;
  say('');
  $('download').addEventListener('click', download);
  $('quiet').addEventListener('submit', saveQuiet);
  $('erase').addEventListener('click', () => {
    $('erase-confirm').hidden = false;
    $('erase-no').focus();
  });
  $('erase-yes').addEventListener('click', erase);
  $('erase-no').addEventListener('click', () => { $('erase-confirm').hidden = true; $('erase').focus(); });
  $('choices').addEventListener('submit', (event) => {
    event.preventDefault();
    const list = changes();
    // A choice against the browser's signal is asked about, not applied silently.
    const against = list.filter((c) => c.status === 'granted' && gpcPurposes.includes(c.purpose));
    if (against.length === 0) return save(list);
    const names = [...new Set(against.map((c) => describe(c.purpose)))];
    $('confirm-text').textContent = fill(strings.gpc_confirm, { purposes: names.join(' / ') });
    $('confirm').hidden = false;
    $('confirm-yes').onclick = () => save(list);
    $('confirm-no').onclick = () => save(list.filter((c) => !against.includes(c)));
    $('confirm-yes').focus();
  });
}

main();
