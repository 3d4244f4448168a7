// scanChunks, scanRaw and releaseChunks: a streamed DuckDB result read in place
// off the JavaScript thread (scan.cc), its findings handed back, its chunks held
// by a JavaScript external until a run or the pipeline lets them go.
#include <cmath>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "csv-reader.h"
#include "napi-util.h"
#include "parquet-reader.h"

namespace stay {
namespace {

/** The bindings' tag on a Result external (duckdb-node-neo, bindings/src/externals.h). */
const napi_type_tag RESULT_TAG = {0x08F7FE3AE12345E5ULL, 0x8733310DC29372D9ULL};
/** This addon's tag on a chunks external. */
const napi_type_tag CHUNKS_TAG = {0x6974696e65726172ULL, 0x7963617264636b73ULL};

/** One scanChunks, scanRaw or readCsv call: the scan, and the promise it settles. */
struct ScanJob {
  Scan scan;
  /** The result read (scanChunks, scanRaw), or the chunks external added to (scanRaw's `into`). */
  napi_ref resultRef = nullptr, intoRef = nullptr;
  /** readCsv: the files, what became of each, the threads to read them on. */
  bool csv = false;
  std::vector<CsvInput> files;
  std::vector<CsvOutcome> outcomes;
  /** readCsv with `home`: the files' days for the index too, and which files' records were kept. */
  bool indexed = false;
  HomeRule home;
  std::vector<CsvDays> days;
  std::vector<int32_t> kept;
  /** readParquet: the files, what became of each. */
  bool parquet = false;
  std::vector<std::string> parquetPaths;
  std::vector<ParquetOutcome> parquetOutcomes;
  int threads = 1;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
};

void executeScan(napi_env, void* data) {
  ScanJob& job = *static_cast<ScanJob*>(data);
  Scan& j = job.scan;
  try {
    if (job.csv && job.indexed)
      indexAndReadCsvFiles(j, job.files, job.threads, job.home, job.outcomes, job.days, job.kept);
    else if (job.csv) readCsvFiles(j, job.files, job.threads, job.outcomes);
    else if (job.parquet) readParquetFiles(j, job.parquetPaths, job.threads, job.parquetOutcomes);
    else scanChunks(j);
  } catch (const std::exception& e) {
    j.error = e.what();
  }
  // A set added to is the external's, which its owner lets go.
  if (!j.error.empty() && !job.intoRef) j.set->destroyChunks();
}

void deleteChunkSet(napi_env, void* data, void*) {
  auto* set = static_cast<ChunkSet*>(data);
  // Normally let go already (by its run, or by releaseChunks before DuckDB closed).
  set->destroyChunks();
  delete set;
}

void completeScan(napi_env env, napi_status status, void* data) {
  ScanJob* job = static_cast<ScanJob*>(data);
  Scan* j = &job->scan;
  if (job->resultRef) napi_delete_reference(env, job->resultRef);
  napi_value into = nullptr;
  if (job->intoRef) {
    napi_get_reference_value(env, job->intoRef, &into);
    napi_delete_reference(env, job->intoRef);
  }
  if (status != napi_ok || !j->error.empty()) {
    if (!into) {
      j->set->destroyChunks();
      delete j->set;
    }
    rejectFailed(env, job->deferred, "native scan: " + (j->error.empty() ? std::string("cancelled") : j->error));
  } else {
    napi_value result, chunks, num, samples;
    napi_create_object(env, &result);
    if (into) {
      chunks = into;
    } else {
      napi_create_external(env, j->set, deleteChunkSet, nullptr, &chunks);
      napi_type_tag_object(env, chunks, &CHUNKS_TAG);
    }
    napi_set_named_property(env, result, "chunks", chunks);
    napi_create_double(env, double(j->rows), &num);
    napi_set_named_property(env, result, "rows", num);
    napi_create_double(env, double(j->outside), &num);
    napi_set_named_property(env, result, "outside", num);
    napi_set_named_property(env, result, "rejected",
                            toTyped(env, std::vector<double>(j->rejected, j->rejected + REJECT_REASONS + 1),
                                    napi_float64_array));
    napi_create_array_with_length(env, REJECT_REASONS + 1, &samples);
    for (int r = 0; r <= REJECT_REASONS; r++) napi_set_element(env, samples, uint32_t(r), toStrings(env, j->samples[r]));
    napi_set_named_property(env, result, "samples", samples);
    napi_set_named_property(env, result, "roamSub", toTyped(env, j->roamSub, napi_int32_array));
    napi_set_named_property(env, result, "roamT", toTyped(env, j->roamT, napi_float64_array));
    napi_set_named_property(env, result, "roamEv", toTyped(env, j->roamEv, napi_int32_array));
    napi_set_named_property(env, result, "roamPlmn", toTyped(env, j->roamPlmn, napi_int32_array));
    napi_set_named_property(env, result, "plmns", toStrings(env, j->plmns));
    if (job->csv) {
      // Per file: declined (1) or read; its malformed lines, and their samples as (file, line, text).
      std::vector<int32_t> declined, sampleFile;
      std::vector<double> malformed, sampleLine;
      std::vector<std::string> sampleText, why;
      for (size_t k = 0; k < job->outcomes.size(); k++) {
        const CsvOutcome& o = job->outcomes[k];
        declined.push_back(o.declined ? 1 : 0);
        why.push_back(o.why);
        malformed.push_back(double(o.malformed));
        for (const MalformedLine& m : o.samples) {
          sampleFile.push_back(int32_t(k));
          sampleLine.push_back(double(m.line));
          sampleText.push_back(m.text);
        }
      }
      napi_set_named_property(env, result, "declined", toTyped(env, declined, napi_int32_array));
      napi_set_named_property(env, result, "why", toStrings(env, why));
      napi_set_named_property(env, result, "malformed", toTyped(env, malformed, napi_float64_array));
      napi_set_named_property(env, result, "malformedFile", toTyped(env, sampleFile, napi_int32_array));
      napi_set_named_property(env, result, "malformedLine", toTyped(env, sampleLine, napi_float64_array));
      napi_set_named_property(env, result, "malformedText", toStrings(env, sampleText));
      if (job->indexed) {
        // The index's days, as indexCsv gives them, and which files' records the chunks hold.
        std::vector<int32_t> dayFile;
        std::vector<double> day, count;
        std::vector<std::string> hash;
        for (size_t k = 0; k < job->days.size(); k++)
          for (const auto& [d, tally] : job->days[k]) {
            dayFile.push_back(int32_t(k));
            day.push_back(double(d));
            count.push_back(double(tally.first));
            hash.push_back(std::to_string(tally.second));
          }
        napi_set_named_property(env, result, "dayFile", toTyped(env, dayFile, napi_int32_array));
        napi_set_named_property(env, result, "day", toTyped(env, day, napi_float64_array));
        napi_set_named_property(env, result, "count", toTyped(env, count, napi_float64_array));
        napi_set_named_property(env, result, "hash", toStrings(env, hash));
        napi_set_named_property(env, result, "kept", toTyped(env, job->kept, napi_int32_array));
      }
    }
    if (job->parquet) {
      std::vector<int32_t> declined;
      std::vector<std::string> why;
      for (const ParquetOutcome& o : job->parquetOutcomes) {
        declined.push_back(o.declined ? 1 : 0);
        why.push_back(o.why);
      }
      napi_set_named_property(env, result, "declined", toTyped(env, declined, napi_int32_array));
      napi_set_named_property(env, result, "why", toStrings(env, why));
    }
    napi_resolve_deferred(env, job->deferred, result);
  }
  napi_delete_async_work(env, job->work);
  delete job;
}

/** The Result of a @duckdb/node-bindings result external, or nullptr where it is not one or DuckDB's C API is out of reach. */
duck::result* resultOf(napi_env env, napi_value v) {
  bool tagged = false;
  void* data = nullptr;
  if (napi_check_object_type_tag(env, v, &RESULT_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, v, &data) != napi_ok || !data || !duck::api())
    return nullptr;
  return static_cast<duck::result*>(data);
}

/** A registry's keys as scanRaw takes them: UTF-8 bytes and n + 1 ascending offsets into them. */
bool keysArg(napi_env env, napi_value bytes, napi_value offsets, KeyTable& into, int64_t* count) {
  void* b;
  void* o;
  size_t bytesLen, offsetsLen;
  if (!typed(env, bytes, napi_uint8_array, &b, &bytesLen) || !typed(env, offsets, napi_int32_array, &o, &offsetsLen) ||
      offsetsLen < 1)
    return false;
  const int32_t* off = static_cast<const int32_t*>(o);
  if (off[0] != 0) return false;
  for (size_t i = 1; i < offsetsLen; i++)
    if (off[i] < off[i - 1] || size_t(off[i]) > bytesLen) return false;
  into.build(static_cast<const char*>(b), off, offsetsLen - 1);
  *count = int64_t(offsetsLen - 1);
  return true;
}

/**
 * The options readCsv and readParquet share (registry keys, range, samplesPerReason, threads)
 * into `job`: nullptr, or what is wrong with them.
 */
template <class Get>
const char* fileScanArgs(napi_env env, Get&& get, ScanJob& job, int64_t* subscribers, int64_t* cells) {
  Scan& j = job.scan;
  j.raw = true;
  if (!keysArg(env, get("subscriberKeys"), get("subscriberOffsets"), j.subs, subscribers))
    return "subscriber keys: bytes and offsets";
  if (!keysArg(env, get("cellKeys"), get("cellOffsets"), j.cells, cells)) return "cell keys: bytes and offsets";
  void* d;
  size_t len;
  if (!typed(env, get("range"), napi_float64_array, &d, &len) || len != 4) return "range: Float64Array(4)";
  const double* r = static_cast<const double*>(d);
  j.lo = r[0];
  j.hi = r[1];
  j.plausibleLo = r[2];
  j.plausibleHi = r[3];
  int32_t samplesPerReason, threads;
  if (napi_get_value_int32(env, get("samplesPerReason"), &samplesPerReason) != napi_ok || samplesPerReason < 0 ||
      samplesPerReason > 10000)
    return "samplesPerReason: 0 to 10,000";
  if (napi_get_value_int32(env, get("threads"), &threads) != napi_ok || threads < 1 || threads > 64)
    return "threads: 1 to 64";
  j.samplesPerReason = size_t(samplesPerReason);
  job.threads = threads;
  return nullptr;
}

/** An array of strings (UTF-8) into `out`; false for anything else. */
bool stringsArg(napi_env env, napi_value v, std::vector<std::string>& out) {
  bool isArray = false;
  uint32_t n = 0;
  if (napi_is_array(env, v, &isArray) != napi_ok || !isArray || napi_get_array_length(env, v, &n) != napi_ok)
    return false;
  for (uint32_t k = 0; k < n; k++) {
    napi_value e;
    size_t len = 0;
    if (napi_get_element(env, v, k, &e) != napi_ok || napi_get_value_string_utf8(env, e, nullptr, 0, &len) != napi_ok)
      return false;
    std::string s(len + 1, '\0');
    napi_get_value_string_utf8(env, e, s.data(), len + 1, &len);
    s.resize(len);
    out.push_back(std::move(s));
  }
  return true;
}

}  // namespace

/** The ChunkSet of a chunks external made by scanChunks, or nullptr (and an exception) for anything else. */
ChunkSet* chunkSetOf(napi_env env, napi_value v) {
  bool tagged = false;
  void* data = nullptr;
  if (napi_check_object_type_tag(env, v, &CHUNKS_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, v, &data) != napi_ok) {
    fail(env, "chunks: made by scanChunks");
    return nullptr;
  }
  return static_cast<ChunkSet*>(data);
}

/**
 * scanChunks(result, subscriberCount, cells, samplesPerReason) → Promise<{ chunks, rows,
 * outside, rejected, samples, roamSub, roamT, roamEv, roamPlmn, plmns }>: fetches every
 * chunk of a streamed result of the pipeline's scan (a @duckdb/node-bindings Result) off
 * the JavaScript thread and keeps them where DuckDB made them. Counts the records, those
 * outside the run's days and the rejected ones by reason (with the texts that can be the
 * quarantine's samples); lists the roaming ones. Nothing else may read the result meanwhile.
 * Returns undefined for anything but a Result of the bindings this knows, or where DuckDB's C
 * API cannot be reached: then the caller reads the result itself.
 */
napi_value ScanChunks(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  if (argc != 4) return fail(env, "scanChunks takes 4 arguments");
  int32_t subscriberCount;
  int64_t cells;
  if (napi_get_value_int32(env, a[1], &subscriberCount) != napi_ok || subscriberCount < 0)
    return fail(env, "subscriberCount");
  if (napi_get_value_int64(env, a[2], &cells) != napi_ok || cells < 0) return fail(env, "cells");
  int32_t samplesPerReason;
  if (napi_get_value_int32(env, a[3], &samplesPerReason) != napi_ok || samplesPerReason < 0 ||
      samplesPerReason > 10000)
    return fail(env, "samplesPerReason: 0 to 10,000");
  // Not a Result of the bindings this was written for (another version tags it otherwise),
  // or no DuckDB library to call: undefined, and the caller reads the result itself.
  duck::result* result = resultOf(env, a[0]);
  if (!result) return undefinedValue(env);
  const duck::Api* api = duck::api();
  const int want[5] = {duck::TYPE_INTEGER, duck::TYPE_DOUBLE, duck::TYPE_INTEGER, duck::TYPE_INTEGER, duck::TYPE_VARCHAR};
  if (api->columnCount(result) != 5) return fail(env, "result: not the scan's five columns");
  for (int c = 0; c < 5; c++)
    if (api->columnType(result, c) != want[c]) return fail(env, "result: not the scan's column types");
  auto* job = new ScanJob();
  Scan& j = job->scan;
  j.result = result;
  j.set = new ChunkSet();
  j.set->subscriberCount = subscriberCount;
  j.set->cells = cells;
  j.samplesPerReason = size_t(samplesPerReason);
  napi_create_reference(env, a[0], 1, &job->resultRef);
  return queueWork(env, "itinerary-card:scanChunks", executeScan, completeScan, job, &job->deferred, &job->work);
}

/**
 * The `into` option of scanRaw, readCsv and readParquet: undefined, null, or the chunks of
 * an earlier read of the same run, which this one's records join. False, with an exception
 * pending, when they cannot be used.
 */
bool intoArg(napi_env env, napi_value v, ChunkSet** into) {
  *into = nullptr;
  napi_valuetype t = napi_undefined;
  if (v) napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) return true;
  *into = chunkSetOf(env, v);
  if (!*into) return false;
  if ((*into)->taken) {
    fail(env, "into: already taken by a run");
    return false;
  }
  return true;
}

/**
 * The job's chunks: `into`'s (held by a reference until the job ends) or new ones for these
 * registries. False, with an exception pending, when `into` was read against other registries.
 */
bool useChunks(napi_env env, ScanJob& job, ChunkSet* into, napi_value intoValue, int64_t subscribers,
               int64_t cells) {
  Scan& j = job.scan;
  if (into) {
    if (into->subscriberCount != int(subscribers) || into->cells != cells) {
      fail(env, "into: read against other registries");
      return false;
    }
    j.set = into;
    napi_create_reference(env, intoValue, 1, &job.intoRef);
  } else {
    j.set = new ChunkSet();
    j.set->subscriberCount = int(subscribers);
    j.set->cells = cells;
  }
  return true;
}

/**
 * scanRaw(result, subscriberKeys, subscriberOffsets, cellKeys, cellOffsets, range, samplesPerReason)
 * → Promise<the same as scanChunks>: reads a streamed result of the records' own columns
 * (signaling-scan.ts rawScanSql: msisdn, ts, t DOUBLE, cell_id, plmn, event, and `counted`
 * BOOLEAN in a daily run), finds each record's subscriber and cell by its text in the
 * registries' keys (index = position), and decides what scanSql's joins and CASE decided,
 * for `range` = Float64Array [lo, hi, plausibleLo, plausibleHi]. The records are kept in
 * the scan's own columns, so DuckDB frees each chunk as it comes. Undefined where scanChunks
 * would be.
 */
napi_value ScanRaw(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value a[8];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  if (argc != 7 && argc != 8) return fail(env, "scanRaw takes 7 or 8 arguments");
  // `into`: the chunks of an earlier scan (readCsv) of the same run, which this one's records join.
  ChunkSet* into = nullptr;
  if (!intoArg(env, argc == 8 ? a[7] : nullptr, &into)) return nullptr;
  auto job = std::make_unique<ScanJob>();
  Scan& j = job->scan;
  j.raw = true;
  int64_t subscribers = 0, cells = 0;
  if (!keysArg(env, a[1], a[2], j.subs, &subscribers)) return fail(env, "subscriber keys: bytes and offsets");
  if (!keysArg(env, a[3], a[4], j.cells, &cells)) return fail(env, "cell keys: bytes and offsets");
  void* d;
  size_t len;
  if (!typed(env, a[5], napi_float64_array, &d, &len) || len != 4) return fail(env, "range: Float64Array(4)");
  const double* r = static_cast<const double*>(d);
  j.lo = r[0];
  j.hi = r[1];
  j.plausibleLo = r[2];
  j.plausibleHi = r[3];
  int32_t samplesPerReason;
  if (napi_get_value_int32(env, a[6], &samplesPerReason) != napi_ok || samplesPerReason < 0 ||
      samplesPerReason > 10000)
    return fail(env, "samplesPerReason: 0 to 10,000");
  duck::result* result = resultOf(env, a[0]);
  if (!result) return undefinedValue(env);
  const duck::Api* api = duck::api();
  const int want[7] = {duck::TYPE_VARCHAR, duck::TYPE_VARCHAR, duck::TYPE_DOUBLE,  duck::TYPE_VARCHAR,
                       duck::TYPE_VARCHAR, duck::TYPE_VARCHAR, duck::TYPE_BOOLEAN};
  const duck::idx_t columns = api->columnCount(result);
  if (columns != 6 && columns != 7) return fail(env, "result: not the raw scan's columns");
  for (duck::idx_t c = 0; c < columns; c++)
    if (api->columnType(result, c) != want[c]) return fail(env, "result: not the raw scan's column types");
  j.hasCounted = columns == 7;
  j.result = result;
  if (!useChunks(env, *job, into, argc == 8 ? a[7] : nullptr, subscribers, cells)) return nullptr;
  j.samplesPerReason = size_t(samplesPerReason);
  napi_create_reference(env, a[0], 1, &job->resultRef);
  ScanJob* taken = job.release();
  return queueWork(env, "itinerary-card:scanRaw", executeScan, completeScan, taken, &taken->deferred, &taken->work);
}

/** releaseChunks(chunks): lets a scan's chunks go unless a run took them. Call before DuckDB closes. */
napi_value ReleaseChunks(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  if (argc != 1) return fail(env, "releaseChunks takes 1 argument");
  ChunkSet* set = chunkSetOf(env, a[0]);
  if (!set) return nullptr;
  if (!set->taken) {
    set->taken = true;
    set->destroyChunks();
  }
  return undefinedValue(env);
}

/**
 * readCsv({ paths: string[], fields: Int32Array, columns: Int32Array (5 a file: msisdn, ts,
 *   cell_id, plmn, event, -1 when absent), subscriberKeys, subscriberOffsets, cellKeys,
 *   cellOffsets, range: Float64Array(4), samplesPerReason, threads, counted?: Int32Array (one a file,
 *   a daily run's: 1 its home day's, 0 another day's, -1 none; see CsvInput::counted) })
 * → Promise<scanRaw's answer and, per file, declined (1: not read, DuckDB reads it), why,
 * malformed (lines DuckDB would reject as malformed), with their samples as malformedFile,
 * malformedLine, malformedText>: the signaling CSV files (gzip where the path ends in .gz)
 * read natively, each file whole or not at all, by scanRaw's rules (csv-reader.h). Undefined
 * where DuckDB's C API cannot be reached (the chunks could not be let go as scanRaw's are).
 * With `into` (the chunks of an earlier scan of the same run), the records join those chunks.
 * With `home` (Float64Array [keepDay, latestDay, firstDay, lastDay], day numbers: a daily
 * run's files not yet indexed), each file is read once for both the file index and the scan
 * (csv-reader.h indexAndReadCsvFiles, `counted` 1): the answer has indexCsv's dayFile, day,
 * count and hash too, and `kept` (Int32Array, one a file): 1 for the files whose records the
 * chunks hold (home day keepDay), whose malformed lines are counted; `declined` is the index's.
 */
napi_value ReadCsv(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value o;
  napi_get_cb_info(env, info, &argc, &o, nullptr, nullptr);
  napi_valuetype vt;
  if (argc != 1 || napi_typeof(env, o, &vt) != napi_ok || vt != napi_object)
    return fail(env, "readCsv takes one options object");
  auto get = [&](const char* name) {
    napi_value v = nullptr;
    napi_get_named_property(env, o, name, &v);
    return v;
  };
  auto job = std::make_unique<ScanJob>();
  job->csv = true;
  Scan& j = job->scan;
  int64_t subscribers = 0, cells = 0;
  if (const char* bad = fileScanArgs(env, get, *job, &subscribers, &cells)) return fail(env, bad);
  void* d;
  std::vector<std::string> paths;
  if (!stringsArg(env, get("paths"), paths)) return fail(env, "paths: an array of strings");
  const size_t nf = paths.size();
  size_t nfields, ncols;
  if (!typed(env, get("fields"), napi_int32_array, &d, &nfields) || nfields != nf)
    return fail(env, "fields: Int32Array, one a file");
  const int32_t* fields = static_cast<const int32_t*>(d);
  if (!typed(env, get("columns"), napi_int32_array, &d, &ncols) || ncols != nf * 5)
    return fail(env, "columns: Int32Array, five a file");
  const int32_t* cols = static_cast<const int32_t*>(d);
  // `counted` (a daily run's files): one a file, -1, 0 or 1 (CsvInput::counted); absent in compute.
  const int32_t* counted = nullptr;
  napi_value countedArg = get("counted");
  napi_valuetype countedType = napi_undefined;
  if (countedArg) napi_typeof(env, countedArg, &countedType);
  if (countedType != napi_undefined) {
    size_t nc;
    if (!typed(env, countedArg, napi_int32_array, &d, &nc) || nc != nf) return fail(env, "counted: Int32Array, one a file");
    counted = static_cast<const int32_t*>(d);
  }
  for (size_t k = 0; k < nf; k++) {
    CsvInput f;
    f.path = std::move(paths[k]);
    const size_t plen = f.path.size();
    f.gz = plen >= 3 && f.path.compare(plen - 3, 3, ".gz") == 0;
    f.fields = fields[k];
    if (f.fields < 1) return fail(env, "fields: at least 1");
    for (int c = 0; c < 5; c++) {
      f.col[c] = cols[k * 5 + c];
      if (f.col[c] < -1 || f.col[c] >= f.fields) return fail(env, "columns: -1 or a field of the file");
    }
    if (counted) {
      f.counted = counted[k];
      if (f.counted < -1 || f.counted > 1) return fail(env, "counted: -1, 0 or 1");
    }
    job->files.push_back(std::move(f));
  }
  // `home` (a daily run's files not yet indexed): Float64Array [keepDay, latestDay, firstDay, lastDay].
  napi_value homeArg = get("home");
  napi_valuetype homeType = napi_undefined;
  if (homeArg) napi_typeof(env, homeArg, &homeType);
  if (homeType != napi_undefined) {
    size_t nh;
    if (!typed(env, homeArg, napi_float64_array, &d, &nh) || nh != 4) return fail(env, "home: Float64Array(4)");
    const double* h = static_cast<const double*>(d);
    for (int k = 0; k < 4; k++)
      if (!(std::fabs(h[k]) < 1e9) || h[k] != std::floor(h[k])) return fail(env, "home: day numbers");
    job->indexed = true;
    job->home = {int64_t(h[0]), int64_t(h[1]), int64_t(h[2]), int64_t(h[3])};
  }
  ChunkSet* into = nullptr;
  napi_value intoValue = get("into");
  if (!intoArg(env, intoValue, &into)) return nullptr;
  if (!duck::api()) return undefinedValue(env);
  if (!useChunks(env, *job, into, intoValue, subscribers, cells)) return nullptr;
  ScanJob* taken = job.release();
  return queueWork(env, "itinerary-card:readCsv", executeScan, completeScan, taken, &taken->deferred, &taken->work);
}

/**
 * readParquet({ paths: string[], subscriberKeys, subscriberOffsets, cellKeys, cellOffsets,
 *   range: Float64Array(4), samplesPerReason, threads, into? })
 * → Promise<scanRaw's answer and, per file, declined (1: not read, DuckDB reads it) and why>:
 * signaling Parquet files read natively, each file whole or not at all, by scanRaw's rules
 * (parquet-reader.h). With `into` (the chunks of readCsv or scanRaw of the same run), the
 * records join those chunks. Undefined where DuckDB's C API cannot be reached.
 */
napi_value ReadParquet(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value o;
  napi_get_cb_info(env, info, &argc, &o, nullptr, nullptr);
  napi_valuetype vt;
  if (argc != 1 || napi_typeof(env, o, &vt) != napi_ok || vt != napi_object)
    return fail(env, "readParquet takes one options object");
  auto get = [&](const char* name) {
    napi_value v = nullptr;
    napi_get_named_property(env, o, name, &v);
    return v;
  };
  auto job = std::make_unique<ScanJob>();
  job->parquet = true;
  Scan& j = job->scan;
  int64_t subscribers = 0, cells = 0;
  if (const char* bad = fileScanArgs(env, get, *job, &subscribers, &cells)) return fail(env, bad);
  if (!stringsArg(env, get("paths"), job->parquetPaths)) return fail(env, "paths: an array of strings");
  ChunkSet* into = nullptr;
  napi_value intoValue = get("into");
  if (!intoArg(env, intoValue, &into)) return nullptr;
  if (!duck::api()) return undefinedValue(env);
  if (!useChunks(env, *job, into, intoValue, subscribers, cells)) return nullptr;
  ScanJob* taken = job.release();
  return queueWork(env, "itinerary-card:readParquet", executeScan, completeScan, taken, &taken->deferred,
                   &taken->work);
}

}  // namespace stay
