import { describe, expect, it } from 'vitest';
import { embeddedConfig, readConfig } from './config.ts';

const env = {
  HC_PUBLIC_URL: 'https://hc.example.cn/',
  HC_ITINERARY_CARD_URL: 'https://xc.example.cn/',
  HC_KEY_SECRET: 'k'.repeat(20),
  HC_ADMIN_TOKEN: 'a'.repeat(20),
  HC_PARTNER_URL: 'https://platform.example.cn',
  HC_PARTNER_CLIENT_ID: 'nanchang',
  HC_PARTNER_CLIENT_SECRET: 'secret',
  HC_DEV_OUTBOX: 'true',
};

describe('configuration', () => {
  it('reads and validates HC_* variables', () => {
    const c = readConfig(env);
    expect(c.publicUrl).toBe('https://hc.example.cn');
    expect(c.colourRules.map((r) => r.when)).toContain('epidemicSojourn');
    const custom = readConfig({
      ...env,
      HC_COLOUR_RULES: '[{"when":"closeContact","colour":"red"}]',
      HC_CODE_TTL_SECONDS: '30',
    });
    expect(custom.colourRules).toEqual([
      { when: 'officeRed', colour: 'red' },
      { when: 'epidemicSojourn', colour: 'red' },
      { when: 'closeContact', colour: 'red' },
    ]);
    expect(custom.codeTtlSeconds).toBe(30);
    expect(c.venueCacheSeconds).toBe(30);
    expect(readConfig({ ...env, HC_VENUE_CACHE_SECONDS: '0' }).venueCacheSeconds).toBe(0);
  });
  it('stops on a bad value, naming the variable', () => {
    const naming = (over: Record<string, string | undefined>, variable: string) => {
      try {
        readConfig({ ...env, ...over });
      } catch (e) {
        return (e as { details: { variable: string } }).details.variable === variable;
      }
      return false;
    };
    expect(naming({ HC_PUBLIC_URL: 'ftp://x' }, 'HC_PUBLIC_URL')).toBe(true);
    expect(naming({ HC_KEY_SECRET: 'short' }, 'HC_KEY_SECRET')).toBe(true);
    expect(naming({ HC_ADMIN_TOKEN: undefined }, 'HC_ADMIN_TOKEN')).toBe(true);
    expect(naming({ HC_CODE_TTL_SECONDS: '5' }, 'HC_CODE_TTL_SECONDS')).toBe(true);
    expect(naming({ HC_VENUE_CACHE_SECONDS: '-1' }, 'HC_VENUE_CACHE_SECONDS')).toBe(true);
    expect(naming({ HC_COLOUR_RULES: '[{"when":"epidemicSojourn","colour":"yellow"}]' }, 'HC_COLOUR_RULES')).toBe(true);
  });
  it('reads the listen address, storage and SMS transport here, not elsewhere', () => {
    const c = readConfig({ ...env, HC_PORT: '3101', HC_DATABASE_URL: 'postgres://db/hc', HC_REDIS_URL: 'redis://kv' });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 3101, databaseUrl: 'postgres://db/hc', redisUrl: 'redis://kv' });
    expect(c.smpp).toBeUndefined();
    const smpp = readConfig({
      ...env,
      HC_DEV_OUTBOX: 'false',
      SMPP_HOST: 'smsc',
      SMPP_SYSTEM_ID: 'hc',
      SMPP_SOURCE_ADDR: '106',
    });
    expect(smpp.smpp).toMatchObject({ host: 'smsc', systemId: 'hc', defaultFrom: '106' });
    for (const [over, variable] of [
      [{ HC_PORT: '65536' }, 'HC_PORT'],
      [{ HC_DEV_OUTBOX: '0' }, 'SMPP_HOST'],
      [{ HC_DEV_OUTBOX: 'yes' }, 'HC_DEV_OUTBOX'],
      [{ HC_DATABASE_URL: 'postgres//db' }, 'HC_DATABASE_URL'],
      [{ SERVE_DRAIN_MS: '6000' }, 'SERVE_DRAIN_MS'],
    ] as const)
      expect(() => readConfig({ ...env, ...over })).toThrow(expect.objectContaining({ details: { variable } }));
  });

  it('makes an embedded configuration with fresh secrets', () => {
    const c = embeddedConfig({
      publicUrl: 'http://127.0.0.1:3001/',
      itineraryCardUrl: 'http://127.0.0.1:3000/',
      partner: { baseUrl: 'http://127.0.0.1:3000', clientId: 'a', clientSecret: 'b' },
    });
    expect(c.publicUrl).toBe('http://127.0.0.1:3001');
    expect(c.keySecret.length).toBeGreaterThanOrEqual(16);
    expect(c.devOutbox).toBe(true);
  });
});
