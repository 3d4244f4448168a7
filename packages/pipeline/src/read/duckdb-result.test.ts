import { DuckDBInstance, type DuckDBResult } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindingsResult } from './duckdb-result.ts';

let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
});
afterAll(() => instance?.closeSync());

describe("the bindings' Result behind a node-api result (the pinned versions)", () => {
  it('is found on a streamed result and reads its chunks through the bindings', async () => {
    const conn = await instance.connect();
    const result = await conn.stream('SELECT i, i * 2 AS twice FROM range(3000) t(i)');
    const raw = bindingsResult(result);
    let rows = 0;
    let sum = 0n;
    for (;;) {
      const chunk = await duckdb.fetch_chunk(raw);
      const n = chunk ? duckdb.data_chunk_get_size(chunk) : 0;
      if (!chunk || n === 0) break;
      const data = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk, 1), n * 8);
      const twice = new BigInt64Array(data.buffer, data.byteOffset, n);
      for (const v of twice) sum += v;
      rows += n;
    }
    expect(rows).toBe(3000);
    expect(sum).toBe(2n * ((2999n * 3000n) / 2n));
    conn.closeSync();
  });

  it('says which field and which versions when the result does not carry it', async () => {
    const conn = await instance.connect();
    const result = await conn.stream('SELECT 1');
    const moved = { columnCount: result.columnCount, result: {} } as unknown as DuckDBResult;
    expect(() => bindingsResult(moved)).toThrowError(/DuckDBResult\.result.*pin both packages/);
    const missing = { columnCount: 1 } as unknown as DuckDBResult;
    expect(() => bindingsResult(missing)).toThrowError(/DuckDBResult\.result/);
    conn.closeSync();
  });
});
