import { AppError, beijingDayStart, HOUR_MS, ManualClock } from '@itinerary-card/domain';
import { MemoryKeyValue } from '@itinerary-card/store';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../config.ts';
import { LoginService } from './login-service.ts';
import { Secrets } from './secrets.ts';

const A = '13800000001';
const B = '13800000002';
const IP = '10.1.1.1';

class Sms {
  sent: Array<{ to: string; text: string; validityMs?: number }> = [];
  fail = false;
  async send(m: { to: string; text: string; validityMs?: number }) {
    if (this.fail) throw new Error('smsc down');
    this.sent.push(m);
    return { id: String(this.sent.length) };
  }
  code(to: string): string {
    const m = this.sent.filter((s) => s.to === to).at(-1);
    return /(\d{6})/.exec(m?.text ?? '')![1]!;
  }
}

let clock: ManualClock;
let kv: MemoryKeyValue;
let sms: Sms;
let svc: LoginService;

function make(over: Partial<typeof DEFAULT_OPTIONS> = {}) {
  svc = new LoginService({
    kv,
    clock,
    sms,
    secrets: new Secrets('unit-test-secret-key-123'),
    options: { ...DEFAULT_OPTIONS, ...over },
    log: { warn() {} },
  });
}

beforeEach(() => {
  clock = new ManualClock(beijingDayStart('2022-09-08') + 9 * HOUR_MS);
  kv = new MemoryKeyValue(() => clock.now());
  sms = new Sms();
  make();
});

async function code(phone: string, ip = IP): Promise<string> {
  await svc.requestCode(phone, ip);
  return sms.code(phone);
}

async function errCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
  return 'OK';
}

describe('SMS codes', () => {
  it('sends 6 digits and keeps only a keyed hash of them', async () => {
    const c = await code(A);
    expect(c).toMatch(/^\d{6}$/);
    expect(sms.sent[0]!.text).toContain('5分钟');
    // The network stops trying when the code expires (SMPP validity_period).
    expect(sms.sent[0]!.validityMs).toBe(5 * 60_000);
    const dump = JSON.stringify([...(kv as unknown as { map: Map<string, unknown> }).map]);
    expect(dump).not.toContain(c);
    expect(dump).not.toContain(A);
  });

  it('is single use, bound to the number, and expires after 5 minutes', async () => {
    const c = await code(A);
    expect(await errCode(svc.loginWithCode(B, c, IP))).toBe('CODE_EXPIRED');
    const s = await svc.loginWithCode(A, c, IP);
    expect(await svc.sessionNumber(s.token)).toBe(A);
    expect(await errCode(svc.loginWithCode(A, c, IP))).toBe('CODE_EXPIRED');
    clock.advance(60_000);
    const c2 = await code(A);
    clock.advance(5 * 60_000);
    expect(await errCode(svc.loginWithCode(A, c2, IP))).toBe('CODE_EXPIRED');
  });

  it('burns a code after 5 wrong tries, even if the 6th is right', async () => {
    const c = await code(A);
    const wrong = c === '000000' ? '000001' : '000000';
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await errCode(svc.loginWithCode(A, wrong, IP)));
    expect(outcomes).toEqual(['CODE_INVALID', 'CODE_INVALID', 'CODE_INVALID', 'CODE_INVALID', 'TOO_MANY_ATTEMPTS']);
    expect(await errCode(svc.loginWithCode(A, c, IP))).not.toBe('OK');
  });

  it("bounds a brute-force run by the number's codes (5 checks each), with waits of minutes, never a day's lock", async () => {
    let successes = 0;
    let checked = 0;
    // From 09:00 to midnight: a Beijing day's worth of codes.
    const end = beijingDayStart('2022-09-09');
    for (let round = 0; clock.now() < end; round++) {
      const r = await svc.requestCode(A, `10.2.0.${round % 250}`).catch((e: AppError) => e);
      if (r instanceof AppError) {
        expect(r.code).toBe('TOO_MANY_REQUESTS');
        clock.advance((r.details.retryAfterSeconds as number) * 1000);
        continue;
      }
      for (let guess = 0; guess < 20; guess++) {
        const out = await errCode(
          svc.loginWithCode(A, String(100000 + round * 100 + guess), `10.3.${round % 250}.${guess}`),
        );
        if (out === 'OK') successes++;
        if (out === 'CODE_INVALID') checked++;
        if (out !== 'CODE_INVALID') break;
      }
    }
    // 10 codes a day, each compared at most 5 times (4 answered CODE_INVALID, the fifth kills it).
    expect(checked).toBeLessThanOrEqual(40);
    expect(checked).toBeGreaterThan(0);
    expect(successes).toBeLessThanOrEqual(1);
    // The next Beijing day, after all that, the owner logs in at once.
    clock.set(beijingDayStart('2022-09-09') + 9 * HOUR_MS);
    const fresh = await code(A, '10.5.0.1');
    expect(await errCode(svc.loginWithCode(A, fresh, '10.5.0.1'))).toBe('OK');
  });

  it('resends only after 60 s, at most 5 per hour and 10 per day', async () => {
    await svc.requestCode(A, IP);
    const e = await svc.requestCode(A, IP).catch((x: AppError) => x);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('TOO_MANY_REQUESTS');
    expect((e as AppError).details.retryAfterSeconds).toBe(60);
    const hour: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      hour.push(await errCode(svc.requestCode(A, IP)));
    }
    expect(hour).toEqual(['OK', 'OK', 'OK', 'OK', 'TOO_MANY_REQUESTS']);
    clock.advance(HOUR_MS);
    const day: string[] = [];
    for (let i = 0; i < 6; i++) {
      day.push(await errCode(svc.requestCode(A, IP)));
      clock.advance(61_000);
    }
    // 5 in the first hour, 5 more in the second, then the day is used up.
    expect(day).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'TOO_MANY_REQUESTS']);
  });

  it('limits requests per IP', async () => {
    make({ smsPerIpPerMinute: 3 });
    const out: string[] = [];
    for (const p of ['13800000011', '13800000012', '13800000013', '13800000014'])
      out.push(await errCode(svc.requestCode(p, IP)));
    expect(out).toEqual(['OK', 'OK', 'OK', 'TOO_MANY_REQUESTS']);
    expect(await errCode(svc.requestCode('13800000015', '10.9.9.9'))).toBe('OK');
  });

  it('reports SMS_SEND_FAILED and lets the user retry at once', async () => {
    sms.fail = true;
    expect(await errCode(svc.requestCode(A, IP))).toBe('SMS_SEND_FAILED');
    sms.fail = false;
    expect(await errCode(svc.requestCode(A, IP))).toBe('OK');
  });
});

describe('returning devices', () => {
  it('skip the code with a device token until it is revoked', async () => {
    const s = await svc.loginWithCode(A, await code(A), IP, true);
    expect(s.deviceToken).toBeTruthy();
    const again = await svc.loginWithDevice(A, s.deviceToken!, IP);
    expect(await svc.sessionNumber(again.token)).toBe(A);
    expect(await errCode(svc.loginWithDevice(B, s.deviceToken!, IP))).toBe('UNAUTHENTICATED');
    await svc.revokeDevice(s.deviceToken!);
    expect(await errCode(svc.loginWithDevice(A, s.deviceToken!, IP))).toBe('UNAUTHENTICATED');
  });

  it('can all be revoked at once', async () => {
    const d1 = (await svc.loginWithCode(A, await code(A), IP, true)).deviceToken!;
    clock.advance(60_000);
    const d2 = (await svc.loginWithCode(A, await code(A), IP, true)).deviceToken!;
    await svc.revokeAllDevices(A);
    expect(await errCode(svc.loginWithDevice(A, d1, IP))).toBe('UNAUTHENTICATED');
    expect(await errCode(svc.loginWithDevice(A, d2, IP))).toBe('UNAUTHENTICATED');
  });

  it('sessions expire', async () => {
    const s = await svc.loginWithCode(A, await code(A), IP);
    clock.advance(DEFAULT_OPTIONS.sessionTtlMs);
    expect(await errCode(svc.sessionNumber(s.token))).toBe('UNAUTHENTICATED');
  });
});

describe('sessions kept in process', () => {
  it('never outlive the session: one looked up a second before it ends is refused a second later', async () => {
    await svc.start();
    await svc.requestCode(A, IP);
    const { token } = await svc.loginWithCode(A, sms.code(A), IP);
    clock.advance(DEFAULT_OPTIONS.sessionTtlMs - 1_000);
    expect(await svc.sessionNumber(token)).toBe(A);
    clock.advance(1_000);
    await expect(svc.sessionNumber(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await svc.stop();
  });

  /** A second process's login service on the same store, clock and key. */
  const anotherProcess = () =>
    new LoginService({
      kv,
      clock,
      sms,
      secrets: new Secrets('unit-test-secret-key-123'),
      options: { ...DEFAULT_OPTIONS },
      log: { warn() {} },
    });

  it('end at once on logout, in this process and in another sharing the store', async () => {
    await svc.start();
    const other = anotherProcess();
    await other.start();
    await svc.requestCode(A, IP);
    const { token } = await svc.loginWithCode(A, sms.code(A), IP);
    expect(await other.sessionNumber(token)).toBe(A);
    expect(await svc.sessionNumber(token)).toBe(A);
    await svc.logout(token);
    await expect(svc.sessionNumber(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(other.sessionNumber(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await other.stop();
    await svc.stop();
  });

  it("end everywhere when all of a number's devices are revoked; other numbers' stay cached", async () => {
    await svc.start();
    const other = anotherProcess();
    await other.start();
    const a1 = await svc.loginWithCode(A, await code(A), IP, true);
    const a2 = await svc.loginWithDevice(A, a1.deviceToken!, IP);
    const b = await svc.loginWithCode(B, await code(B), IP);
    for (const s of [svc, other]) for (const t of [a1, a2, b]) await s.sessionNumber(t.token);
    expect(other.cachedSessionNumber(a2.token)).toBe(A);
    await svc.revokeAllDevices(A);
    for (const s of [svc, other]) {
      expect(s.cachedSessionNumber(a1.token)).toBeUndefined();
      expect(s.cachedSessionNumber(a2.token)).toBeUndefined();
      await expect(s.sessionNumber(a2.token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      // Another number's session is still answered from memory: the revocation flushed nothing else.
      expect(s.cachedSessionNumber(b.token)).toBe(B);
    }
    await expect(svc.loginWithDevice(A, a1.deviceToken!, IP)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // A new login of the number stands.
    clock.advance(DEFAULT_OPTIONS.codeResendMs);
    const a3 = await svc.loginWithCode(A, await code(A), IP);
    expect(await other.sessionNumber(a3.token)).toBe(A);
    await other.stop();
    await svc.stop();
  });

  it('answer synchronously for a token seen before, until it is logged out here or elsewhere or ends', async () => {
    await svc.start();
    const other = anotherProcess();
    await other.start();
    const a = await svc.loginWithCode(A, await code(A), IP);
    const b = await svc.loginWithCode(B, await code(B), IP);
    expect(svc.cachedSessionNumber(a.token)).toBeUndefined(); // not looked up yet
    expect(svc.cachedSessionNumber('not-a-token')).toBeUndefined();
    expect(svc.cachedSessionNumber(undefined)).toBeUndefined();
    expect(await svc.sessionNumber(a.token)).toBe(A);
    expect(await svc.sessionNumber(b.token)).toBe(B);
    expect(await other.sessionNumber(b.token)).toBe(B);
    expect(svc.cachedSessionNumber(a.token)).toBe(A);
    expect(svc.cachedSessionNumber(b.token)).toBe(B);
    expect(other.cachedSessionNumber(b.token)).toBe(B);
    // Logged out in this process, and in another one sharing the store.
    await svc.logout(a.token);
    await other.logout(b.token);
    for (const s of [svc, other]) {
      expect(s.cachedSessionNumber(a.token)).toBeUndefined();
      expect(s.cachedSessionNumber(b.token)).toBeUndefined();
      await expect(s.sessionNumber(a.token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      await expect(s.sessionNumber(b.token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    // A session's end: never answered from memory past it.
    clock.advance(DEFAULT_OPTIONS.codeResendMs);
    const c = await svc.loginWithCode(A, await code(A), IP);
    expect(await svc.sessionNumber(c.token)).toBe(A);
    clock.advance(DEFAULT_OPTIONS.sessionTtlMs);
    expect(svc.cachedSessionNumber(c.token)).toBeUndefined();
    await expect(svc.sessionNumber(c.token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await other.stop();
    await svc.stop();
    // Without the logout listener nothing is kept in process.
    expect(svc.cachedSessionNumber(c.token)).toBeUndefined();
  });
});
