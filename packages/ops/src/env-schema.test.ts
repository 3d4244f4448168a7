import type { AppError } from '@itinerary-card/domain';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { configErrorText, Env, envExample, readEnv, trustProxyFrom } from './env-schema.ts';

const SCHEMA = Type.Object({
  X_PORT: Env.port(3000, { description: 'Listen port.' }),
  X_SECRET: Env.secret(16, { description: 'A secret.' }),
  X_FLAG: Env.bool(true, { description: 'A switch.' }),
  X_MODE: Env.oneOf(['outbox', 'smpp'], { description: 'Transport.', default: 'outbox' }),
  X_DB: Env.optional(Env.url(['postgres', 'postgresql'], { description: 'Database.' })),
  X_CC: Env.string({ description: 'Country code.', default: '86', keepEmpty: true, pattern: '^\\d{0,3}$' }),
});

const ok = { X_SECRET: 's'.repeat(16) };

/** The error's `VARIABLE: why`, or undefined when the environment is read. */
function refusal(env: Record<string, string | undefined>): string | undefined {
  try {
    readEnv(SCHEMA, env);
  } catch (e) {
    expect((e as AppError).code).toBe('CONFIG_INVALID');
    const text = configErrorText(e as AppError);
    expect(text.startsWith(`${(e as AppError).details.variable}: `)).toBe(true);
    return text;
  }
  return undefined;
}

describe('readEnv', () => {
  it('takes defaults for unset and empty variables, and converts the set ones', () => {
    expect(readEnv(SCHEMA, ok)).toEqual({
      X_PORT: 3000,
      X_SECRET: ok.X_SECRET,
      X_FLAG: true,
      X_MODE: 'outbox',
      X_CC: '86',
    });
    const v = readEnv(SCHEMA, { ...ok, X_PORT: '', X_FLAG: '0', X_MODE: 'smpp', X_DB: 'postgres://u@db/x', X_CC: '' });
    expect(v).toEqual({
      X_PORT: 3000,
      X_SECRET: ok.X_SECRET,
      X_FLAG: false,
      X_MODE: 'smpp',
      X_DB: 'postgres://u@db/x',
      X_CC: '',
    });
  });

  it('spells every boolean one way: true/false, 1/0 (and the older on/off)', () => {
    const flag = (s: string) => readEnv(SCHEMA, { ...ok, X_FLAG: s }).X_FLAG;
    expect(['true', '1', 'on'].map(flag)).toEqual([true, true, true]);
    expect(['false', '0', 'off'].map(flag)).toEqual([false, false, false]);
    expect(refusal({ ...ok, X_FLAG: 'yes' })).toBe('X_FLAG: must be true or false (or 1 or 0)');
    expect(refusal({ ...ok, X_FLAG: 'TRUE' })).toBe('X_FLAG: must be true or false (or 1 or 0)');
  });

  it('bounds ports and refuses what is not a whole number', () => {
    expect(readEnv(SCHEMA, { ...ok, X_PORT: '65535' }).X_PORT).toBe(65535);
    for (const bad of ['65536', '-1', 'eighty', '80.5', '1e3', '0x50', ' 80'])
      expect(refusal({ ...ok, X_PORT: bad })).toBe('X_PORT: must be an integer from 0 to 65535');
  });

  it('names the variable: required, too short, not one of the words, wrong URL, wrong pattern', () => {
    expect(refusal({})).toBe('X_SECRET: is required and must be at least 16 characters');
    expect(refusal({ X_SECRET: 'short' })).toBe('X_SECRET: must be at least 16 characters');
    expect(refusal({ ...ok, X_MODE: 'pigeon' })).toBe('X_MODE: must be outbox or smpp');
    expect(refusal({ ...ok, X_DB: 'mysql://db/x' })).toBe('X_DB: must be a postgres or postgresql:// URL with a host');
    expect(refusal({ ...ok, X_DB: 'postgres//db' })).toBe('X_DB: must be a postgres or postgresql:// URL with a host');
    expect(refusal({ ...ok, X_CC: '+86' })).toBe('X_CC: must match ^\\d{0,3}$');
  });
});

describe('trustProxyFrom', () => {
  it('reads false, true, a hop count or addresses, and names the variable otherwise', () => {
    expect(['', 'false', 'true', '2'].map((v) => trustProxyFrom(v, 'X'))).toEqual([false, false, true, 2]);
    expect(trustProxyFrom('10.0.0.0/8, ::1', 'X')).toBe('10.0.0.0/8,::1');
    expect(() => trustProxyFrom('10.0.0.0/33', 'X_TRUST_PROXY')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { variable: 'X_TRUST_PROXY' } }),
    );
  });
});

describe('envExample', () => {
  it('leaves required variables to fill in and comments out the rest at their defaults', () => {
    const text = envExample([{ title: 'X', schema: SCHEMA }], ['header']);
    expect(text).toContain('# Listen port. (0-65535)\n# X_PORT=3000\n');
    expect(text).toContain('# A secret. (at least 16 characters) Required.\nX_SECRET=\n');
    expect(text).toContain('# A switch. (true | false)\n# X_FLAG=true\n');
    expect(text).toContain('# Transport. (outbox | smpp)\n# X_MODE=outbox\n');
    expect(text).toContain('# X_DB=\n');
  });
});
