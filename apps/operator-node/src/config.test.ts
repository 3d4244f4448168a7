import type { AppError } from '@itinerary-card/domain';
import { describe, expect, it } from 'vitest';
import { readOperatorNodeConfig } from './config.ts';

const base = { NODE_OPERATOR: 'cucc', NODE_SERVICE_SECRET: 's'.repeat(16), NODE_PSEUDONYM_KEY: 'k'.repeat(16) };

function variableOf(env: Record<string, string>): string | undefined {
  try {
    readOperatorNodeConfig(env);
  } catch (e) {
    return (e as AppError).details.variable as string;
  }
  return undefined;
}

describe('readOperatorNodeConfig', () => {
  it('reads defaults and overrides', () => {
    expect(readOperatorNodeConfig(base)).toEqual({
      operator: 'cucc',
      nodeId: 'cucc',
      host: '127.0.0.1',
      port: 4100,
      serviceSecret: base.NODE_SERVICE_SECRET,
      pseudonymKey: base.NODE_PSEUDONYM_KEY,
    });
    expect(readOperatorNodeConfig({ ...base, NODE_ID: 'cucc-2', NODE_PORT: '0', NODE_DATA_DIR: '/d' })).toMatchObject({
      nodeId: 'cucc-2',
      port: 0,
      dataDir: '/d',
    });
  });

  it('stops start-up naming the bad variable', () => {
    expect(variableOf({ ...base, NODE_OPERATOR: 'xyz' })).toBe('NODE_OPERATOR');
    expect(variableOf({ ...base, NODE_PORT: '65536' })).toBe('NODE_PORT');
    expect(variableOf({ ...base, NODE_PSEUDONYM_KEY: '' })).toBe('NODE_PSEUDONYM_KEY');
    expect(variableOf({ ...base, NODE_TLS_KEY: '/key.pem' })).toBe('NODE_TLS_CERT');
    expect(variableOf({ ...base, NODE_TLS_CERT: '/nonexistent/cert.pem', NODE_TLS_KEY: '/k' })).toBe('NODE_TLS_CERT');
  });
});
