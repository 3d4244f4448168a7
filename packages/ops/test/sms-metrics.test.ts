import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { installSmsMetrics, type SmsLinkStats } from '../src/index.ts';

const stats: SmsLinkStats = {
  bound: false,
  linkDown: true,
  connectFailures: 6,
  bindsRefused: 6,
  submitted: 3,
  submitStatus: { 0: 2, 88: 1 },
  responseTimeouts: 1,
  lateResponses: 1,
  failed: 4,
  failedUnbound: 3,
  throttled: 1,
  retried: 1,
  reconnects: 6,
  inbound: 0,
  queued: 0,
  inFlight: 0,
};

describe('SMS metrics', () => {
  it('exports receipts by state and the SMPP link as read at scrape time', async () => {
    const registry = new Registry();
    const counts: Record<string, number> = { DELIVRD: 9 };
    installSmsMetrics(registry, { receipts: { counts: () => counts }, link: { stats: () => stats } });
    counts.UNDELIV = 1;
    const text = await registry.metrics();
    expect(text).toContain('sms_delivery_receipts_total{status="DELIVRD"} 9');
    expect(text).toContain('sms_delivery_receipts_total{status="UNDELIV"} 1');
    expect(text).toContain('# TYPE smpp_bound gauge');
    expect(text).toContain('smpp_bound 0');
    expect(text).toContain('smpp_link_down 1');
    expect(text).toContain('smpp_binds_refused_total 6');
    expect(text).toContain('smpp_submit_sm_resp_total{status="0x00000000"} 2');
    expect(text).toContain('smpp_submit_sm_resp_total{status="0x00000058"} 1');
    expect(text).toContain('smpp_sends_failed_unbound_total 3');
  });
});
