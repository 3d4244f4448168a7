// The one place that reads a private field of @duckdb/node-api: the
// @duckdb/node-bindings Result behind a DuckDBResult, which the scan reads chunk
// by chunk (and the native engine reads through DuckDB's C API) without
// node-api's per-chunk wrappers. Both packages are pinned to one exact version;
// an upgrade that moves the field fails here, by name, and in this module's test.
import type { DuckDBResult } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';

/** The bindings' Result of `result`, checked to be one (its column count is the result's). */
export function bindingsResult(result: DuckDBResult): duckdb.Result {
  const raw = (result as unknown as { result?: unknown }).result;
  try {
    if (raw && duckdb.column_count(raw as duckdb.Result) === result.columnCount) return raw as duckdb.Result;
  } catch {
    // Not a bindings Result: said below.
  }
  throw new Error(
    '@duckdb/node-api keeps its @duckdb/node-bindings Result elsewhere than this pipeline reads it ' +
      '(DuckDBResult.result): pin both packages to the version packages/pipeline/package.json names',
  );
}
