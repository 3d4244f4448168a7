// The SMPP_* variables as a schema, read into SmppTransportOptions once at
// start-up; a bad value stops start-up with CONFIG_INVALID naming the variable.
import { Env, type EnvSource, readEnv } from '@itinerary-card/ops';
import { Type } from 'typebox';
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

/** The SMPP_* variables (docs/deployment.md, "SMS over SMPP"). */
export const SMPP_ENV = Type.Object({
  SMPP_HOST: Env.string({ description: 'The SMSC host.' }),
  SMPP_PORT: Env.port(2775, { description: 'The SMSC port.' }),
  SMPP_SYSTEM_ID: Env.string({ description: 'The SMPP account (system_id).', minLength: 1, maxLength: 15 }),
  SMPP_PASSWORD: Env.string({ description: 'Its password (SMPP 3.4).', default: '', maxLength: 8 }),
  SMPP_SYSTEM_TYPE: Env.string({ description: 'system_type of the bind.', default: '' }),
  SMPP_WINDOW: Env.int({
    description: 'submit_sm sent and not yet answered, per bind.',
    minimum: 1,
    maximum: 1000,
    default: 10,
  }),
  SMPP_TPS: Env.int({
    description: 'submit_sm per second per bind, 0 = unpaced.',
    minimum: 0,
    maximum: 100_000,
    default: 0,
  }),
  SMPP_ENQUIRE_LINK_MS: Env.int({
    description: 'Keep-alive period.',
    minimum: 1000,
    maximum: 600_000,
    default: 30_000,
  }),
  SMPP_RESPONSE_TIMEOUT_MS: Env.int({
    description: 'Probe the link after this long without a submit_sm_resp.',
    minimum: 100,
    maximum: 120_000,
    default: 10_000,
  }),
  SMPP_SEND_TIMEOUT_MS: Env.int({
    description: 'A message none of whose parts was accepted by then fails (SMS_SEND_FAILED).',
    minimum: 100,
    maximum: 300_000,
    default: 15_000,
  }),
  SMPP_DELIVERY_RECEIPTS: Env.bool(true, { description: 'Ask for a receipt for every part.' }),
  SMPP_SOURCE_TON: Env.int({
    description: 'TON of the sender (3: network specific).',
    minimum: 0,
    maximum: 6,
    default: 3,
  }),
  SMPP_SOURCE_NPI: Env.int({ description: 'NPI of the sender.', minimum: 0, maximum: 18, default: 0 }),
  SMPP_DEST_TON: Env.int({ description: 'TON of a handset (1: international).', minimum: 0, maximum: 6, default: 1 }),
  SMPP_DEST_NPI: Env.int({ description: 'NPI of a handset (1: E.164).', minimum: 0, maximum: 18, default: 1 }),
  SMPP_COUNTRY_CODE: Env.string({
    description: 'Put before an 11-digit number when SMPP_DEST_TON is 1; empty sends national numbers.',
    default: '86',
    keepEmpty: true,
    pattern: '^\\d{0,3}$',
    why: 'must be 1 to 3 digits (or empty)',
  }),
  // Last, so that a malformed number elsewhere is named first.
  SMPP_SOURCE_ADDR: Env.string({
    description: 'Sender of messages that name none (login codes): digits; many SMSCs reject an empty source.',
    pattern: '^\\d{1,21}$',
    why: 'must be digits (at most 21)',
  }),
});

/**
 * SMPP_* → the transport's options, once at start-up; the apps' config
 * modules call it with their environment (nothing here reads process.env).
 */
export function readSmppConfig(env: EnvSource): SmppConfig {
  const v = readEnv(SMPP_ENV, env);
  return {
    host: v.SMPP_HOST,
    port: v.SMPP_PORT,
    systemId: v.SMPP_SYSTEM_ID,
    password: v.SMPP_PASSWORD,
    systemType: v.SMPP_SYSTEM_TYPE,
    defaultFrom: v.SMPP_SOURCE_ADDR,
    window: v.SMPP_WINDOW,
    tps: v.SMPP_TPS || undefined,
    enquireLinkMs: v.SMPP_ENQUIRE_LINK_MS,
    responseTimeoutMs: v.SMPP_RESPONSE_TIMEOUT_MS,
    registeredDelivery: v.SMPP_DELIVERY_RECEIPTS,
    sendTimeoutMs: v.SMPP_SEND_TIMEOUT_MS,
    sourceTon: v.SMPP_SOURCE_TON,
    sourceNpi: v.SMPP_SOURCE_NPI,
    destTon: v.SMPP_DEST_TON,
    destNpi: v.SMPP_DEST_NPI,
    countryCode: v.SMPP_COUNTRY_CODE,
  };
}
