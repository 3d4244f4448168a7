import { describe, expect, it } from 'vitest';
import { signServiceToken, verifyServiceToken } from './service-token.ts';

describe('service tokens', () => {
  const secret = 'a-shared-secret-of-enough-length';
  const token = signServiceToken({ iss: 'platform', aud: 'cmcc-1', exp: 2_000 }, secret);

  it('accepts a valid token for its audience before expiry', () => {
    expect(verifyServiceToken(token, { secret, audience: 'cmcc-1', now: 1_999 })).toEqual({
      ok: true,
      claims: { iss: 'platform', aud: 'cmcc-1', exp: 2_000 },
    });
  });
  it('rejects expired, wrong-audience, forged and malformed tokens', () => {
    expect(verifyServiceToken(token, { secret, audience: 'cmcc-1', now: 2_000 })).toMatchObject({ reason: 'expired' });
    expect(verifyServiceToken(token, { secret, audience: 'cucc-1', now: 0 })).toMatchObject({ reason: 'audience' });
    expect(verifyServiceToken(token, { secret: 'other', audience: 'cmcc-1', now: 0 })).toMatchObject({
      reason: 'signature',
    });
    const forged = `${Buffer.from('{"iss":"x","aud":"cmcc-1","exp":9e15}').toString('base64url')}.${token.split('.')[1]}`;
    expect(verifyServiceToken(forged, { secret, audience: 'cmcc-1', now: 0 })).toMatchObject({ reason: 'signature' });
    expect(verifyServiceToken('garbage', { secret, audience: 'cmcc-1', now: 0 })).toMatchObject({
      reason: 'malformed',
    });
  });
});
