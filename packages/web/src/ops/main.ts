// The operations page: pipeline runs, rejects, accuracy, query traffic and one
// subscriber's itinerary on a map, from the platform's /ops/api/* (admin token).
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

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
interface Overview {
  date: string;
  simulated: boolean;
  subscribers: number;
  timings: Record<string, number>;
  runs: Run[];
  accuracy: Record<string, { days: number; cities: Score; countries: Score; status: { accuracy: number } }> | null;
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

function token(): string {
  const m = /token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('ops-token', decodeURIComponent(m[1]!));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem('ops-token') ?? '';
}

async function api<T>(path: string): Promise<T> {
  const r = await fetch(path, { headers: { authorization: `Bearer ${token()}`, 'accept-language': 'en' } });
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
      { type: 'value', name: 'records read' },
      { type: 'value', name: 'seconds', splitLine: { show: false } },
    ],
    series: [
      ...OPS.map((op, i) => ({
        name: `${op} records`,
        type: 'bar',
        color: OP_COLOURS[i],
        data: days.map((d) => at(op, d)?.recordsRead ?? 0),
      })),
      ...OPS.map((op, i) => ({
        name: `${op} run time`,
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
    xAxis: { type: 'value', name: 'lines' },
    yAxis: { type: 'category', data: reasons },
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
    el.textContent = 'Served from --input: there is no ground truth to score against.';
    return;
  }
  const metrics = ['city precision', 'city recall', 'country precision', 'country recall', 'status accuracy'];
  const values = (a: NonNullable<Overview['accuracy']>[string]) =>
    [a.cities.precision, a.cities.recall, a.countries.precision, a.countries.recall, a.status.accuracy].map(
      (v) => +(v * 100).toFixed(2),
    );
  chart('accuracy').setOption({
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${v}%` },
    legend: { top: 0 },
    grid: { left: 120, right: 64, top: 36, bottom: 30 },
    xAxis: {
      type: 'value',
      min: Math.max(0, Math.floor(Math.min(...Object.values(o.accuracy).flatMap(values)) / 5) * 5 - 5),
      max: 100,
      name: '%',
    },
    yAxis: { type: 'category', data: metrics },
    series: Object.entries(o.accuracy).map(([k, a], i) => ({
      name: `${a.days} days (${k})`,
      type: 'bar',
      color: ['#1b5fd1', '#7048e8'][i],
      label: { show: true, position: 'right', formatter: '{c}%' },
      data: values(a),
    })),
  });
}

function drawTraffic(t: Traffic): void {
  const groups = Object.keys(t.totals).sort();
  const times = t.samples.map((s) => new Date(s.at).toLocaleTimeString('en-GB'));
  chart('traffic').setOption({
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 60, right: 60, top: 36, bottom: 30 },
    xAxis: { type: 'category', data: times },
    yAxis: [
      { type: 'value', name: 'requests', minInterval: 1 },
      { type: 'value', name: 'errors %', max: 100, splitLine: { show: false } },
    ],
    series: [
      ...groups.map((g) => ({ name: g, type: 'bar', stack: 'q', data: t.samples.map((s) => s.routes[g]?.total ?? 0) })),
      {
        name: 'error rate (4xx+5xx)',
        type: 'line',
        yAxisIndex: 1,
        color: '#b42318',
        data: t.samples.map((s) => {
          const all = Object.values(s.routes);
          const n = all.reduce((x, r) => x + r.total, 0);
          return n ? +((all.reduce((x, r) => x + r.client + r.server, 0) / n) * 100).toFixed(1) : 0;
        }),
      },
    ],
  });
}

let geo: Geo | undefined;
let mapChart: echarts.ECharts | undefined;

async function drawItinerary(phone: string): Promise<void> {
  const status = $('lookup-status');
  status.textContent = 'Loading…';
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
  status.textContent = `${r.phone} · ${r.operator} · ${r.kind} · 7 days: ${r.w7?.status ?? '-'} · 14 days: ${r.w14?.status ?? '-'}`;
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
      const places = [...d.cities.map((c) => c.name), ...d.countries].join(', ') || 'no stay of 4 h or more';
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
      $('summary').textContent = 'Enter the admin token.';
      return;
    }
    throw e;
  }
  $('token-form').hidden = true;
  const t = o.timings;
  const secs = (ms?: number) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
  $('summary').textContent =
    `Query day ${o.date} · ${o.subscribers.toLocaleString('en')} subscribers (${o.simulated ? 'simulated world' : 'input directory'}) · ` +
    `${o.runs.length} pipeline runs · subscribers per node: ${OPS.map((op) => `${op} ${(o.runs.filter((r) => r.operator === op).at(-1)?.subscribers ?? 0).toLocaleString('en')}`).join(', ')} · ` +
    `simulate ${secs(t.simulateMs)}, split ${secs(t.splitMs)}, pipelines ${secs(t.pipelineMs)}`;
  drawRuns(o);
  drawAccuracy(o);
  const refresh = async () => drawTraffic(await api<Traffic>('/ops/api/traffic'));
  await refresh();
  setInterval(() => void refresh().catch(() => {}), 5_000);
}

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
