// SMS metrics for Prometheus, read from the transport when /metrics is scraped:
// delivery receipts by state (any transport), and the SMPP link (bind state,
// connect failures and refused binds, submit_sm answers by status, overdue and
// late answers, throttling, queue and window). Types are structural: this
// package does not import the SMS package.
import type { Registry } from 'prom-client';
import { registerComputed } from './request-metrics.ts';

/** What an SMPP transport reports (packages/sms `SmppTransport.stats()` fits). */
export interface SmsLinkStats {
  bound: boolean;
  linkDown: boolean;
  connectFailures: number;
  bindsRefused: number;
  submitted: number;
  submitStatus: Record<number, number>;
  responseTimeouts: number;
  lateResponses: number;
  failed: number;
  failedUnbound: number;
  throttled: number;
  retried: number;
  reconnects: number;
  inbound: number;
  queued: number;
  inFlight: number;
}

export interface SmsMetricsSource {
  /** Delivery receipts recorded so far by state (DELIVRD, UNDELIV, …): packages/sms `ReceiptLog`. */
  receipts?: { counts(): Record<string, number> };
  /** The SMPP link, when the transport is SMPP. */
  link?: { stats(): SmsLinkStats };
}

const COUNTERS: Array<[keyof SmsLinkStats, string, string]> = [
  ['connectFailures', 'smpp_connect_failures_total', 'SMPP connections that ended before a bind'],
  ['bindsRefused', 'smpp_binds_refused_total', 'bind_transceiver answered with an error status'],
  ['reconnects', 'smpp_reconnects_total', 'SMPP reconnect attempts'],
  ['submitted', 'smpp_submit_sm_total', 'submit_sm PDUs sent (each part, each attempt)'],
  ['responseTimeouts', 'smpp_response_timeouts_total', 'submit_sm whose answer was overdue (the link was probed)'],
  ['lateResponses', 'smpp_late_responses_total', 'overdue submit_sm answers taken when they came'],
  ['throttled', 'smpp_throttled_total', 'submit_sm answered ESME_RTHROTTLED or ESME_RMSGQFUL'],
  ['retried', 'smpp_retried_total', 'submit_sm sent again after throttling'],
  ['failed', 'smpp_sends_failed_total', 'messages that could not be sent (SMS_SEND_FAILED)'],
  ['failedUnbound', 'smpp_sends_failed_unbound_total', 'messages refused at once because the link was down'],
  ['inbound', 'smpp_inbound_total', 'mobile-originated messages received (deliver_sm)'],
];

/** Registers the SMS metrics on `registry`; values are read at scrape time only. */
export function installSmsMetrics(registry: Registry, source: SmsMetricsSource): void {
  const { receipts, link } = source;
  if (receipts) {
    registerComputed(
      registry,
      'sms_delivery_receipts_total',
      'Delivery receipts by final or interim state',
      'counter',
      () => Object.entries(receipts.counts()).map(([status, value]) => ({ value, labels: { status } })),
    );
  }
  if (!link) return;
  registerComputed(registry, 'smpp_bound', '1 while bound to the SMSC', 'gauge', () => [
    { value: link.stats().bound ? 1 : 0, labels: {} },
  ]);
  registerComputed(registry, 'smpp_link_down', '1 while connects or binds fail (sends fail at once)', 'gauge', () => [
    { value: link.stats().linkDown ? 1 : 0, labels: {} },
  ]);
  registerComputed(registry, 'smpp_queued', 'submit_sm parts waiting to be sent', 'gauge', () => [
    { value: link.stats().queued, labels: {} },
  ]);
  registerComputed(registry, 'smpp_in_flight', 'submit_sm sent and not answered yet (the window)', 'gauge', () => [
    { value: link.stats().inFlight, labels: {} },
  ]);
  registerComputed(registry, 'smpp_submit_sm_resp_total', 'submit_sm answers by command_status', 'counter', () =>
    Object.entries(link.stats().submitStatus).map(([status, value]) => ({
      value,
      labels: { status: `0x${Number(status).toString(16).padStart(8, '0')}` },
    })),
  );
  for (const [key, name, help] of COUNTERS) {
    registerComputed(registry, name, help, 'counter', () => [{ value: Number(link.stats()[key]), labels: {} }]);
  }
}
