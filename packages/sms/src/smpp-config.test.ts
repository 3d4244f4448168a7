import { describe, expect, it } from 'vitest';
import { readSmppConfig } from './smpp-config.ts';

const base = {
  SMPP_HOST: 'smsc.example',
  SMPP_SYSTEM_ID: 'itinerary',
  SMPP_PASSWORD: 'secret',
  SMPP_SOURCE_ADDR: '106900',
};

describe('readSmppConfig', () => {
  it('reads the SMPP_* variables with defaults', () => {
    expect(readSmppConfig(base)).toEqual({
      host: 'smsc.example',
      port: 2775,
      systemId: 'itinerary',
      password: 'secret',
      systemType: '',
      defaultFrom: '106900',
      window: 10,
      tps: undefined,
      enquireLinkMs: 30_000,
      responseTimeoutMs: 10_000,
      registeredDelivery: true,
      sendTimeoutMs: 15_000,
      sourceTon: 3,
      sourceNpi: 0,
      destTon: 1,
      destNpi: 1,
      countryCode: '86',
    });
    expect(
      readSmppConfig({
        ...base,
        SMPP_PORT: '2776',
        SMPP_WINDOW: '50',
        SMPP_TPS: '200',
        SMPP_RESPONSE_TIMEOUT_MS: '30000',
        SMPP_DEST_TON: '0',
        SMPP_COUNTRY_CODE: '',
      }),
    ).toMatchObject({ port: 2776, window: 50, tps: 200, responseTimeoutMs: 30_000, destTon: 0, countryCode: '' });
  });

  it('stops with CONFIG_INVALID naming the variable', () => {
    const bad: Array<[Record<string, string>, string]> = [
      [{ ...base, SMPP_HOST: '' }, 'SMPP_HOST'],
      [{ ...base, SMPP_PORT: '70000' }, 'SMPP_PORT'],
      [{ ...base, SMPP_PASSWORD: 'far-too-long' }, 'SMPP_PASSWORD'],
      [{ ...base, SMPP_WINDOW: '0' }, 'SMPP_WINDOW'],
      [{ ...base, SMPP_SOURCE_ADDR: 'ITINERARY' }, 'SMPP_SOURCE_ADDR'],
      [{ ...base, SMPP_SOURCE_ADDR: '' }, 'SMPP_SOURCE_ADDR'],
      [{ ...base, SMPP_SOURCE_ADDR: undefined as unknown as string }, 'SMPP_SOURCE_ADDR'],
      [{ ...base, SMPP_TPS: '-1' }, 'SMPP_TPS'],
      [{ ...base, SMPP_RESPONSE_TIMEOUT_MS: '5' }, 'SMPP_RESPONSE_TIMEOUT_MS'],
      [{ ...base, SMPP_SOURCE_TON: '9' }, 'SMPP_SOURCE_TON'],
      [{ ...base, SMPP_DEST_NPI: 'e164' }, 'SMPP_DEST_NPI'],
      [{ ...base, SMPP_COUNTRY_CODE: '+86' }, 'SMPP_COUNTRY_CODE'],
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
