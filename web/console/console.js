// The operator console. The API key is asked for once and kept in
// sessionStorage: this tab only, gone when it closes, never in a URL or a
// cookie. The figures come from GET /v1/console/overview, which answers each
// section only to the roles that may read it. Charts: Chart.js, served by
// Shinrai itself (bundled at build time from npm). Nothing is written as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const COLORS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#8C6D1F', '#000000'];
const charts = new Map();
let overview = null;

const key = () => sessionStorage.getItem('shinrai-console-key');
const percent = (x) => `${(100 * x).toFixed(1)} %`;

function say(text) {
  $('status').textContent = text;
}

function draw(id, config, summary) {
  charts.get(id)?.destroy();
  const canvas = $(id);
  canvas.setAttribute('aria-label', summary);
  config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
  charts.set(id, new Chart(canvas, config));
}

function showSection(id, hiddenBecause) {
  const section = $(id);
  section.querySelector('.hidden-note').textContent = hiddenBecause ? `Not shown: ${hiddenBecause}.` : '';
  for (const body of section.querySelectorAll('.body')) body.hidden = Boolean(hiddenBecause);
}

function renderConsent() {
  const c = overview.consent;
  const purpose = $('purpose').value;
  const share = c.share[purpose] || {};
  const datasets = c.channels.map((ch, i) => ({
    label: ch, data: share[ch].map((x) => (x === null ? null : 100 * x)), borderColor: COLORS[i % COLORS.length],
    backgroundColor: COLORS[i % COLORS.length], pointRadius: 2, borderWidth: 2,
  }));
  const last = c.channels.map((ch) => `${ch} ${share[ch].at(-1) === null ? 'nobody yet' : percent(share[ch].at(-1))}`).join(', ');
  $('people').textContent = `${c.people_now} people today`;
  draw('consent-chart', {
    type: 'line', data: { labels: c.days, datasets },
    options: { scales: { y: { min: 0, max: 100, title: { display: true, text: '% of people who allow it' } } } },
  }, `Share of people allowing ${purpose} per channel over ${c.days.length} days; today: ${last}`);
}

function renderCollection() {
  const c = overview.collection;
  const channels = Object.keys(c.events);
  draw('volume-chart', {
    type: 'line',
    data: {
      labels: c.days,
      datasets: channels.map((ch, i) => ({
        label: ch, data: c.events[ch], borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length],
        pointRadius: 0, borderWidth: 2,
      })),
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'events' } } } },
  }, `Events per day by channel; totals: ${channels.map((ch) => `${ch} ${c.events[ch].reduce((a, b) => a + b, 0)}`).join(', ')}`);
  $('accepted').textContent = `${c.accepted} events accepted in all.`;
  const reasons = Object.entries(c.dropped).sort((a, b) => b[1] - a[1]);
  draw('drops-chart', {
    type: 'bar',
    data: { labels: reasons.map(([r]) => r), datasets: [{ label: 'dropped', data: reasons.map(([, n]) => n), backgroundColor: COLORS[3] }] },
    options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
  }, reasons.length ? `Dropped at collection: ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}` : 'Nothing was dropped');
}

function renderRights() {
  const r = overview.rights;
  $('rights-summary').textContent = `${r.total} requests: ${r.open} open, ${r.overdue_open} overdue, ${r.completed_late} answered late.`;
  const body = $('rights-table').querySelector('tbody');
  body.replaceChildren();
  const now = Date.parse(overview.generated_at);
  const rows = [...r.requests].sort((a, b) => (a.due < b.due ? -1 : 1));
  for (const req of rows) {
    const tr = document.createElement('tr');
    const open = req.status !== 'completed' && req.status !== 'rejected';
    const days = Math.floor((Date.parse(req.due) - now) / 86400000);
    const deadline = open ? (days < 0 ? `${-days} days overdue` : `${days} days left`) : (req.on_time ? 'answered in time' : 'answered late');
    for (const text of [req.id, req.type, req.status, req.received_at.slice(0, 10), req.due.slice(0, 10), deadline]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    tr.lastChild.className = (open && days < 0) || (!open && !req.on_time) ? 'late' : 'ok';
    body.append(tr);
  }
}

function renderChain() {
  const c = overview.audit_chain;
  const p = $('chain');
  p.className = c.holds ? 'ok' : 'late';
  p.textContent = c.holds ? `The chain holds: ${c.entries} entries, head ${String(c.head).slice(0, 16)}…`
    : `The chain is broken: ${c.problem}${c.first_bad_entry ? ` (entry ${c.first_bad_entry})` : ''}`;
}

function renderRecommendations() {
  const r = overview.recommendations;
  const m = r.model;
  $('model').textContent = m ? `Model ${m.version}: ${m.items} items, ${m.subjects} people, ${m.interactions} interactions, trained ${Math.round(m.age_seconds / 60)} minutes ago.`
    : 'No model has been trained yet.';
  const q = r.offline_quality;
  const families = q ? Object.keys(q.models) : [];
  draw('offline-chart', {
    type: 'bar',
    data: {
      labels: [`NDCG@${q?.k ?? 10}`, `recall@${q?.k ?? 10}`],
      datasets: families.map((f, i) => ({ label: f, data: [q.models[f].ndcg, q.models[f].recall], backgroundColor: COLORS[i] })),
    },
    options: { scales: { y: { beginAtZero: true } } },
  }, q ? `Offline quality: ${families.map((f) => `${f} NDCG ${q.models[f].ndcg.toFixed(3)}, recall ${q.models[f].recall.toFixed(3)}`).join('; ')}`
    : 'Offline quality not measured yet');
  const g = r.groups;
  draw('online-chart', {
    type: 'bar',
    data: {
      labels: ['click-through', 'conversion'],
      datasets: ['personalized', 'holdout'].map((name, i) => ({
        label: name, data: [100 * g[name].click_rate, 100 * g[name].conversion_rate], backgroundColor: COLORS[i],
      })),
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: '% of impressions' } } } },
  }, `Click-through: personalized ${percent(g.personalized.click_rate)}, holdout ${percent(g.holdout.click_rate)}`);
  const uplift = (x) => (x === null ? 'not measurable yet (nothing of the kind in the holdout)' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} %`);
  $('uplift').textContent = `Uplift over the holdout (${percent(r.holdout_share)} of people): clicks ${uplift(r.click_uplift)}, conversions ${uplift(r.conversion_uplift)}.`;
}

function render() {
  const purposes = $('purpose');
  for (const id of ['consent', 'collection', 'rights', 'audit_chain', 'recommendations']) showSection(id, overview.hidden[id]);
  if (overview.consent) {
    const chosen = purposes.value;
    purposes.replaceChildren();
    for (const p of overview.consent.purposes) purposes.append(new Option(`${p.id} (${p.legal_basis})`, p.id));
    const first = overview.consent.purposes.find((p) => p.legal_basis === 'consent') || overview.consent.purposes[0];
    purposes.value = chosen && overview.consent.share[chosen] ? chosen : first.id;
    renderConsent();
    renderCollection();
  }
  if (overview.rights) renderRights();
  if (overview.audit_chain) renderChain();
  if (overview.recommendations) renderRecommendations();
}

async function load() {
  say('Loading…');
  const res = await fetch(`/v1/console/overview?days=${$('days').value}`, { headers: { Authorization: `Bearer ${key()}` } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    // A key that opens nothing is not kept: the form asks again.
    sessionStorage.removeItem('shinrai-console-key');
    start();
    say(`Cannot open the console: ${body.error?.message || res.statusText}`);
    return;
  }
  overview = body;
  $('key-form').hidden = true;
  $('session').hidden = false;
  $('overview').hidden = false;
  $('role').textContent = `Role: ${overview.role}`;
  render();
  say(`Updated ${new Date(overview.generated_at).toLocaleString()}.`);
}

function start() {
  const signedIn = Boolean(key());
  $('key-form').hidden = signedIn;
  $('session').hidden = !signedIn;
  if (!signedIn) {
    $('overview').hidden = true;
    $('key').focus();
    return;
  }
  load();
}

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem('shinrai-console-key', $('key').value.trim());
  $('key').value = '';
  load();
});
$('forget').addEventListener('click', () => {
  sessionStorage.removeItem('shinrai-console-key');
  overview = null;
  for (const c of charts.values()) c.destroy();
  charts.clear();
  say('The key is forgotten.');
  start();
});
$('refresh').addEventListener('click', load);
$('days').addEventListener('change', load);
$('purpose').addEventListener('change', renderConsent);
start();
