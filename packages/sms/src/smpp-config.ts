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
 * SMPP_SYSTEM_TYPE, SMPP_SOURCE_ADDR (sender of messages that name none, e.g. login codes),
 * SMPP_WINDOW (10), SMPP_ENQUIRE_LINK_MS (30000), SMPP_SEND_TIMEOUT_MS (15000),
 * SMPP_DELIVERY_RECEIPTS (true|false, default true).
 */
export function readSmppConfig(env: Record<string, string | undefined>): SmppConfig {
  const host = env.SMPP_HOST ?? '';
  if (!host) fail('SMPP_HOST', 'is required for the SMPP transport');
  const systemId = env.SMPP_SYSTEM_ID ?? '';
  if (!systemId || systemId.length > 15) fail('SMPP_SYSTEM_ID', 'is required, at most 15 characters');
  const password = env.SMPP_PASSWORD ?? '';
  if (password.length > 8) fail('SMPP_PASSWORD', 'at most 8 characters (SMPP 3.4)');
  const from = env.SMPP_SOURCE_ADDR ?? '';
  if (from && !/^\d{1,21}$/.test(from)) fail('SMPP_SOURCE_ADDR', 'must be digits (at most 21)');
  const receipts = env.SMPP_DELIVERY_RECEIPTS ?? 'true';
  if (receipts !== 'true' && receipts !== 'false') fail('SMPP_DELIVERY_RECEIPTS', 'must be true or false');
  return {
    host,
    port: int(env, 'SMPP_PORT', 2775, 1, 65535),
    systemId,
    password,
    systemType: env.SMPP_SYSTEM_TYPE ?? '',
    defaultFrom: from || undefined,
    window: int(env, 'SMPP_WINDOW', 10, 1, 1000),
    enquireLinkMs: int(env, 'SMPP_ENQUIRE_LINK_MS', 30_000, 1000, 600_000),
    registeredDelivery: receipts === 'true',
    sendTimeoutMs: int(env, 'SMPP_SEND_TIMEOUT_MS', 15_000, 100, 300_000),
  };
}
