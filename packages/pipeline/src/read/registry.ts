// Loads and validates the cell and subscriber registries, and registers them in
// DuckDB as lookup tables (cell id → cell index, number → subscriber index).
import { readFile } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  AppError,
  isCityCode,
  isIsoDate,
  isOperator,
  MSISDN_RE,
  type Operator,
  type SubscriberKind,
} from '@itinerary-card/domain';
import type { CellSite } from '@itinerary-card/stay-engine';
import type { InputDir } from './input-dir.ts';
import type { Quarantine } from './quarantine.ts';

export interface Subscriber {
  msisdn: string;
  operator: Operator;
  activatedAt: string;
  portedAt?: string;
  kind: SubscriberKind;
  primaryMsisdn?: string;
}

export interface Registries {
  /** City codes by city index. */
  cityCodes: string[];
  /** City index by city code. */
  cityIndex: Map<string, number>;
  cellCount: number;
  /** Cell ids by cell index. */
  cellIds: string[];
  /** Cell index by cell id. */
  cellIndex: Map<string, number>;
  /** Each cell's city and position, by cell index: for the stay engine's buildCellModel. */
  cellSites: CellSite[];
  /** Subscribers by subscriber index, in registry order. */
  subscribers: Subscriber[];
  indexOf: Map<string, number>;
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Registry rows per piece of JSON text handed over from DuckDB (a piece stays a few MB). */
const ROWS_PER_PIECE = 50_000;

/**
 * The rows of a registry CSV as DuckDB reads them (readCsvRows) where that is its
 * lines split on commas: printable ASCII without quotes or spaces, one line per
 * row, every row as wide as the header, the header's names each once and the
 * columns among them. Undefined for any other file (DuckDB reads it).
 */
export function simpleCsvRows(bytes: Uint8Array, columns: string[]): string[][] | undefined {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 10 && (b <= 0x20 || b > 0x7e || b === 0x22)) return undefined;
  }
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1').split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // the last line's end
  if (lines.length === 0) return undefined;
  const header = lines[0]!.toLowerCase().split(',');
  if (new Set(header).size !== header.length) return undefined;
  const at = columns.map((c) => header.indexOf(c));
  if (at.some((k) => k < 0)) return undefined;
  const rows: string[][] = new Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    // An empty line, or one DuckDB's sniffer may take for a comment: its own reading.
    if (line === '' || line[0] === '#') return undefined;
    const f = line.split(',');
    if (f.length !== header.length) return undefined;
    rows[i - 1] = at.map((k) => f[k]!);
  }
  return rows;
}

/**
 * The rows of a registry CSV, in file order, every field as text ('' for a
 * missing one). A simple file (simpleCsvRows) is split here, in a few ms;
 * DuckDB parses any other, and its rows come over as a few long JSON texts
 * rather than value by value: reading each value through the client API costs
 * about a microsecond, 0.2-0.3 s for the bench world's 258,000 values. The file
 * is copied into a table first because its row ids keep the file's order, which
 * decides which of two duplicate rows is kept.
 */
export async function readCsvRows(
  conn: DuckDBConnection,
  path: string,
  columns: string[],
  rowsPerPiece = ROWS_PER_PIECE,
): Promise<string[][]> {
  return (await registryRows(conn, path, columns, rowsPerPiece)).rows;
}

/**
 * readCsvRows, from the file's bytes when they have been read already (`bytes`), and
 * whether the rows are those bytes split here (false: DuckDB read the file at `path`).
 */
async function registryRows(
  conn: DuckDBConnection,
  path: string,
  columns: string[],
  rowsPerPiece = ROWS_PER_PIECE,
  bytes?: Uint8Array,
): Promise<{ rows: string[][]; fromBytes: boolean }> {
  const simple = simpleCsvRows(bytes ?? (await readFile(path)), columns);
  if (simple) return { rows: simple, fromBytes: true };
  return { rows: await duckdbCsvRows(conn, path, columns, rowsPerPiece), fromBytes: false };
}

/** readCsvRows by DuckDB, for any file. */
export async function duckdbCsvRows(
  conn: DuckDBConnection,
  path: string,
  columns: string[],
  rowsPerPiece = ROWS_PER_PIECE,
): Promise<string[][]> {
  const cols = columns.map((c) => `COALESCE(CAST(${c} AS VARCHAR), '')`).join(', ');
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE registry_rows AS SELECT [${cols}] AS f FROM read_csv(${sqlString(path)}, header = true, all_varchar = true, delim = ',', quote = '"', ignore_errors = true, null_padding = true)`,
  );
  try {
    const reader = await conn.runAndReadAll(
      `SELECT '[' || string_agg(to_json(f)::VARCHAR, ',' ORDER BY rowid) || ']' FROM registry_rows
       GROUP BY rowid // ${Math.max(1, Math.floor(rowsPerPiece))} ORDER BY rowid // ${Math.max(1, Math.floor(rowsPerPiece))}`,
    );
    const rows: string[][] = [];
    for (const [piece] of reader.getRows()) {
      for (const row of JSON.parse(piece as string) as string[][]) rows.push(row);
    }
    return rows;
  } finally {
    await conn.run('DROP TABLE IF EXISTS registry_rows');
  }
}

/**
 * A lookup table for the signaling scan (key → index): the registry's keys in index
 * order, handed to DuckDB as one text (one value over the client API, not one a key):
 * one a line, or as JSON where a key holds a line break (a quoted field).
 */
async function indexTable(conn: DuckDBConnection, name: string, key: string, keys: readonly string[]): Promise<void> {
  const lines = keys.length > 0 && !keys.some((k) => k.includes('\n'));
  await conn.run(
    `CREATE OR REPLACE TABLE ${name} AS SELECT unnest(l) AS ${key}, unnest(range(len(l)))::INTEGER AS idx
       FROM (SELECT ${lines ? 'string_split($1, chr(10))' : `from_json($1::JSON, '["VARCHAR"]')`} AS l)`,
    [lines ? keys.join('\n') : JSON.stringify(keys)],
  );
}

/**
 * Reads and checks both registries, and registers them in DuckDB as the signaling
 * scan's lookup tables (registerRegistryTables). Given a second connection, DuckDB
 * reads the subscribers on it while the cells are checked and modelled here.
 */
export async function loadRegistries(
  conn: DuckDBConnection,
  input: InputDir,
  q: Quarantine,
  conn2?: DuckDBConnection,
): Promise<Registries> {
  const registries = await readRegistries(conn, input, q, conn2);
  await registerRegistryTables(conn, registries);
  return registries;
}

/** The registry files' bytes, read once by a caller that also hashes them (registry-cache.ts). */
export interface RegistryBytes {
  cells: Uint8Array;
  subscribers: Uint8Array;
}

/**
 * Reads and checks both registries (loadRegistries without DuckDB's lookup tables). With
 * `bytes`, a simple file (simpleCsvRows) is split from them rather than read again; `read`
 * tells whether both were (false: DuckDB read one from its path).
 */
export async function readRegistries(
  conn: DuckDBConnection,
  input: InputDir,
  q: Quarantine,
  conn2?: DuckDBConnection,
  bytes?: RegistryBytes,
  read?: { fromBytes: boolean },
): Promise<Registries> {
  const subColumns = ['msisdn', 'operator', 'activated_at', 'ported_at', 'kind', 'primary_msisdn'];
  const subsRead = conn2
    ? registryRows(conn2, input.subscribersPath, subColumns, ROWS_PER_PIECE, bytes?.subscribers)
    : undefined;
  // A failure of the early read is reported where it is awaited, not as an unhandled rejection.
  subsRead?.catch(() => undefined);
  // Cells. Should their read fail, the subscribers' is let finish first: the caller then closes its connection.
  const cellColumns = ['cell_id', 'operator', 'lat', 'lon', 'region_code'];
  const cellRead = await registryRows(conn, input.cellsPath, cellColumns, ROWS_PER_PIECE, bytes?.cells).catch(
    async (e: unknown) => {
      await subsRead?.catch(() => undefined);
      throw e;
    },
  );
  const cellRows = cellRead.rows;
  const cityIndex = new Map<string, number>();
  const cityCodes: string[] = [];
  const sites: CellSite[] = [];
  const cellIds: string[] = [];
  const cellIndex = new Map<string, number>();
  const rejectedCells: number[] = [];
  for (let r = 0; r < cellRows.length; r++) {
    const [id, op, lat, lon, region] = cellRows[r]!;
    const la = Number(lat);
    const lo = Number(lon);
    let problem = '';
    if (!id) problem = 'empty cell_id';
    else if (cellIndex.has(id!)) problem = 'duplicate cell_id';
    else if (!isOperator(op!)) problem = 'unknown operator';
    else if (!(lat !== '' && Number.isFinite(la) && la >= -90 && la <= 90)) problem = 'bad lat';
    else if (!(lon !== '' && Number.isFinite(lo) && lo >= -180 && lo <= 180)) problem = 'bad lon';
    else if (!isCityCode(region!)) problem = 'region_code is not a GB/T 2260 city';
    if (problem) {
      q.add('bad_cell_row', { file: input.cellsPath, text: `${problem}: ${[id, op, lat, lon, region].join(',')}` });
      rejectedCells.push(r);
      continue;
    }
    cellIndex.set(id!, cellIds.length);
    let city = cityIndex.get(region!);
    if (city === undefined) {
      city = cityCodes.length;
      cityIndex.set(region!, city);
      cityCodes.push(region!);
    }
    sites.push({ city, lat: la, lon: lo });
    cellIds.push(id!);
  }

  // A registry with no usable row would answer no_data (or nothing) for everyone: the input is unusable.
  if (!cellIds.length) {
    await subsRead?.catch(() => undefined);
    throw new AppError('INPUT_UNUSABLE', {
      file: input.cellsPath,
      reason: `cells.csv has no usable cell (${cellRows.length} row(s), ${rejectedCells.length} rejected)`,
    });
  }

  // Subscribers
  const subRead = await (subsRead ??
    registryRows(conn, input.subscribersPath, subColumns, ROWS_PER_PIECE, bytes?.subscribers));
  const subRows = subRead.rows;
  if (read) read.fromBytes = cellRead.fromBytes && subRead.fromBytes;
  const subscribers: Subscriber[] = [];
  const indexOf = new Map<string, number>();
  const rejectedSubs: number[] = [];
  for (let r = 0; r < subRows.length; r++) {
    const [msisdn, op, activated, ported, kind, primary] = subRows[r]!;
    let problem = '';
    if (!MSISDN_RE.test(msisdn!)) problem = 'bad msisdn';
    else if (indexOf.has(msisdn!)) problem = 'duplicate msisdn';
    else if (!isOperator(op!)) problem = 'unknown operator';
    else if (!isIsoDate(activated!)) problem = 'bad activated_at';
    else if (ported && !isIsoDate(ported)) problem = 'bad ported_at';
    else if (kind !== 'normal' && kind !== 'mvno' && kind !== 'secondary') problem = 'unknown kind';
    else if (kind === 'secondary' && (!MSISDN_RE.test(primary!) || primary === msisdn)) problem = 'bad primary_msisdn';
    if (problem) {
      q.add('bad_subscriber_row', {
        file: input.subscribersPath,
        text: `${problem}: ${[msisdn, op, activated, ported, kind, primary].join(',')}`,
      });
      rejectedSubs.push(r);
      continue;
    }
    const s: Subscriber = {
      msisdn: msisdn!,
      operator: op as Operator,
      activatedAt: activated!,
      kind: kind as SubscriberKind,
    };
    if (ported) s.portedAt = ported;
    if (kind === 'secondary') s.primaryMsisdn = primary!;
    indexOf.set(s.msisdn, subscribers.length);
    subscribers.push(s);
  }

  if (!subscribers.length) {
    throw new AppError('INPUT_UNUSABLE', {
      file: input.subscribersPath,
      reason: `subscribers.csv has no usable subscriber (${subRows.length} row(s), ${rejectedSubs.length} rejected)`,
    });
  }

  return {
    cityCodes,
    cityIndex,
    cellCount: cellIds.length,
    cellIds,
    cellIndex,
    cellSites: sites,
    subscribers,
    indexOf,
  };
}

/**
 * The registries as DuckDB's lookup tables for the signaling scan's joins (scanSql):
 * cells_idx (cell_id → cell index) and subs_idx (msisdn → subscriber index).
 */
export async function registerRegistryTables(conn: DuckDBConnection, registries: Registries): Promise<void> {
  await indexTable(conn, 'cells_idx', 'cell_id', registries.cellIds);
  await indexTable(
    conn,
    'subs_idx',
    'msisdn',
    registries.subscribers.map((s) => s.msisdn),
  );
}
