import { AppError, beijingDayStart, HOUR_MS, ManualClock } from '@itinerary-card/domain';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryKeyValue } from './key-value.ts';
import { DEFAULT_LOGIN_CODE_LIMITS, type LoginCodeLimits, LoginCodes } from './login-codes.ts';
import { Secrets } from './secrets.ts';

const A = '13800000001';

let clock: ManualClock;
let kv: MemoryKeyValue;
let codes: LoginCodes;

function make(over: Partial<LoginCodeLimits> = {}) {
  codes = new LoginCodes({
    kv,
    now: () => clock.now(),
    secrets: new Secrets('unit-test-secret-key-123'),
    limits: { ...DEFAULT_LOGIN_CODE_LIMITS, ...over },
  });
}

beforeEach(() => {
  clock = new ManualClock(beijingDayStart('2022-09-08') + 9 * HOUR_MS);
  kv = new MemoryKeyValue(() => clock.now());
  make();
});

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof AppError)) throw new Error(`expected an AppError, got ${String(e)}`);
  return e;
}

const wrongFor = (code: string, i = 0) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');

describe('KeyValue.consume (memory)', () => {
  it('counts every counter or none, and names the first full one with its ttl', async () => {
    const both = [
      { key: 'a', max: 2, ttlMs: 1_000 },
      { key: 'b', max: 3, ttlMs: 5_000 },
    ];
    expect(await kv.consume(both)).toEqual({ ok: true, counts: [1, 1] });
    expect(await kv.consume(both)).toEqual({ ok: true, counts: [2, 2] });
    expect(await kv.consume(both)).toEqual({ ok: false, index: 0, ttlMs: 1_000 });
    expect(await kv.get('b')).toBe('2'); // untouched by the refused call
    expect(await kv.consume([{ key: 'lock', max: 1, add: 0 }])).toEqual({ ok: true, counts: [0] });
    await kv.set('lock', '1', 700);
    expect(await kv.consume([{ key: 'lock', max: 1, add: 0 }])).toEqual({ ok: false, index: 0, ttlMs: 700 });
    clock.advance(1_000);
    expect(await kv.consume(both)).toEqual({ ok: true, counts: [1, 3] });
  });
});

describe('KeyValue.takeIf (memory)', () => {
  it('removes a value only while the key still holds it', async () => {
    await kv.set('code', 'old', 1_000);
    await kv.set('code', 'new', 1_000); // a newer code sent meanwhile
    expect(await kv.takeIf('code', 'old')).toBe(false);
    expect(await kv.get('code')).toBe('new');
    expect(await kv.takeIf('code', 'new')).toBe(true);
    expect(await kv.get('code')).toBeNull();
    expect(await kv.takeIf('code', 'new')).toBe(false);
  });
});

describe('login codes', () => {
  it('a burst of 100 concurrent guesses, the real code among them, gets at most 5 compared', async () => {
    for (let trial = 0; trial < 20; trial++) {
      const phone = `1380000${String(1000 + trial)}`;
      const { code } = await codes.issue(phone, '10.0.0.1');
      const at = Math.floor(Math.random() * 100);
      const guesses = Array.from({ length: 100 }, (_, i) => (i === at ? code : wrongFor(code, i)));
      const out = await Promise.all(guesses.map((g, i) => outcome(codes.check(phone, g, `10.1.${trial}.${i}`))));
      expect(out.filter((o) => o === 'OK').length).toBe(at < 5 ? 1 : 0);
      expect(out.filter((o) => o === 'OK' || o === 'CODE_INVALID').length).toBeLessThanOrEqual(5);
    }
  });

  it('a code dies after 5 checks; the next one waits a back-off that grows per dead code, never a day', async () => {
    const waits: number[] = [];
    for (let round = 0; round < 6; round++) {
      const { code } = await codes.issue(A, `10.2.0.${round}`);
      const out: string[] = [];
      for (let i = 0; i < 5; i++) out.push(await outcome(codes.check(A, wrongFor(code, i), `10.3.${round}.${i}`)));
      expect(out).toEqual(['CODE_INVALID', 'CODE_INVALID', 'CODE_INVALID', 'CODE_INVALID', 'TOO_MANY_ATTEMPTS']);
      // The right code is refused once the code is dead.
      expect(await outcome(codes.check(A, code, '10.4.0.1'))).toBe('CODE_EXPIRED');
      const asked = await failure(codes.issue(A, '10.5.0.1'));
      expect(asked.code).toBe('TOO_MANY_REQUESTS');
      waits.push(asked.details.retryAfterSeconds as number);
      clock.advance((asked.details.retryAfterSeconds as number) * 1000);
      if (round === 2) clock.advance(HOUR_MS); // the hour's 5 codes
    }
    expect(waits).toEqual([60, 120, 240, 480, 900, 900]);
    // The owner's right code still works on the next code: no lock until midnight.
    const { code } = await codes.issue(A, '10.6.0.1');
    expect(await outcome(codes.check(A, code, '10.6.0.1'))).toBe('OK');
  });

  it("the day's 10 codes: the wait runs to the next Beijing midnight", async () => {
    for (let i = 0; i < 10; i++) {
      expect(await outcome(codes.issue(A, '10.2.0.1'))).toBe('OK');
      clock.advance(i === 4 ? HOUR_MS : 60_000);
    }
    const e = await failure(codes.issue(A, '10.2.0.1'));
    expect(e.code).toBe('TOO_MANY_REQUESTS');
    const midnight = beijingDayStart('2022-09-09');
    expect(e.details.retryAfterSeconds).toBe(Math.ceil((midnight - clock.now()) / 1000));
    clock.set(midnight);
    expect(await outcome(codes.issue(A, '10.2.0.1'))).toBe('OK');
  });

  it('tells how many tries are left, and how long to wait when a code dies', async () => {
    const { code } = await codes.issue(A, '10.2.0.1');
    const first = await failure(codes.check(A, wrongFor(code), '10.3.0.1'));
    expect(first.code).toBe('CODE_INVALID');
    expect(first.details.attemptsLeft).toBe(4);
    for (let i = 1; i < 4; i++) await outcome(codes.check(A, wrongFor(code, i), '10.3.0.1'));
    const dead = await failure(codes.check(A, wrongFor(code, 9), '10.3.0.1'));
    expect(dead.code).toBe('TOO_MANY_ATTEMPTS');
    expect(dead.details.retryAfterSeconds).toBe(60);
  });

  it('an address sending many wrong codes waits a growing back-off; other addresses and the owner do not', async () => {
    make({ wrongCodesPerIp: 4 });
    const evil = '10.66.0.1';
    const phones = Array.from({ length: 12 }, (_, i) => `1390000${String(1000 + i)}`);
    const issued = new Map<string, string>();
    for (const p of phones) issued.set(p, (await codes.issue(p, '10.7.0.1')).code);
    const out: string[] = [];
    for (const p of phones.slice(0, 5)) out.push(await outcome(codes.check(p, wrongFor(issued.get(p)!), evil)));
    expect(out).toEqual(['CODE_INVALID', 'CODE_INVALID', 'CODE_INVALID', 'TOO_MANY_ATTEMPTS', 'TOO_MANY_ATTEMPTS']);
    const locked = await failure(codes.check(phones[5]!, issued.get(phones[5]!)!, evil));
    expect(locked.code).toBe('TOO_MANY_ATTEMPTS');
    expect(locked.details.retryAfterSeconds).toBe(60);
    // The owner, from their own address, logs in meanwhile.
    expect(await outcome(codes.check(phones[6]!, issued.get(phones[6]!)!, '10.8.0.1'))).toBe('OK');
    clock.advance(60_000);
    for (const p of phones.slice(7, 11)) await outcome(codes.check(p, wrongFor(issued.get(p)!), evil));
    const again = await failure(codes.check(phones[11]!, issued.get(phones[11]!)!, evil));
    expect(again.details.retryAfterSeconds).toBe(120);
  });

  it('keeps no number in a key name and no code in a value', async () => {
    const { code } = await codes.issue(A, '10.9.0.1');
    await outcome(codes.check(A, wrongFor(code), '10.9.0.1'));
    const dump = JSON.stringify([...(kv as unknown as { map: Map<string, unknown> }).map]);
    expect(dump).not.toContain(A);
    expect(dump).not.toContain(code);
    expect(dump).not.toContain('10.9.0.1');
  });
});
