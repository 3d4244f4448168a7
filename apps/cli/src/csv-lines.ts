// Signaling CSV files line by line in large chunks, both ways: each line of a
// file (gzipped or not) read in 1 MiB blocks, and a sink that writes lines in
// 1 MiB blocks (per-line reads and writes cost more than the splits that use
// them: the demo's by operator and day, the topology's by shard).
import { createReadStream, createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';

/**
 * Calls `onLine` with each line of `file` (a `.gz` one decompressed; a CR
 * before the LF dropped; a last line without LF included), and awaits
 * `afterChunk` after the lines of each block (to flush sinks).
 */
export async function forEachLine(
  file: string,
  onLine: (line: string) => void,
  afterChunk: () => Promise<void>,
): Promise<void> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const input = /\.gz$/i.test(file) ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  let rest = '';
  for await (const chunk of input) {
    const text = rest + (chunk as Buffer).toString('utf8');
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      onLine(text.charCodeAt(nl - 1) === 13 ? text.slice(from, nl - 1) : text.slice(from, nl));
      from = nl + 1;
    }
    rest = text.slice(from);
    await afterChunk();
  }
  if (rest) onLine(rest);
}

/** A CSV file written in large chunks, gzipped (level 1) or not. */
export class Sink {
  private parts: string[] = [];
  private size = 0;
  private readonly out: Writable;
  private readonly done: Promise<void>;

  constructor(path: string, header: string, gzip: boolean) {
    const file = createWriteStream(path);
    const gz = gzip ? createGzip({ level: 1 }) : undefined;
    gz?.pipe(file);
    this.out = gz ?? file;
    this.done = new Promise((resolveDone, reject) => {
      file.once('finish', () => resolveDone());
      file.once('error', reject);
    });
    this.push(header);
  }

  push(line: string): void {
    this.parts.push(line);
    this.size += line.length + 1;
  }

  async flushIfFull(): Promise<void> {
    if (this.size >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.parts.length) return;
    const text = `${this.parts.join('\n')}\n`;
    this.parts = [];
    this.size = 0;
    if (!this.out.write(text)) await new Promise((r) => this.out.once('drain', r));
  }

  async end(): Promise<void> {
    await this.flush();
    this.out.end();
    await this.done;
  }
}
