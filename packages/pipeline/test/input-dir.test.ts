import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectInput, sampleCsv } from '../src/read/input-dir.ts';
import { makeInput } from './fixture-input.ts';

const dir = mkdtempSync(join(tmpdir(), 'ic-sample-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Signaling-like lines of varying length (numbers, times, cells, events). */
function lines(n: number): string[] {
  const events = ['attach', 'tau', 'handover', 'call', 'sms', 'data-session-start'];
  return Array.from(
    { length: n },
    (_, i) =>
      `1380000${String(i % 10000).padStart(4, '0')},2022-09-0${1 + (i % 7)}T${String(i % 24).padStart(2, '0')}:00:00+08:00,46000-${(i * 7919) % 100000},,${events[i % events.length]}`,
  );
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, name.endsWith('.gz') ? gzipSync(text) : text);
  return path;
}

describe('sampleCsv', () => {
  it('reads the header (without a byte-order mark or CR) and counts the lines of a small file exactly', async () => {
    const body = lines(40);
    expect(await sampleCsv(write('a.csv', `\uFEFFmsisdn,ts,cell_id,plmn,event\r\n${body.join('\r\n')}\r\n`))).toEqual({
      header: 'msisdn,ts,cell_id,plmn,event',
      rows: 40,
    });
    // No line end after the last line; gzip.
    expect(await sampleCsv(write('b.csv.gz', `msisdn,ts\n${body.join('\n')}`))).toEqual({
      header: 'msisdn,ts',
      rows: 40,
    });
    expect(await sampleCsv(write('c.csv', 'msisdn,ts\n'))).toEqual({ header: 'msisdn,ts', rows: 0 });
  });

  it('estimates the lines of a large file, plain or gzip, from its first part', async () => {
    const body = lines(200_000);
    const text = `msisdn,ts,cell_id,plmn,event\n${body.join('\n')}\n`;
    for (const name of ['big.csv', 'big.csv.gz']) {
      const { rows } = await sampleCsv(write(name, text));
      expect(Math.abs(rows - 200_000) / 200_000).toBeLessThan(0.05);
    }
  });
});

describe('the registries’ headers', () => {
  /** An input directory whose subscribers.csv starts with `header`. */
  function inputWith(header: string): string {
    const input = makeInput([{ msisdn: '13800000001' }], { 'a.csv': [] });
    writeFileSync(join(input, 'subscribers.csv'), `${header}\n13800000001,cmcc,2020-01-01,,normal,\n`);
    inputs.push(input);
    return input;
  }
  const inputs: string[] = [];
  afterAll(() => {
    for (const d of inputs) rmSync(d, { recursive: true, force: true });
  });

  it('are read as CSV, as DuckDB reads them: quoted names, a comma inside a quoted name', async () => {
    await expect(
      inspectInput(inputWith('"msisdn","operator","activated_at",ported_at,kind,"primary_msisdn"')),
    ).resolves.toMatchObject({ signaling: [{ format: 'csv' }] });
    // One column named "operator,activated_at": operator and activated_at are missing.
    await expect(
      inspectInput(inputWith('msisdn,"operator,activated_at",ported_at,kind,primary_msisdn')),
    ).rejects.toMatchObject({
      code: 'INPUT_UNUSABLE',
      details: { reason: 'subscribers.csv lacks the column(s) operator, activated_at in its header' },
    });
    await expect(
      inspectInput(inputWith('msisdn,"operator,activated_at,ported_at,kind,primary_msisdn')),
    ).rejects.toMatchObject({
      code: 'INPUT_UNUSABLE',
      details: { reason: expect.stringContaining('subscribers.csv has a header that is not CSV') },
    });
  });
});
