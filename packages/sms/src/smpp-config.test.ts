import { describe, expect, it } from 'vitest';
import { readSmppConfig } from './smpp-config.ts';

const base = { SMPP_HOST: 'smsc.example', SMPP_SYSTEM_ID: 'itinerary', SMPP_PASSWORD: 'secret' };

describe('readSmppConfig', () => {
  it('reads the SMPP_* variables with defaults', () => {
    expect(readSmppConfig(base)).toEqual({
      host: 'smsc.example',
      port: 2775,
      systemId: 'itinerary',
      password: 'secret',
      systemType: '',
      defaultFrom: undefined,
      window: 10,
      enquireLinkMs: 30_000,
      registeredDelivery: true,
      sendTimeoutMs: 15_000,
    });
    expect(readSmppConfig({ ...base, SMPP_PORT: '2776', SMPP_WINDOW: '50', SMPP_SOURCE_ADDR: '106900' })).toMatchObject(
      {
        port: 2776,
        window: 50,
        defaultFrom: '106900',
      },
    );
  });

  it('stops with CONFIG_INVALID naming the variable', () => {
    const bad: Array<[Record<string, string>, string]> = [
      [{ ...base, SMPP_HOST: '' }, 'SMPP_HOST'],
      [{ ...base, SMPP_PORT: '70000' }, 'SMPP_PORT'],
      [{ ...base, SMPP_PASSWORD: 'far-too-long' }, 'SMPP_PASSWORD'],
      [{ ...base, SMPP_WINDOW: '0' }, 'SMPP_WINDOW'],
      [{ ...base, SMPP_SOURCE_ADDR: 'ITINERARY' }, 'SMPP_SOURCE_ADDR'],
      [{ ...base, SMPP_DELIVERY_RECEIPTS: 'yes' }, 'SMPP_DELIVERY_RECEIPTS'],
      [{ ...base, SMPP_SEND_TIMEOUT_MS: 'soon' }, 'SMPP_SEND_TIMEOUT_MS'],
    ];
    for (const [env, variable] of bad) {
      expect(() => readSmppConfig(env)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', details: { variable } }),
      );
    }
  });
});
