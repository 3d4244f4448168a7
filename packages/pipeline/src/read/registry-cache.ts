// The registries of the last run kept for the next one in the same process (an
// operator node's long-lived process, a benchmark), found by the SHA-256 of the
// registry files' bytes: reading and checking the bench world's 47,000 registry
// rows costs 0.1-0.2 s of CPU on every run, hashing their 1.5 MB about 3 ms.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { buildCellModel, type CellModel } from '@itinerary-card/stay-engine';
import type { InputDir } from './input-dir.ts';
import { Quarantine, type RejectSample } from './quarantine.ts';
import { type Registries, readRegistries } from './registry.ts';

/**
 * Registry files larger than this together are read afresh on every run: what is kept
 * stays in memory between runs, and a registry of millions of numbers is not held for
 * the next one.
 */
const REGISTRY_CACHE_MAX_BYTES = 64 * 2 ** 20;

interface Kept {
  key: string;
  registries: Registries;
  /** The registries' rejected rows, added to each run's quarantine as its own read would. */
  rejects: RejectSample[];
}

let kept: Kept | undefined;

/** The key of a read: both files' paths (reject samples name them) and bytes. */
function keyOf(input: InputDir, cells: Uint8Array, subscribers: Uint8Array): string {
  const h = createHash('sha256');
  for (const [path, bytes] of [
    [input.cellsPath, cells],
    [input.subscribersPath, subscribers],
  ] as const) {
    h.update(`${Buffer.byteLength(path)}:${path}:${bytes.length}:`);
    h.update(bytes);
  }
  return h.digest('hex');
}

/**
 * readRegistries, or the registries of the last call whose files held the same bytes
 * (their rejects added to `q` again). Only registries read from the bytes hashed are kept
 * (not those DuckDB read from the path, which may have changed since). The registries
 * returned may be another run's: they must not be changed.
 */
export async function cachedRegistries(
  conn: DuckDBConnection,
  input: InputDir,
  q: Quarantine,
  conn2?: DuckDBConnection,
): Promise<Registries> {
  const [cells, subscribers] = await Promise.all([readFile(input.cellsPath), readFile(input.subscribersPath)]);
  const key =
    cells.length + subscribers.length <= REGISTRY_CACHE_MAX_BYTES ? keyOf(input, cells, subscribers) : undefined;
  if (key !== undefined && kept?.key === key) {
    for (const r of kept.rejects) q.add(r.reason, r);
    return kept.registries;
  }
  kept = undefined; // the old registries are let go before the new ones are read
  const found = new Quarantine(Number.POSITIVE_INFINITY);
  const read = { fromBytes: false };
  const registries = await readRegistries(conn, input, found, conn2, { cells, subscribers }, read);
  for (const r of found.samples) q.add(r.reason, r);
  if (key !== undefined && read.fromBytes) kept = { key, registries, rejects: found.samples };
  return registries;
}

/** Values made from a registries object, kept with it (and let go with it). */
const derived = new WeakMap<Registries, { model?: CellModel; keys?: { subscribers: string[]; cells: string[] } }>();

function derivedOf(r: Registries) {
  let d = derived.get(r);
  if (!d) {
    d = {};
    derived.set(r, d);
  }
  return d;
}

/**
 * The stays' cell model of the registries, made once per registries object: about 0.1 s of
 * CPU for the bench world's 27,600 cells, which a run whose registries are the last run's
 * does not pay again.
 */
export function cellModelOf(r: Registries): CellModel {
  const d = derivedOf(r);
  d.model ??= buildCellModel(r.cellSites, r.cityCodes.length);
  return d.model;
}

/** The registries' keys by index (numbers, cell ids), as the native readers take them, made once per registries object. */
export function scanKeysOf(r: Registries): { subscribers: readonly string[]; cells: readonly string[] } {
  const d = derivedOf(r);
  d.keys ??= { subscribers: r.subscribers.map((s) => s.msisdn), cells: r.cellIds };
  return d.keys;
}

/** Forgets the registries kept (tests). */
export function forgetCachedRegistries(): void {
  kept = undefined;
}
