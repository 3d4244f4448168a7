// The operations page: pipeline runs, rejects, accuracy, query traffic and one
// subscriber's itinerary on a map, from the platform's /ops/api/* (admin token).
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { applyLang, currentLang, setLang } from '../shared/lang.ts';
import { startDeliveryPanel } from './delivery-panel.ts';
import { axisMin, prf, shares } from './ops-figures.ts';
import { OPS_TEXTS } from './ops-texts.ts';

echarts.use([BarChart, LineChart, ScatterChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

interface Run {
  operator: string;
  day: string;
  recordsRead: number;
  recordsUsed: number;
  rejected: Record<string, number>;
  subscribers: number;
  durationMs: number;
}
interface Score {
  precision: number;
  recall: number;
}
/** Per persona: cities and countries rightly listed, wrongly listed and missed. */
interface GroupCounts {
  subscribers: number;
  cityTp?: number;
  cityFp: number;
  cityFn: number;
}
interface Overview {
  date: string;
  simulated: boolean;
  subscribers: number;
  timings: Record<string, number>;
  runs: Run[];
  accuracy: Record<
    string,
    {
      days: number;
      cities: Score;
      countries: Score;
      status: { accuracy: number };
      byPersona?: Record<string, GroupCounts>;
      /** The simulated world's coverage model (pingpong, mixing, zones…), when known. */
      coverage?: string;
      /** People who never left their city, by distance from home to the border: how many, how many with a false city. */
      byBorderKm?: Array<{ bucket: string; subscribers: number; falseCity: number }>;
    }
  > | null;
}
interface Traffic {
  intervalMs: number;
  samples: Array<{ at: number; routes: Record<string, { total: number; client: number; server: number }> }>;
  totals: Record<string, { total: number; client: number; server: number }>;
}
interface Geo {
  cities: Array<{ code: string; name: string; lon: number; lat: number }>;
  borders: Array<Array<[number, number]>>;
}
interface DayRow {
  day: string;
  cities: Array<{ code: string; name: string }>;
  countries: string[];
}

const OPS = ['cmcc', 'cucc', 'ctcc'];
const OP_COLOURS = ['#1b5fd1', '#e8590c', '#2b8a3e'];
const $ = (id: string) => document.getElementById(id)!;
const lang = currentLang();
const t = OPS_TEXTS[lang];

/** The page's static texts in the chosen language (Chinese by default). */
function applyTexts(): void {
  applyLang(lang);
  document.title = t.title;
  const set = (id: string, text: string) => {
    $(id).textContent = text;
  };
  set('t-title', t.title);
  set('t-token', t.tokenLabel);
  set('t-open', t.tokenOpen);
  set('t-runs', t.runsTitle);
  set('t-rejects', t.rejectsTitle);
  set('t-accuracy', t.accuracyTitle);
  set('t-accuracy-note', t.accuracyNote);
  set('t-traffic', t.trafficTitle);
  set('t-traffic-note', t.trafficNote);
  set('t-lookup', t.lookupTitle);
  set('t-phone', t.phoneLabel);
  set('t-show', t.show);
  set('summary', t.loading);
  const b = $('lang-switch') as HTMLButtonElement;
  b.textContent = t.langSwitch;
  b.setAttribute('aria-label', t.langSwitchLabel);
  b.lang = lang === 'en' ? 'zh-CN' : 'en';
  b.addEventListener('click', () => {
    setLang(lang === 'en' ? 'zh' : 'en');
    location.reload();
  });
}

function token(): string {
  const m = /token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('ops-token', decodeURIComponent(m[1]!));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem('ops-token') ?? '';
}

async function api<T>(path: string): Promise<T> {
  const r = await fetch(path, { headers: { authorization: `Bearer ${token()}`, 'accept-language': lang } });
  const body = await r.json();
  if (!r.ok) throw Object.assign(new Error(body?.error?.message ?? r.statusText), { status: r.status });
  return body as T;
}

function chart(id: string): echarts.ECharts {
  const c = echarts.init($(id) as HTMLDivElement);
  addEventListener('resize', () => c.resize());
  return c;
}

function drawRuns(o: Overview): void {
  const days = [...new Set(o.runs.map((r) => r.day))].sort();
  const at = (op: string, day: string) => o.runs.find((r) => r.operator === op && r.day === day);
  chart('runs').setOption({
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 70, right: 70, top: 36, bottom: 30 },
    xAxis: { type: 'category', data: days },
    yAxis: [
      { type: 'value', name: t.recordsRead },
      { type: 'value', name: t.seconds, splitLine: { show: false } },
    ],
    series: [
      ...OPS.map((op, i) => ({
        name: t.records(op),
        type: 'bar',
        color: OP_COLOURS[i],
        data: days.map((d) => at(op, d)?.recordsRead ?? 0),
      })),
      ...OPS.map((op, i) => ({
        name: t.runTime(op),
        type: 'line',
        yAxisIndex: 1,
        color: OP_COLOURS[i],
        lineStyle: { type: 'dashed' },
        data: days.map((d) => ((at(op, d)?.durationMs ?? 0) / 1000).toFixed(2)),
      })),
    ],
  });
  const reasons = [...new Set(o.runs.flatMap((r) => Object.keys(r.rejected)))].sort();
  chart('rejects').setOption({
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 110, right: 20, top: 36, bottom: 30 },
    xAxis: { type: 'value', name: t.lines },
    yAxis: { type: 'category', data: reasons.map((why) => t.reasons[why] ?? why) },
    series: OPS.map((op, i) => ({
      name: op,
      type: 'bar',
      stack: 'all',
      color: OP_COLOURS[i],
      data: reasons.map((why) =>
        o.runs.filter((r) => r.operator === op).reduce((s, r) => s + (r.rejected[why] ?? 0), 0),
      ),
    })),
  });
}

function drawAccuracy(o: Overview): void {
  const el = $('accuracy');
  if (!o.accuracy) {
    el.textContent = t.noTruth;
    $('accuracy-table').hidden = true;
    return;
  }
  // The 7-day window is what the card shows; by persona, where the errors differ.
  const a = Object.values(o.accuracy).find((x) => x.days === 7) ?? Object.values(o.accuracy)[0]!;
  const rows = Object.entries(a.byPersona ?? {})
    .filter(([, g]) => g.subscribers > 0)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([name, g]) => ({ name: t.personas[name] ?? name, g, v: prf(g.cityTp ?? 0, g.cityFp, g.cityFn) }));
  const f1 = rows.map((r) => r.v[2]);
  // F1 per persona as bars, on an axis chosen from the data; the figures behind it in the table.
  chart('accuracy').setOption({
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${v}%` },
    grid: { left: 130, right: 56, top: 10, bottom: 30 },
    xAxis: { type: 'value', min: axisMin(f1.length ? f1 : [100]), max: 100, name: '%' },
    yAxis: { type: 'category', data: rows.map((r) => r.name) },
    series: [
      {
        name: `${t.f1} (${t.cities})`,
        type: 'bar',
        color: '#2b8a3e',
        label: { show: true, position: 'right', formatter: '{c}%' },
        data: f1,
      },
    ],
  });
  const cell = (tag: 'th' | 'td', text: string | number) => {
    const c = document.createElement(tag);
    c.textContent = String(text);
    if (tag === 'th') c.scope = 'col';
    return c;
  };
  const table = $('accuracy-table');
  const head = document.createElement('tr');
  head.append(...t.accuracyColumns.map((c) => cell('th', c)));
  table.replaceChildren(
    head,
    ...rows.map((r) => {
      const tr = document.createElement('tr');
      tr.append(
        cell('td', r.name),
        cell('td', r.g.subscribers.toLocaleString('en')),
        cell('td', (r.g.cityTp ?? 0).toLocaleString('en')),
        cell('td', r.g.cityFp),
        cell('td', r.g.cityFn),
        ...r.v.map((v) => cell('td', `${v}%`)),
      );
      return tr;
    }),
  );
  el.dataset.values = JSON.stringify(rows.map((r) => ({ name: r.name, v: r.v })));
  if (a.coverage) $('t-accuracy-note').textContent = `${t.accuracyNote} ${t.coverage(a.coverage)}`;
  const border = $('accuracy-border');
  border.textContent = a.byBorderKm
    ? `${t.borderFalse} ${a.byBorderKm
        .filter((b) => b.subscribers > 0)
        .map((b) => `${b.bucket}: ${b.falseCity}/${b.subscribers}`)
        .join(t.listSep)}`
    : '';
}

function drawTraffic(tr: Traffic): void {
  const groups = Object.keys(tr.totals).sort();
  const times = tr.samples.map((s) => new Date(s.at).toLocaleTimeString('en-GB', { timeZone: 'Asia/Shanghai' }));
  const sh = tr.samples.map((s) => shares(s.routes));
  chart('traffic').setOption({
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 60, right: 60, top: 36, bottom: 30 },
    xAxis: { type: 'category', data: times },
    yAxis: [
      { type: 'value', name: t.requests, minInterval: 1 },
      { type: 'value', name: t.percent, max: 100, splitLine: { show: false } },
    ],
    series: [
      ...groups.map((g) => ({
        name: g,
        type: 'bar',
        stack: 'q',
        data: tr.samples.map((s) => s.routes[g]?.total ?? 0),
      })),
      // Server failures are what operations must act on; user outcomes are ordinary answers, drawn apart.
      { name: t.serverFailures, type: 'line', yAxisIndex: 1, color: '#b42318', data: sh.map((x) => x.server) },
      {
        name: t.userOutcomes,
        type: 'line',
        yAxisIndex: 1,
        color: '#868e96',
        lineStyle: { type: 'dashed' },
        data: sh.map((x) => x.user),
      },
    ],
  });
  const last = sh.at(-1);
  $('traffic').dataset.last = JSON.stringify(last ?? null);
}

let geo: Geo | undefined;
let mapChart: echarts.ECharts | undefined;

async function drawItinerary(phone: string): Promise<void> {
  const status = $('lookup-status');
  status.textContent = t.loading;
  geo ??= await api<Geo>('/ops/api/geo');
  let r: {
    phone: string;
    operator: string;
    kind: string;
    days: DayRow[];
    w7?: { status: string };
    w14?: { status: string };
  };
  try {
    r = await api(`/ops/api/itinerary/${encodeURIComponent(phone)}`);
  } catch (e) {
    status.textContent = (e as Error).message;
    return;
  }
  status.textContent = `${r.phone} · ${r.operator} · ${r.kind} · ${t.days(7)}: ${r.w7?.status ?? '-'} · ${t.days(14)}: ${r.w14?.status ?? '-'}`;
  const byCode = new Map(geo.cities.map((c) => [c.code, c]));
  const path: Array<[number, number, string]> = [];
  for (const d of r.days)
    for (const c of d.cities) {
      const g = byCode.get(c.code);
      if (g && path.at(-1)?.[2] !== g.name) path.push([g.lon, g.lat, g.name]);
    }
  const borderLine: Array<[number, number] | '-'> = [];
  for (const b of geo.borders) borderLine.push(...b, '-');
  mapChart ??= chart('map');
  mapChart.setOption({
    tooltip: { trigger: 'item' },
    grid: { left: 40, right: 20, top: 10, bottom: 30 },
    xAxis: { type: 'value', min: 73, max: 136, name: 'lon', splitLine: { show: false } },
    yAxis: { type: 'value', min: 17, max: 54, name: 'lat', splitLine: { show: false } },
    series: [
      {
        type: 'line',
        data: borderLine,
        connectNulls: false,
        symbol: 'none',
        silent: true,
        lineStyle: { color: '#c9cdd4', width: 0.6 },
      },
      {
        type: 'scatter',
        data: geo.cities.map((c) => [c.lon, c.lat, c.name]),
        symbolSize: 3,
        color: '#86909c',
        tooltip: { formatter: (p: { data: [number, number, string] }) => p.data[2] },
      },
      {
        type: 'line',
        data: path,
        color: '#b42318',
        symbolSize: 12,
        lineStyle: { width: 2 },
        label: { show: true, formatter: (p: { data: [number, number, string] }) => p.data[2], position: 'top' },
        tooltip: { formatter: (p: { data: [number, number, string] }) => p.data[2] },
      },
    ],
  });
  const list = $('days');
  list.replaceChildren(
    ...r.days.map((d) => {
      const li = document.createElement('li');
      const places = [...d.cities.map((c) => c.name), ...d.countries].join(', ') || t.noStay;
      li.textContent = `${d.day}: ${places}`;
      return li;
    }),
  );
}

async function load(): Promise<void> {
  let o: Overview;
  try {
    o = await api<Overview>('/ops/api/overview');
  } catch (e) {
    if ((e as { status?: number }).status === 401) {
      $('token-form').hidden = false;
      $('summary').textContent = t.enterToken;
      return;
    }
    throw e;
  }
  $('token-form').hidden = true;
  const tm = o.timings;
  const secs = (ms?: number) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
  $('summary').textContent = t.summary({
    date: o.date,
    subscribers: o.subscribers.toLocaleString('en'),
    simulated: o.simulated,
    runs: o.runs.length,
    perNode: OPS.map(
      (op) => `${op} ${(o.runs.filter((r) => r.operator === op).at(-1)?.subscribers ?? 0).toLocaleString('en')}`,
    ).join(', '),
    timings: t.timings(secs(tm.simulateMs), secs(tm.splitMs), secs(tm.pipelineMs)),
  });
  drawRuns(o);
  drawAccuracy(o);
  startDeliveryPanel(document.querySelector('.ops-grid')!, token);
  const refresh = async () => drawTraffic(await api<Traffic>('/ops/api/traffic'));
  await refresh();
  setInterval(() => void refresh().catch(() => {}), 5_000);
}

applyTexts();
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem('ops-token', ($('token') as HTMLInputElement).value);
  void load();
});
$('lookup').addEventListener('submit', (e) => {
  e.preventDefault();
  const phone = ($('phone') as HTMLInputElement).value.trim();
  history.replaceState(null, '', `${location.pathname}?phone=${phone}`);
  void drawItinerary(phone);
});
void load().then(() => {
  const phone = new URLSearchParams(location.search).get('phone');
  if (phone) {
    ($('phone') as HTMLInputElement).value = phone;
    void drawItinerary(phone);
  }
});
