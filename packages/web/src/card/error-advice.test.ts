import { ERROR_TABLE } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { adviceFor, helpLink } from './error-advice.ts';

const API_ERRORS = [
  'INVALID_PHONE',
  'UNSUPPORTED_NUMBER',
  'TOO_MANY_REQUESTS',
  'SMS_SEND_FAILED',
  'CODE_INVALID',
  'CODE_EXPIRED',
  'TOO_MANY_ATTEMPTS',
  'ILLEGAL_ACCESS',
  'NEW_SUBSCRIBER',
  'NO_DATA',
  'UNAUTHENTICATED',
  'QUERY_FAILED',
  // The page's own check of the answer (@itinerary-card/domain/wire).
  'ANSWER_MALFORMED',
] as const;

describe('what to do next after an error', () => {
  it('has specific advice in both languages for every error of API.md', () => {
    const fallback = adviceFor('SOMETHING_NEW', 'zh').next;
    for (const code of API_ERRORS) {
      expect(code in ERROR_TABLE).toBe(true);
      for (const lang of ['zh', 'en'] as const)
        expect(adviceFor(code, lang).next, code).not.toBe(adviceFor('X', lang).next);
      expect(adviceFor(code, 'zh').next).not.toBe(fallback);
    }
  });

  it('offers the action that fixes it', () => {
    expect(adviceFor('ILLEGAL_ACCESS', 'zh').action).toBe('retry');
    expect(adviceFor('QUERY_FAILED', 'zh').action).toBe('retry');
    expect(adviceFor('CODE_EXPIRED', 'zh').action).toBe('newCode');
    expect(adviceFor('UNAUTHENTICATED', 'zh').action).toBe('relogin');
    expect(adviceFor('NO_DATA', 'zh').action).toBe('help');
  });

  it('says how long to wait when the platform gave retryAfterSeconds', () => {
    expect(adviceFor('TOO_MANY_REQUESTS', 'zh', 42).next).toBe('请在42秒后再试。');
    expect(adviceFor('TOO_MANY_REQUESTS', 'en', 42).next).toBe('Please try again in 42 seconds.');
    // A day's lockout is said in hours and minutes, not in thousands of seconds.
    expect(adviceFor('TOO_MANY_ATTEMPTS', 'zh', 8100).next).toBe('请在2小时15分钟后再试。');
    expect(adviceFor('TOO_MANY_ATTEMPTS', 'en', 300).next).toBe('Please try again in 5 minutes.');
  });

  it("links to the seed's FAQ answer about the error", () => {
    expect(helpLink('NO_DATA')).toBe('/help#q7');
    expect(helpLink('NEW_SUBSCRIBER')).toBe('/help#q8');
    expect(helpLink('ILLEGAL_ACCESS')).toBe('/help#q10');
    expect(helpLink('CODE_INVALID')).toBe('/help');
  });
});
