// Reads the SMPP_* variables into SmppTransportOptions once, at start-up; a bad
// value stops start-up with CONFIG_INVALID naming the variable. The app's
// config.ts passes its environment in (nothing here reads process.env).
import { AppError } from '@itinerary-card/domain';
import type { SmppTransportOptions } from './smpp-transport.ts';

export type SmppConfig = Pick<
  SmppTransportOptions,
  | 'host'
  | 'port'
  | 'systemId'
  | 'password'
  | 'systemType'
  | 'defaultFrom'
  | 'window'
  | 'enquireLinkMs'
  | 'registeredDelivery'
  | 'sendTimeoutMs'
  | 'responseTimeoutMs'
  | 'tps'
  | 'sourceTon'
  | 'sourceNpi'
  | 'destTon'
  | 'destNpi'
  | 'countryCode'
>;

function fail(variable: string, why: string): never {
  throw new AppError('CONFIG_INVALID', { variable }, { cause: new Error(`${variable}: ${why}`) });
}

function int(env: Record<string, string | undefined>, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) fail(name, `must be an integer from ${min} to ${max}`);
  return n;
}

/**
 * SMPP_HOST, SMPP_PORT (2775), SMPP_SYSTEM_ID, SMPP_PASSWORD (at most 8 characters in SMPP 3.4),
 * SMPP_SYSTEM_TYPE, SMPP_SOURCE_ADDR (required: sender of messages that name none, e.g. login
 * codes; many SMSCs reject an empty one), SMPP_WINDOW (10), SMPP_TPS (submit_sm per second, 0 =
 * unpaced), SMPP_ENQUIRE_LINK_MS (30000), SMPP_RESPONSE_TIMEOUT_MS (10000), SMPP_SEND_TIMEOUT_MS
 * (15000), SMPP_DELIVERY_RECEIPTS (true|false, default true), SMPP_SOURCE_TON (3) / SMPP_SOURCE_NPI (0)
 * for short codes, SMPP_DEST_TON (1) / SMPP_DEST_NPI (1) for handsets, SMPP_COUNTRY_CODE (86, put
 * before a handset's number when SMPP_DEST_TON is 1).
 */
export function readSmppConfig(env: Record<string, string | undefined>): SmppConfig {
  const host = env.SMPP_HOST ?? '';
  if (!host) fail('SMPP_HOST', 'is required for the SMPP transport');
  const systemId = env.SMPP_SYSTEM_ID ?? '';
  if (!systemId || systemId.length > 15) fail('SMPP_SYSTEM_ID', 'is required, at most 15 characters');
  const password = env.SMPP_PASSWORD ?? '';
  if (password.length > 8) fail('SMPP_PASSWORD', 'at most 8 characters (SMPP 3.4)');
  const receipts = env.SMPP_DELIVERY_RECEIPTS ?? 'true';
  if (receipts !== 'true' && receipts !== 'false') fail('SMPP_DELIVERY_RECEIPTS', 'must be true or false');
  const countryCode = env.SMPP_COUNTRY_CODE ?? '86';
  if (!/^\d{0,3}$/.test(countryCode)) fail('SMPP_COUNTRY_CODE', 'must be 1 to 3 digits (or empty)');
  const config: SmppConfig = {
    host,
    port: int(env, 'SMPP_PORT', 2775, 1, 65535),
    systemId,
    password,
    systemType: env.SMPP_SYSTEM_TYPE ?? '',
    defaultFrom: '',
    window: int(env, 'SMPP_WINDOW', 10, 1, 1000),
    tps: int(env, 'SMPP_TPS', 0, 0, 100_000) || undefined,
    enquireLinkMs: int(env, 'SMPP_ENQUIRE_LINK_MS', 30_000, 1000, 600_000),
    responseTimeoutMs: int(env, 'SMPP_RESPONSE_TIMEOUT_MS', 10_000, 100, 120_000),
    registeredDelivery: receipts === 'true',
    sendTimeoutMs: int(env, 'SMPP_SEND_TIMEOUT_MS', 15_000, 100, 300_000),
    sourceTon: int(env, 'SMPP_SOURCE_TON', 3, 0, 6),
    sourceNpi: int(env, 'SMPP_SOURCE_NPI', 0, 0, 18),
    destTon: int(env, 'SMPP_DEST_TON', 1, 0, 6),
    destNpi: int(env, 'SMPP_DEST_NPI', 1, 0, 18),
    countryCode,
  };
  // Checked last so that a malformed number elsewhere is named first.
  const from = env.SMPP_SOURCE_ADDR ?? '';
  if (!from) fail('SMPP_SOURCE_ADDR', 'is required for the SMPP transport (the sender of login codes)');
  if (!/^\d{1,21}$/.test(from)) fail('SMPP_SOURCE_ADDR', 'must be digits (at most 21)');
  config.defaultFrom = from;
  return config;
}
