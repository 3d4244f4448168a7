// Builds the app for tests: PGlite or a given Sql, memory key-value, a manual clock, an outbox.
import { ManualClock } from '@itinerary-card/domain';
import { type KeyValue, MemoryKeyValue, openPgliteSql, type Sql } from '@itinerary-card/store';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildHealthCode } from '../src/app.ts';
import { DEFAULT_CONFIG, type HealthCodeConfig } from '../src/config.ts';
import type { PartnerClient } from '../src/partner/partner-client.ts';

export const T0 = Date.parse('2022-09-08T10:00:00+08:00');
export const ADMIN = 'admin-token-for-tests-0123456789';

export class TestOutbox {
  readonly sent: Array<{ to: string; text: string; sentAt: string }> = [];
  async send(m: { to: string; text: string }) {
    this.sent.push({ ...m, sentAt: new Date().toISOString() });
    return { id: String(this.sent.length) };
  }
  list(phone?: string) {
    return phone ? this.sent.filter((m) => m.to === phone) : [...this.sent];
  }
  lastCode(phone: string): string {
    const m = /验证码是(\d{6})/.exec(this.list(phone).at(-1)?.text ?? '');
    if (!m) throw new Error(`no code sent to ${phone}`);
    return m[1]!;
  }
}

export function testConfig(over: Partial<HealthCodeConfig> = {}): HealthCodeConfig {
  return {
    ...DEFAULT_CONFIG,
    publicUrl: 'http://127.0.0.1:3001',
    itineraryCardUrl: 'http://127.0.0.1:3000/',
    keySecret: 'key-secret-for-tests-0123456789',
    adminToken: ADMIN,
    devOutbox: true,
    partner: { baseUrl: 'http://127.0.0.1:9', clientId: 'x', clientSecret: 'y', timeoutMs: 1000 },
    ...over,
  };
}

export interface TestApp {
  app: FastifyInstance;
  clock: ManualClock;
  sms: TestOutbox;
  sql: Sql;
  close(): Promise<void>;
}

export async function makeApp(
  partner: PartnerClient,
  opts: { sql?: Sql; config?: Partial<HealthCodeConfig>; clock?: ManualClock; kv?: KeyValue } = {},
): Promise<TestApp> {
  const clock = opts.clock ?? new ManualClock(T0);
  const sql = opts.sql ?? (await openPgliteSql());
  const kv = opts.kv ?? new MemoryKeyValue(() => clock.now());
  const sms = new TestOutbox();
  const app = await buildHealthCode({ sql, kv, clock, sms, partner, config: testConfig(opts.config), timers: false });
  return {
    app,
    clock,
    sms,
    sql,
    async close() {
      await app.close();
      await kv.close();
      if (!opts.sql) await sql.close();
    },
  };
}

/** Logs a number in through the SMS code and returns the bearer header. */
export async function login(t: TestApp, phone: string): Promise<{ authorization: string }> {
  t.clock.advance(61_000); // past the resend interval of the previous login
  const r1 = await t.app.inject({ method: 'POST', url: '/api/hc/v1/sms-code', payload: { phone } });
  if (r1.statusCode !== 200) throw new Error(`sms-code ${r1.statusCode} ${r1.body}`);
  const r2 = await t.app.inject({
    method: 'POST',
    url: '/api/hc/v1/login',
    payload: { phone, code: t.sms.lastCode(phone) },
  });
  if (r2.statusCode !== 200) throw new Error(`login ${r2.statusCode} ${r2.body}`);
  return { authorization: `Bearer ${r2.json().token}` };
}

/** A valid ID number (GB 11643 check character) for a birth date and sequence. */
export function idNumber(region: string, birth: string, seq: string): string {
  const first = region + birth.replaceAll('-', '') + seq;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first[i]) * w[i]!;
  return first + '10X98765432'[s % 11];
}

/**
 * The itinerary module's two steps as a page does them: the platform texts the
 * holder a code (the partner double keeps it), then the check carries that code.
 */
export async function checkItinerary(
  app: FastifyInstance,
  partner: { codeOf(requestId: string): string },
  headers: { authorization: string },
  purpose: 'register' | 'edit' | 'checkin',
) {
  const sent = await app.inject({
    method: 'POST',
    url: '/api/hc/v1/itinerary-checks/sms-code',
    headers,
    payload: { purpose },
  });
  if (sent.statusCode !== 200) return sent;
  const { requestId } = sent.json() as { requestId: string };
  return app.inject({
    method: 'POST',
    url: '/api/hc/v1/itinerary-checks',
    headers,
    payload: { authorised: true, purpose, requestId, smsCode: partner.codeOf(requestId) },
  });
}

/**
 * Registers the holder of `phone` (logged in now, or with `session`): the form of a
 * citizen with a clean declaration, `over` changing any field; expects 201.
 */
export async function registerHolder(
  t: TestApp,
  phone: string,
  seq: string,
  over: Record<string, unknown> = {},
  session?: { authorization: string },
) {
  const h = session ?? (await login(t, phone));
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/hc/v1/registrations',
    headers: h,
    payload: {
      name: '王小明',
      idNumber: idNumber('360102', '1990-01-01', seq),
      address: '南昌市红谷滩区丰和中大道1号',
      epidemicSojourn: false,
      symptoms: false,
      closeContact: false,
      ...over,
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  return { h, profile: r.json() };
}
