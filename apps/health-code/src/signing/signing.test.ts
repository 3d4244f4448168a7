import { extractToken, splitToken } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { generateKeyRecord, Keyring } from './keyring.ts';

const T0 = Date.parse('2022-09-08T10:00:00+08:00');
const person = { t: 'P' as const, exp: Math.floor(T0 / 1000) + 60, colour: 'g' as const, name: '**明', ref: 'p123' };

describe('signed codes', () => {
  it('round-trips a personal code and a venue code', async () => {
    const ring = new Keyring([generateKeyRecord(T0 - 1000)]);
    const tok = ring.sign(person, T0);
    expect(tok.startsWith('CT1.')).toBe(true);
    const v = await ring.verify(tok, T0 + 1000);
    expect(v.ok && v.payload).toMatchObject({ t: 'P', colour: 'g', name: '**明', ref: 'p123' });
    const venue = ring.sign({ t: 'V', kind: 'unit', name: '南昌市第一医院', id: 'v1' }, T0);
    expect((await ring.verify(venue, T0 + 400 * 86_400_000)).ok).toBe(true);
    expect(extractToken(`https://hc.example/health/checkin.html?c=${venue}`)).toBe(venue);
  });
  it('rejects forged, altered and expired codes', async () => {
    const ring = new Keyring([generateKeyRecord(T0 - 1000)]);
    const other = new Keyring([{ ...generateKeyRecord(T0 - 1000), kid: ring.records()[0]!.kid }]);
    const tok = ring.sign(person, T0);
    expect(await other.verify(tok, T0)).toEqual({ ok: false, reason: 'signature' });
    const forged = other.sign(person, T0);
    expect(await ring.verify(forged, T0)).toEqual({ ok: false, reason: 'signature' });
    // Altered: same signature, colour changed from g to r.
    const parts = tok.split('.');
    const arr = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString());
    arr[4] = 'r';
    const altered = `CT1.${Buffer.from(JSON.stringify(arr)).toString('base64url')}.${parts[2]}`;
    expect(splitToken(altered)).toBeDefined();
    expect(await ring.verify(altered, T0)).toEqual({ ok: false, reason: 'signature' });
    expect(await ring.verify(tok, T0 + 61_000)).toEqual({ ok: false, reason: 'expired' });
    expect(await ring.verify('CT1.abc.def', T0)).toEqual({ ok: false, reason: 'malformed' });
    expect(await new Keyring([generateKeyRecord(T0)]).verify(tok, T0)).toEqual({ ok: false, reason: 'unknown_key' });
  });
  it('rotates with overlap: old codes verify, the new key signs after it is published', async () => {
    const k1 = generateKeyRecord(T0 - 1000);
    const k2 = generateKeyRecord(T0 + 600_000);
    const ring = new Keyring([{ ...k1, signUntil: T0 + 600_000 }, k2]);
    const old = ring.sign(person, T0);
    expect(ring.signingKey(T0)!.kid).toBe(k1.kid);
    expect(ring.signingKey(T0 + 600_000)!.kid).toBe(k2.kid);
    const fresh = ring.sign({ ...person, exp: Math.floor(T0 / 1000) + 700 }, T0 + 600_000);
    expect(splitToken(fresh)!.payload.kid).toBe(k2.kid);
    expect((await ring.verify(old, T0 + 30_000)).ok).toBe(true);
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([k1.kid, k2.kid]);
    // A code claiming the old key after its signing period is refused.
    const late = new Keyring([k1]).sign({ ...person, exp: Math.floor(T0 / 1000) + 2000 }, T0 + 900_000);
    expect(await ring.verify(late, T0 + 900_000)).toEqual({ ok: false, reason: 'signature' });
  });
});

describe('sealed private keys', () => {
  it('opens with the right secret only', async () => {
    const { seal, unseal } = await import('./key-store.ts');
    const der = Buffer.from('private key bytes');
    const s = seal(der, 'secret-one-0123456789');
    expect(unseal(s, 'secret-one-0123456789').equals(der)).toBe(true);
    expect(() => unseal(s, 'secret-two-0123456789')).toThrow();
  });
});
