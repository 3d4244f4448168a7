import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Quarantine, REJECT_REASONS, type RejectReason, type RejectSample } from '../src/read/quarantine.ts';

const sample = fc.record({
  reason: fc.constantFrom<RejectReason>('bad_timestamp', 'unknown_cell', 'malformed_line'),
  text: fc.string({ maxLength: 6 }),
  file: fc.option(fc.constantFrom('a.csv', 'b.csv'), { nil: undefined }),
  line: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
});

function fill(samples: RejectSample[], keep: number): Quarantine {
  const q = new Quarantine(keep);
  for (const { reason, ...s } of samples) q.add(reason, s);
  return q;
}

describe('the quarantine', () => {
  it('keeps the same samples whatever order the rejects arrive in, and split runs merge to the same', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), fc.nat(), (all, keep, cut) => {
        const q = fill(all, keep);
        const shuffled = [...all].sort((a, b) => (a.text + a.line < b.text + b.line ? 1 : -1));
        expect(fill(shuffled, keep).samples).toEqual(q.samples);
        const at = all.length ? cut % all.length : 0;
        const merged = fill(all.slice(at), keep);
        merged.merge(fill(all.slice(0, at), keep));
        expect(merged.samples).toEqual(q.samples);
        expect(merged.toJSON()).toEqual(q.toJSON());
        // At most `keep` per reason, counted in full.
        for (const r of REJECT_REASONS) {
          const n = all.filter((s) => s.reason === r).length;
          expect(q.samples.filter((s) => s.reason === r)).toHaveLength(Math.min(n, keep));
          expect(q.counts.get(r) ?? 0).toBe(n);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the first by file and line, then by text, and lists reasons in their fixed order', () => {
    const q = new Quarantine(2);
    q.add('unknown_cell', { text: 'zeta' });
    q.add('malformed_line', { file: 'b.csv', line: 1, text: 'x' });
    q.add('unknown_cell', { text: 'alpha' });
    q.add('malformed_line', { file: 'a.csv', line: 9, text: 'y' });
    q.add('unknown_cell', { text: 'beta' });
    q.add('malformed_line', { file: 'a.csv', line: 3, text: 'z' });
    q.add('unknown_cell');
    expect(q.samples.map((s) => `${s.reason} ${s.file ?? ''}:${s.line ?? ''} ${s.text}`)).toEqual([
      'malformed_line a.csv:3 z',
      'malformed_line a.csv:9 y',
      'unknown_cell : alpha',
      'unknown_cell : beta',
    ]);
    expect(q.toJSON()).toEqual({ malformed_line: 3, unknown_cell: 4 });
  });
});
