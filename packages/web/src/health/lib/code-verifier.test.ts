// The staff page's offline check gives the server's verdict for the same code:
// both use the one CT1 verifier. Codes are signed here with node:crypto, as the
// city signs them, including the odd ones a forger might try.
import { generateKeyPairSync, sign } from 'node:crypto';
import { CodeVerifier, type VerifyKey } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { verifyCode } from './code-verifier.ts';

const NOW = Date.parse('2026-12-06T10:00:00+08:00');
const NOW_S = NOW / 1000;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const KEY: VerifyKey = { kid: 'k1', x: publicKey.export({ format: 'jwk' }).x!, nbf: NOW_S - 86_400 };

function token(payload: unknown[]): string {
  const body = `CT1.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${body}.${sign(null, Buffer.from(body), privateKey).toString('base64url')}`;
}

const person = (over: Record<number, unknown> = {}) => {
  const a: unknown[] = ['P', 'k1', NOW_S - 60, NOW_S + 300, 'r', '**明', 'p1', 'v'];
  for (const [i, v] of Object.entries(over)) a[Number(i)] = v;
  return a;
};

describe('the staff page and the server judge a code alike', () => {
  const cases: Array<[string, string, string | true]> = [
    ['a red personal code', token(person()), true],
    ['a venue poster', token(['V', 'k1', NOW_S - 60, 'unit', '南昌市第一医院', 'v1']), true],
    ['in a check-in link', `https://hc.example/health/checkin.html?c=${token(person())}`, true],
    ['expired (a screenshot)', token(person({ 3: NOW_S - 1 })), 'expired'],
    ['issued in the future', token(person({ 2: NOW_S + 120 })), 'not_yet_valid'],
    ['issued before the key was published', token(person({ 2: KEY.nbf - 10 })), 'signature'],
    ['a fractional issue time', token(person({ 2: NOW_S - 60.5 })), 'malformed'],
    ['a colour that is not one', token(person({ 4: 'G' })), 'malformed'],
    ['a venue kind that does not exist', token(['V', 'k1', NOW_S - 60, 'bank', '某银行', 'v2']), 'malformed'],
    ['an unknown key', token(person({ 1: 'k9' })), 'unknown_key'],
    [
      'a changed colour',
      (() => {
        const [p, , s] = token(person()).split('.');
        const green = Buffer.from(JSON.stringify(person({ 4: 'g' }))).toString('base64url');
        return `${p}.${green}.${s}`;
      })(),
      'signature',
    ],
    ['too long', token(person({ 5: '明'.repeat(600) })), 'malformed'],
  ];
  for (const [what, code, want] of cases) {
    it(what, async () => {
      const server = await new CodeVerifier([KEY]).verify(code.startsWith('CT1.') ? code : code.split('c=')[1]!, NOW);
      const page = await verifyCode(code, { keys: [KEY], fetchedAt: NOW }, NOW);
      expect(page.ok ? true : page.reason).toBe(want);
      expect(server.ok ? true : server.reason).toBe(want);
    });
  }
});
