// The operations page's delivery rate: delivery receipts by state, read from the
// platform's /metrics registry (sms_delivery_receipts_total, packages/ops), and
// the share of messages in a final state that reached the handset.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** States a receipt can still move on from: not counted in the rate. */
const INTERIM = new Set(['ENROUTE', 'ACCEPTD']);

export interface SmsDelivery {
  /** Receipts by state (DELIVRD, UNDELIV, EXPIRED, …). */
  receipts: Record<string, number>;
  /** Receipts in a final state, and how many of them say DELIVRD. */
  final: number;
  delivered: number;
  /** delivered / final; null before any final receipt. */
  rate: number | null;
}

export async function smsDelivery(registry: Registry): Promise<SmsDelivery> {
  const all = await registry.getMetricsAsJSON();
  const m = all.find((x) => x.name === 'sms_delivery_receipts_total');
  const receipts: Record<string, number> = {};
  for (const v of (m?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>) {
    const status = String(v.labels.status);
    receipts[status] = (receipts[status] ?? 0) + v.value;
  }
  let final = 0;
  for (const [status, n] of Object.entries(receipts)) if (!INTERIM.has(status)) final += n;
  const delivered = receipts.DELIVRD ?? 0;
  return { receipts, final, delivered, rate: final > 0 ? delivered / final : null };
}

/** GET /ops/api/sms on a scope that already requires the admin token. */
export function smsDeliveryRoute(scope: FastifyInstance, registry: Registry): void {
  scope.get('/ops/api/sms', { schema: { hide: true } }, async () => smsDelivery(registry));
}
