// indexCsv: the pipeline's file index of signaling CSV files (records per Beijing
// day and a hash of them), read natively off the JavaScript thread (csv-reader.cc's
// indexCsvFiles) instead of by a DuckDB query per file.
#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "csv-reader.h"
#include "napi-util.h"

namespace stay {
namespace {

struct IndexJob {
  std::vector<CsvInput> files;
  std::vector<CsvOutcome> outcomes;
  std::vector<CsvDays> days;
  int threads = 1;
  std::string error;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
};

void executeIndex(napi_env, void* data) {
  IndexJob& job = *static_cast<IndexJob*>(data);
  try {
    indexCsvFiles(job.files, job.threads, job.outcomes, job.days);
  } catch (const std::exception& e) {
    job.error = e.what();
  }
}

void completeIndex(napi_env env, napi_status status, void* data) {
  std::unique_ptr<IndexJob> job(static_cast<IndexJob*>(data));
  if (status != napi_ok || !job->error.empty()) {
    rejectFailed(env, job->deferred, "native index: " + (job->error.empty() ? std::string("cancelled") : job->error));
  } else {
    std::vector<int32_t> declined, dayFile;
    std::vector<double> day, count;
    std::vector<std::string> why, hash;
    for (size_t k = 0; k < job->outcomes.size(); k++) {
      declined.push_back(job->outcomes[k].declined ? 1 : 0);
      why.push_back(job->outcomes[k].why);
      for (const auto& [d, tally] : job->days[k]) {
        dayFile.push_back(int32_t(k));
        day.push_back(double(d));
        count.push_back(double(tally.first));
        hash.push_back(std::to_string(tally.second));
      }
    }
    napi_value result;
    napi_create_object(env, &result);
    napi_set_named_property(env, result, "declined", toTyped(env, declined, napi_int32_array));
    napi_set_named_property(env, result, "why", toStrings(env, why));
    napi_set_named_property(env, result, "dayFile", toTyped(env, dayFile, napi_int32_array));
    napi_set_named_property(env, result, "day", toTyped(env, day, napi_float64_array));
    napi_set_named_property(env, result, "count", toTyped(env, count, napi_float64_array));
    napi_set_named_property(env, result, "hash", toStrings(env, hash));
    napi_resolve_deferred(env, job->deferred, result);
  }
  napi_delete_async_work(env, job->work);
}

}  // namespace

/**
 * indexCsv({ paths: string[], fields: Int32Array, columns: Int32Array (5 a file, as readCsv's),
 *   threads }) → Promise<{ declined: Int32Array, why: string[] (per file), dayFile: Int32Array,
 *   day, count: Float64Array, hash: string[] (per file and day, days in order) }>: each file's
 * records per Beijing day (csv-reader.h CsvDays), or declined as readCsv declines a file.
 */
napi_value IndexCsv(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value o;
  napi_get_cb_info(env, info, &argc, &o, nullptr, nullptr);
  napi_valuetype vt;
  if (argc != 1 || napi_typeof(env, o, &vt) != napi_ok || vt != napi_object)
    return fail(env, "indexCsv takes one options object");
  auto get = [&](const char* name) {
    napi_value v = nullptr;
    napi_get_named_property(env, o, name, &v);
    return v;
  };
  auto job = std::make_unique<IndexJob>();
  int32_t threads;
  if (napi_get_value_int32(env, get("threads"), &threads) != napi_ok || threads < 1 || threads > 64)
    return fail(env, "threads: 1 to 64");
  job->threads = threads;
  napi_value paths = get("paths");
  bool isArray = false;
  uint32_t nf = 0;
  if (napi_is_array(env, paths, &isArray) != napi_ok || !isArray || napi_get_array_length(env, paths, &nf) != napi_ok)
    return fail(env, "paths: an array of strings");
  void* d;
  size_t nfields, ncols;
  if (!typed(env, get("fields"), napi_int32_array, &d, &nfields) || nfields != nf)
    return fail(env, "fields: Int32Array, one a file");
  const int32_t* fields = static_cast<const int32_t*>(d);
  if (!typed(env, get("columns"), napi_int32_array, &d, &ncols) || ncols != size_t(nf) * 5)
    return fail(env, "columns: Int32Array, five a file");
  const int32_t* cols = static_cast<const int32_t*>(d);
  for (uint32_t k = 0; k < nf; k++) {
    napi_value p;
    size_t plen = 0;
    if (napi_get_element(env, paths, k, &p) != napi_ok ||
        napi_get_value_string_utf8(env, p, nullptr, 0, &plen) != napi_ok)
      return fail(env, "paths: an array of strings");
    CsvInput f;
    f.path.resize(plen + 1);
    napi_get_value_string_utf8(env, p, f.path.data(), plen + 1, &plen);
    f.path.resize(plen);
    f.gz = plen >= 3 && f.path.compare(plen - 3, 3, ".gz") == 0;
    f.fields = fields[k];
    if (f.fields < 1) return fail(env, "fields: at least 1");
    for (int c = 0; c < 5; c++) {
      f.col[c] = cols[k * 5 + c];
      if (f.col[c] < -1 || f.col[c] >= f.fields) return fail(env, "columns: -1 or a field of the file");
    }
    job->files.push_back(std::move(f));
  }
  IndexJob* taken = job.release();
  return queueWork(env, "itinerary-card:indexCsv", executeIndex, completeIndex, taken, &taken->deferred, &taken->work);
}

}  // namespace stay
