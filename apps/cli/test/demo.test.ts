// The demo in-process on an --input directory with --now: each operator node
// holds only its own subscribers, the platform answers for the --now day, the
// operations API reports the runs, and close() stops everything.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPERATORS } from '@itinerary-card/domain';
import { simulate } from '@itinerary-card/simulator';
import { freePortRun } from '@itinerary-card/store/testing';
import { launchChromium, seriousViolations } from '@itinerary-card/web/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PORTS, type RunningDemo, startDemo } from '../src/demo/demo.ts';

const dir = mkdtempSync(join(tmpdir(), 'demo-test-'));
/** Screenshots for people to look at (gitignored). */
const ARTIFACTS = join(import.meta.dirname, '..', 'test-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const NOW = Date.parse('2022-09-08T10:00:00+08:00');
let demo: RunningDemo;
let printed = '';
let input: string;
let basePort: number;

let startedAt: number;

beforeAll(async () => {
  const world = await simulate({ out: join(dir, 'world'), subscribers: 300, days: 8, endDate: '2022-09-07', seed: 7 });
  input = world.inputDir;
  basePort = await freePortRun(DEMO_PORTS);
  startedAt = Date.now();
  demo = await startDemo(
    {
      input,
      subscribers: 300,
      now: NOW,
      port: basePort,
      host: '127.0.0.1',
      seed: 1,
      workDir: join(dir, 'work'),
    },
    (s) => {
      printed += s;
    },
  );
}, 240_000);

afterAll(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('itinerary-card demo --input DIR --now', () => {
  it('gives each operator node exactly its own subscribers', () => {
    const rows = readFileSync(join(input, 'subscribers.csv'), 'utf8').trim().split('\n').slice(1);
    for (const op of OPERATORS) {
      const meta = JSON.parse(
        readFileSync(join(demo.worldDir, 'nodes', op, 'data', 'snapshots', '2022-09-08', 'meta.json'), 'utf8'),
      );
      expect(meta.subscribers, op).toBe(rows.filter((r) => r.split(',')[1] === op).length);
    }
  });

  it('answers the itinerary of the --now day through the API', async () => {
    expect(printed).toContain('query day 2022-09-08');
    const phone = /^ {4}(1\d{10}) {2}\w+ {2}traveller/m.exec(printed)?.[1];
    expect(phone).toBeDefined();
    const base = demo.urls.card.replace(/\/$/, '');
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/api/v1/sms-code', { phone })).status).toBe(200);
    const outbox = (await (await fetch(`${base}/dev/outbox?phone=${phone}`)).json()) as Array<{ text: string }>;
    const code = /(\d{6})/.exec(outbox.at(-1)!.text)![1];
    const login = (await (await post('/api/v1/login', { phone, code })).json()) as { token: string };
    const ask = (clientTime: number) =>
      fetch(`${base}/api/v1/itinerary`, {
        headers: { authorization: `Bearer ${login.token}`, 'x-client-time': String(clientTime) },
      });
    // A phone clock may follow the simulated clock (--now) or the real one (a browser on real time)...
    const simulated = NOW + (Date.now() - startedAt);
    expect((await ask(simulated + 60_000)).status).toBe(200);
    // ...but a clock off from both is 非法访问, so the case can be seen and tested.
    for (const off of [simulated - 86_400_000, Date.now() + 3 * 3_600_000, (simulated + Date.now()) / 2]) {
      const bad = await ask(off);
      expect(bad.status).toBe(403);
      expect((await bad.json()).error.code).toBe('ILLEGAL_ACCESS');
    }
    const r = await ask(Date.now());
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body.windowEnd).toBe('2022-09-08T00:00:00+08:00');
    expect(body.cities.length).toBeGreaterThanOrEqual(2);
    // The demo opens the HTTP SMS form (production refuses it without a gateway token): CXMYD is answered.
    const sms = await post('/api/v1/sms/inbound', { from: phone, to: '10086', text: 'CXMYD' });
    expect(sms.status).toBe(202);
    expect((await sms.json()).outcome).toBe('replied');
  });

  it('prints Beijing time and an English table, and puts the operator nodes on --port+2, +3, +4', async () => {
    expect(printed).toContain('query day 2022-09-08, Beijing time 2022-09-08T10:0');
    expect(printed).not.toMatch(/\d{2}:\d{2}:\d{2}(\.\d+)?Z/);
    const table = printed.slice(printed.indexOf('Numbers to try'), printed.indexOf('Epidemic areas'));
    // No Chinese and no raw status codes in the table of numbers.
    expect(table).not.toMatch(/[\u4e00-\u9fff]/);
    expect(table).not.toMatch(/new_subscriber|no_data/);
    expect(printed).toContain(
      `cmcc http://127.0.0.1:${basePort + 2}  cucc http://127.0.0.1:${basePort + 3}  ctcc http://127.0.0.1:${basePort + 4}`,
    );
  });

  it('reports the pipeline runs on the operations API, behind the admin token', async () => {
    const base = demo.urls.card.replace(/\/$/, '');
    expect((await fetch(`${base}/ops/api/overview`)).status).toBe(401);
    const r = await fetch(`${base}/ops/api/overview`, { headers: { authorization: `Bearer ${demo.adminToken}` } });
    const o = await r.json();
    expect(o.simulated).toBe(false);
    expect(o.accuracy).toBeNull();
    expect(o.runs).toHaveLength(3 * 8);
    expect(o.runs.every((x: { recordsRead: number }) => x.recordsRead > 0)).toBe(true);
    expect((await fetch(`${base}/ops/`)).status).toBe(200);
    // The delivery rate: the outbox "delivers" at once, so the code sent above counts.
    expect((await fetch(`${base}/ops/api/sms`)).status).toBe(401);
    const sms = await (
      await fetch(`${base}/ops/api/sms`, { headers: { authorization: `Bearer ${demo.adminToken}` } })
    ).json();
    expect(sms).toMatchObject({ rate: 1, receipts: { DELIVRD: expect.any(Number) } });
    expect(sms.delivered).toBeGreaterThanOrEqual(1);
  });

  it('shows the SMS delivery rate on the operations page', async () => {
    const base = demo.urls.card.replace(/\/$/, '');
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/ops/#token=${encodeURIComponent(demo.adminToken)}`);
      const rate = page.locator('[data-testid=sms-delivery-rate]');
      await expect.poll(() => rate.textContent(), { timeout: 10_000 }).toBe('100.0 %');
      expect(await page.locator('#sms-delivery').textContent()).toContain('DELIVRD');
    } finally {
      await browser.close();
    }
  });
});

describe('operations page', () => {
  it('is Chinese by default with an English switch, charts failures apart, and passes axe-core', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
      await page.goto(demo.urls.ops);
      await expect
        .poll(() => page.locator('#summary').textContent(), { timeout: 15_000 })
        .toContain('查询日 2022-09-08');
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
      expect(await page.locator('#t-traffic').textContent()).toContain('服务故障与用户结果分开统计');
      // --input has no truth: the accuracy panel says so, in Chinese.
      expect(await page.locator('#accuracy').textContent()).toContain('没有真实行程可供评分');
      // Ordinary user outcomes (a wrong code) count as user outcomes, not as failures.
      const base = demo.urls.card.replace(/\/$/, '');
      await fetch(`${base}/api/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: '13900000000', code: '000000' }),
      });
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, 'ops-zh.png'), fullPage: true });
      await page.getByRole('button', { name: 'switch to English' }).click();
      await expect
        .poll(() => page.locator('#summary').textContent(), { timeout: 15_000 })
        .toContain('Query day 2022-09-08');
      expect(await page.locator('#t-traffic').textContent()).toBe(
        'Queries per 5 s: server failures apart from user outcomes',
      );
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, 'ops-en.png'), fullPage: true });
      // On a phone: one column, nothing wider than the screen.
      for (const width of [320, 390]) {
        await page.setViewportSize({ width, height: 800 });
        // The charts resize on the window's resize event: wait for the layout, not for a fixed time.
        await expect
          .poll(() => page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), { message: `${width}` })
          .toBe(true);
        await page.screenshot({ path: join(ARTIFACTS, `ops-en-${width}.png`), fullPage: true });
      }
    } finally {
      await browser.close();
    }
  });
});
