// Lines read back as written, whatever the file's compression and line ends.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { forEachLine, Sink } from './csv-lines.ts';

const dir = mkdtempSync(join(tmpdir(), 'csv-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function lines(file: string): Promise<{ lines: string[]; chunks: number }> {
  const out: string[] = [];
  let chunks = 0;
  await forEachLine(
    file,
    (l) => out.push(l),
    async () => {
      chunks++;
    },
  );
  return { lines: out, chunks };
}

describe('forEachLine', () => {
  it('gives each line of a plain or gzipped file, CR dropped, a last line without LF kept', async () => {
    const text = 'msisdn,ts\r\n13800000001,1\n\n13800000002,2';
    writeFileSync(join(dir, 'a.csv'), text);
    writeFileSync(join(dir, 'a.csv.gz'), gzipSync(text));
    for (const name of ['a.csv', 'a.csv.gz']) {
      const r = await lines(join(dir, name));
      expect(r.lines).toEqual(['msisdn,ts', '13800000001,1', '', '13800000002,2']);
      expect(r.chunks).toBe(1);
    }
  });

  it('joins a line split across blocks', async () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => `1380000${String(i).padStart(4, '0')},${i}`);
    writeFileSync(join(dir, 'big.csv'), `${rows.join('\n')}\n`);
    const r = await lines(join(dir, 'big.csv'));
    expect(r.chunks).toBeGreaterThan(1);
    expect(r.lines).toEqual(rows);
  });
});

describe('Sink', () => {
  it('writes the header and the lines, gzipped when asked', async () => {
    for (const gzip of [false, true]) {
      const path = join(dir, `out-${gzip}.csv`);
      const s = new Sink(path, 'msisdn,ts', gzip);
      s.push('13800000001,1');
      await s.flushIfFull();
      s.push('13800000002,2');
      await s.end();
      const bytes = readFileSync(path);
      expect((gzip ? gunzipSync(bytes) : bytes).toString()).toBe('msisdn,ts\n13800000001,1\n13800000002,2\n');
    }
  });
});
