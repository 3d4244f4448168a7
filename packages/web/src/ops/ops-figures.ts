// The figures the operations page charts, apart from the page so they are unit-tested:
// precision/recall/F1, an axis range that shows differences, and failure shares.
/** Precision, recall and F1 in % (1 decimal); 100 when there was nothing to find or to list. */
export function prf(tp: number, fp: number, fn: number): [number, number, number] {
  const p = tp + fp === 0 ? 1 : tp / (tp + fp);
  const r = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f = p + r === 0 ? 0 : (2 * p * r) / (p + r);
  return [p, r, f].map((v) => Math.round(v * 1000) / 10) as [number, number, number];
}

/** An axis range that shows the differences: from a little under the lowest value, in steps of 1, 5 or 10. */
export function axisMin(values: number[]): number {
  const low = Math.min(...values, 100);
  const step = low > 98 ? 0.5 : low > 90 ? 1 : low > 50 ? 5 : 10;
  return Math.max(0, Math.floor((low - step) / step) * step);
}

/** Shares of server failures (5xx) and of user outcomes (4xx) in % of a sample's requests. */
export function shares(routes: Record<string, { total: number; client: number; server: number }>): {
  server: number;
  user: number;
} {
  const all = Object.values(routes);
  const n = all.reduce((x, r) => x + r.total, 0);
  const pct = (k: 'server' | 'client') => (n ? +((all.reduce((x, r) => x + r[k], 0) / n) * 100).toFixed(1) : 0);
  return { server: pct('server'), user: pct('client') };
}
