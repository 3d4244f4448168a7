import { simulate } from '@itinerary-card/simulator';

const t0 = performance.now();
const r = await simulate({
  out: '/tmp/w3',
  subscribers: Number(process.argv[2] ?? 300),
  days: 8,
  endDate: '2022-09-07',
  seed: 1,
  format: (process.argv[3] as 'csv') ?? 'csv.gz',
});
console.log(r.stats.generateMs, r.stats.writeMs, r.stats.elapsedMs, r.stats.records);
