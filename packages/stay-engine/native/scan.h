// A scan's result read through DuckDB's C API, off the JavaScript thread: the
// pipeline's scan (scanSql: the records checked, their chunks kept where DuckDB
// made them) or its raw scan (rawScanSql: the records' own columns, each
// record's subscriber, cell and reason decided here, into the scan's own copy).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "duckdb-api.h"
#include "key-table.h"
#include "reject-samples.h"
#include "shard.h"

namespace stay {

/**
 * The chunks of a scan's result (sub INTEGER, t DOUBLE, code INTEGER, ev INTEGER,
 * extra VARCHAR: pipeline's scanSql), fetched and kept as DuckDB made them. Owned
 * by a JavaScript external; let go (destroyChunks) by the run that reads them, or
 * by the pipeline before it closes DuckDB, never after: their memory is DuckDB's.
 */
struct ChunkSet {
  std::vector<duck::chunk> chunks;
  /**
   * Records decoded from raw columns (scanRaw): the scan's own copy, 20 bytes a record,
   * made as each chunk comes, which DuckDB then frees at once.
   */
  struct Block {
    std::unique_ptr<int32_t[]> sub, place, ev;
    std::unique_ptr<double[]> t;
  };
  std::vector<Block> blocks;
  std::vector<Segment> segments;
  /** The ranges the records were checked against (see ScanChunks). */
  int subscriberCount = 0;
  int64_t cells = 0;
  /** Set by the run that took the chunks: only it may read them, and it lets them go. */
  bool taken = false;

  /** Lets DuckDB's chunks and the scan's copy go. */
  void destroyChunks();
};

/**
 * One scan: the result it reads, what it found. Rejected records are
 * counted, and only the texts that can be the quarantine's samples are kept, so a
 * file of nothing but bad lines costs no memory per line.
 */
struct Scan {
  duck::result* result = nullptr;
  /** The chunks kept, with the registries' ranges their records are checked against. */
  ChunkSet* set = nullptr;
  size_t samplesPerReason = 0;
  int64_t rows = 0;
  int64_t outside = 0;
  /** Per reason code (1 to 6), the rejected records. */
  double rejected[REJECT_REASONS + 1] = {};
  /**
   * Per reason code, its `samplesPerReason` first texts in JavaScript's string order,
   * cut as quarantine.ts cuts them: the quarantine keeps the first of each reason in
   * that order, so no other text can be one of its samples.
   */
  std::vector<std::u16string> samples[REJECT_REASONS + 1];
  /** Roaming records, their visited network an index into `plmns`. */
  std::vector<int32_t> roamSub, roamEv, roamPlmn;
  std::vector<double> roamT;
  std::vector<std::string> plmns;
  std::unordered_map<std::string, int32_t> plmnIndex;
  /**
   * scanRaw: the result holds the records' own columns (signaling-scan.ts rawScanSql), which
   * this checks and maps as scanSql's joins and reasons did, keeping its own copy.
   */
  bool raw = false;
  bool hasCounted = false;
  KeyTable subs, cells;
  /** A part of a scan (a file of the native CSV reader): the scan whose registry tables it uses instead. */
  const Scan* tablesOf = nullptr;
  const KeyTable& subTable() const { return tablesOf ? tablesOf->subs : subs; }
  const KeyTable& cellTable() const { return tablesOf ? tablesOf->cells : cells; }
  std::vector<uint64_t> subHash, cellHash;
  /** The run's days [lo, hi) and the plausible times [plausibleLo, plausibleHi) (ScanRange). */
  double lo = 0, hi = 0, plausibleLo = 0, plausibleHi = 0;
  std::string error;
};

/**
 * Reads every chunk of the scan's result (set by ScanChunks or ScanRaw): checked and kept
 * (scanSql), or decoded into the scan's own columns (raw). Sets `error` on a bad record.
 */
void scanChunks(Scan& j);

/** Adds what `part` (a scan by the same rules, its own chunk set) found to `into`: counts, samples, roaming records and records. */
void mergeScan(Scan& into, Scan& part);

}  // namespace stay
