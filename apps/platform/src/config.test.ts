import type { AppError } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { readPlatformConfig } from './config.ts';

const base = {
  PLATFORM_SECRET_KEY: 'k'.repeat(20),
  PLATFORM_SERVICE_SECRET: 's'.repeat(20),
  PLATFORM_NODE_CMCC: 'http://127.0.0.1:4100',
};

function variableOf(env: Record<string, string>): string | undefined {
  try {
    readPlatformConfig(env);
  } catch (e) {
    return (e as AppError).details.variable as string;
  }
  return undefined;
}

describe('readPlatformConfig', () => {
  it('reads defaults and overrides', () => {
    const c = readPlatformConfig({ ...base, PLATFORM_UPDATE_TIME: '09:30', PLATFORM_CLOCK_SKEW_MS: '120000' });
    expect(c.nodes.cmcc).toEqual({ url: 'http://127.0.0.1:4100', nodeId: 'cmcc' });
    expect(c.options.updateTimeMs).toBe(9.5 * 3_600_000);
    expect(c.options.clockSkewMs).toBe(120_000);
    expect(c.options.greenCountries).toEqual(['HK', 'MO', 'TW']);
    expect(c.sms).toBe('outbox');
    const limits = readPlatformConfig({
      ...base,
      PLATFORM_PARTNER_PER_MINUTE: '100',
      PLATFORM_PARTNER_CODES_PER_NUMBER_PER_HOUR: '3',
    }).options;
    expect([limits.partnerPerMinute, limits.partnerCodesPerNumberPerHour, limits.partnerGrantTtlMs]).toEqual([
      100, 3, 600_000,
    ]);
  });

  it('stops start-up naming the bad variable', () => {
    expect(variableOf({ ...base, PLATFORM_SECRET_KEY: 'short' })).toBe('PLATFORM_SECRET_KEY');
    expect(variableOf({ ...base, PLATFORM_UPDATE_TIME: '8am' })).toBe('PLATFORM_UPDATE_TIME');
    expect(variableOf({ ...base, PLATFORM_NODE_CMCC: 'ftp://x' })).toBe('PLATFORM_NODE_CMCC');
    expect(variableOf({ ...base, PLATFORM_CLOCK_SKEW_MS: '-1' })).toBe('PLATFORM_CLOCK_SKEW_MS');
    expect(variableOf({ ...base, PLATFORM_SMS: 'pigeon' })).toBe('PLATFORM_SMS');
    expect(variableOf({ ...base, PLATFORM_PARTNER_PER_MINUTE: '0' })).toBe('PLATFORM_PARTNER_PER_MINUTE');
    expect(variableOf({ ...base, PLATFORM_PARTNER_GRANT_TTL_MS: '500' })).toBe('PLATFORM_PARTNER_GRANT_TTL_MS');
    expect(variableOf({ ...base, PLATFORM_NODE_TLS_CA: '/nonexistent/ca.pem' })).toBe('PLATFORM_NODE_TLS_CA');
    expect(variableOf({ ...base, PLATFORM_TRUST_PROXY: '10.0.0.0/33' })).toBe('PLATFORM_TRUST_PROXY');
    expect(variableOf({ ...base, PLATFORM_TRUST_PROXY: 'proxy.internal' })).toBe('PLATFORM_TRUST_PROXY');
  });

  it('bounds the port and spells booleans one way', () => {
    expect(readPlatformConfig({ ...base, PLATFORM_PORT: '65535' }).port).toBe(65535);
    for (const bad of ['65536', '99999', '-1', 'eighty'])
      expect(variableOf({ ...base, PLATFORM_PORT: bad })).toBe('PLATFORM_PORT');
    const requestLog = (v: string) => readPlatformConfig({ ...base, PLATFORM_REQUEST_LOG: v }).requestLog;
    expect(['true', '1', 'on', 'false', '0', 'off'].map(requestLog)).toEqual([true, true, true, false, false, false]);
    expect(variableOf({ ...base, PLATFORM_REQUEST_LOG: 'maybe' })).toBe('PLATFORM_REQUEST_LOG');
  });

  it('reads the SMPP transport and the drain time with the rest', () => {
    expect(readPlatformConfig(base)).toMatchObject({ smpp: undefined, drainMs: 0 });
    const smpp = { PLATFORM_SMS: 'smpp', SMPP_HOST: 'smsc', SMPP_SYSTEM_ID: 'itc', SMPP_SOURCE_ADDR: '10086' };
    expect(readPlatformConfig({ ...base, ...smpp, SERVE_DRAIN_MS: '1500' })).toMatchObject({
      smpp: { host: 'smsc', systemId: 'itc', defaultFrom: '10086', port: 2775 },
      drainMs: 1500,
    });
    expect(variableOf({ ...base, ...smpp, SMPP_PORT: 'x' })).toBe('SMPP_PORT');
    expect(variableOf({ ...base, SERVE_DRAIN_MS: '5001' })).toBe('SERVE_DRAIN_MS');
    expect(variableOf({ ...base, DATABASE_URL: 'mysql://db/x' })).toBe('DATABASE_URL');
    expect(variableOf({ ...base, REDIS_URL: 'localhost:6379' })).toBe('REDIS_URL');
  });

  it('reads which proxies to trust', () => {
    const t = (v: string) => readPlatformConfig({ ...base, PLATFORM_TRUST_PROXY: v }).trustProxy;
    expect(readPlatformConfig(base).trustProxy).toBe(false);
    expect(t('true')).toBe(true);
    expect(t('2')).toBe(2);
    expect(t('10.0.0.0/8, 192.168.1.7,::1')).toBe('10.0.0.0/8,192.168.1.7,::1');
  });
});
