// runShard: a shard's records run through the engine off the JavaScript thread
// (shard.cc), its options checked here, synchronously, its answers handed back
// as typed arrays.
#include <exception>
#include <string>
#include <vector>

#include "addon.h"
#include "napi-util.h"

namespace stay {
namespace {

/** One runShard call: its inputs (kept alive by references while it runs), its answers. */
struct Job {
  std::vector<Segment> in;
  /** The DuckDB chunks the run reads, if any: let go once scattered. */
  ChunkSet* chunks = nullptr;
  ShardOptions options;
  PartOut all;
  /** Set when the run failed (out of memory, no thread): the promise is rejected with it. */
  std::string error;
  std::vector<napi_ref> refs;
  /** Called (on the JavaScript thread, maybe after the answers) once the chunks are let go: DuckDB may close then. */
  napi_threadsafe_function released = nullptr;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
};

/** Lets the run's chunks go, once, and says so. */
void letGo(Job& j) {
  if (j.chunks) j.chunks->destroyChunks();
  if (j.released) {
    napi_call_threadsafe_function(j.released, nullptr, napi_tsfn_nonblocking);
    napi_release_threadsafe_function(j.released, napi_tsfn_release);
    j.released = nullptr;
  }
}

/** Runs on a thread of libuv's pool: the JavaScript thread is free meanwhile. */
void execute(napi_env, void* data) {
  Job& j = *static_cast<Job*>(data);
  // An exception must not leave this thread of libuv's pool: it would end the process.
  try {
    j.all = runShard(j.in, j.options, [&] { letGo(j); });
  } catch (const std::exception& e) {
    j.error = e.what();
    j.all = PartOut();
  }
  letGo(j);
}

/** Back on the JavaScript thread: the answers as typed arrays, the inputs let go. */
void complete(napi_env env, napi_status status, void* data) {
  Job* j = static_cast<Job*>(data);
  for (napi_ref r : j->refs) napi_delete_reference(env, r);
  if (j->released) napi_release_threadsafe_function(j->released, napi_tsfn_release);  // (cancelled: never ran)
  if (status != napi_ok || !j->error.empty()) {
    rejectFailed(env, j->deferred,
                 "native stay engine: " + (j->error.empty() ? std::string("the run was cancelled") : j->error));
  } else {
    const PartOut& all = j->all;
    napi_value result, dup;
    napi_create_object(env, &result);
    napi_set_named_property(env, result, "subs", toTyped(env, all.subs, napi_int32_array));
    napi_set_named_property(env, result, "dayFlags", toTyped(env, all.dayFlags, napi_int32_array));
    napi_set_named_property(env, result, "cityCount", toTyped(env, all.cityCount, napi_int32_array));
    napi_set_named_property(env, result, "cities", toTyped(env, all.cities, napi_int32_array));
    napi_set_named_property(env, result, "countryCount", toTyped(env, all.countryCount, napi_int32_array));
    napi_set_named_property(env, result, "countries", toTyped(env, all.countries, napi_int32_array));
    napi_create_double(env, double(all.duplicates), &dup);
    napi_set_named_property(env, result, "duplicates", dup);
    napi_create_double(env, double(all.withRecords), &dup);
    napi_set_named_property(env, result, "withRecords", dup);
    if (j->options.carries.out) {
      napi_set_named_property(env, result, "carryInts", toTyped(env, all.carries.ints, napi_int32_array));
      napi_set_named_property(env, result, "carryFloats", toTyped(env, all.carries.floats, napi_float64_array));
    }
    napi_resolve_deferred(env, j->deferred, result);
  }
  napi_delete_async_work(env, j->work);
  delete j;
}

/** The options' property `name`, and its type. */
napi_value prop(napi_env env, napi_value options, const char* name, napi_valuetype* type) {
  napi_value v = nullptr;
  *type = napi_undefined;
  if (napi_get_named_property(env, options, name, &v) == napi_ok) napi_typeof(env, v, type);
  return v;
}

}  // namespace

/**
 * runShard({ chunks?, sub, t, place, ev, length, runs?, subscriberCount, cellCity, coverCities,
 *   cellX, cellY, cellKmPerDegLon, maxCover, params: Float64Array(8), firstDayStart, dayCount,
 *   threads, released?: () => void, carryInts?, carryFloats?, carryOut? })
 * → Promise<{ subs, dayFlags, cityCount, cities, countryCount, countries, duplicates, withRecords,
 *   carryInts?, carryFloats? }>, run off the JavaScript thread. The records are the chunks' (see
 * scanChunks; the run lets them go, then calls `released`) and the columns'; the carries into
 * the run and (with carryOut) out of it are CarryColumns. The options are checked here,
 * synchronously: a bad one throws.
 */
napi_value RunShard(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value options;
  napi_get_cb_info(env, info, &argc, &options, nullptr, nullptr);
  napi_valuetype vt;
  if (argc != 1 || napi_typeof(env, options, &vt) != napi_ok || vt != napi_object)
    return fail(env, "runShard takes one options object");
  // The options' objects, each kept alive while the run reads it (a property may be reassigned meanwhile).
  std::vector<napi_value> held;
  auto get = [&](const char* name, napi_valuetype* type) {
    napi_value v = prop(env, options, name, type);
    if (*type == napi_object || *type == napi_external) held.push_back(v);
    return v;
  };
  void* d;
  size_t len;
  ChunkSet* chunks = nullptr;
  napi_value chunksValue = get("chunks", &vt);
  if (vt != napi_null && vt != napi_undefined) {
    chunks = chunkSetOf(env, chunksValue);
    if (!chunks) return nullptr;
    if (chunks->taken) return fail(env, "chunks: already taken by a run");
  }
  int32_t length;
  // Each column must hold at least `length` values (an EventBuffer's have room beyond it).
  if (napi_get_value_int32(env, get("length", &vt), &length) != napi_ok || length < 0) return fail(env, "length");
  const size_t n = size_t(length);
  if (!typed(env, get("sub", &vt), napi_int32_array, &d, &len) || len < n) return fail(env, "sub: Int32Array of length");
  const int32_t* sub = static_cast<const int32_t*>(d);
  if (!typed(env, get("t", &vt), napi_float64_array, &d, &len) || len < n)
    return fail(env, "t: Float64Array of length");
  const double* t = static_cast<const double*>(d);
  if (!typed(env, get("place", &vt), napi_int32_array, &d, &len) || len < n)
    return fail(env, "place: Int32Array of length");
  const int32_t* place = static_cast<const int32_t*>(d);
  if (!typed(env, get("ev", &vt), napi_int32_array, &d, &len) || len < n) return fail(env, "ev: Int32Array of length");
  const int32_t* ev = static_cast<const int32_t*>(d);
  const int32_t* runs = nullptr;
  int runsLength = 0;
  napi_value runsValue = get("runs", &vt);
  if (vt != napi_null && vt != napi_undefined) {
    if (!typed(env, runsValue, napi_int32_array, &d, &len) || len % 2) return fail(env, "runs: Int32Array of pairs");
    runs = static_cast<const int32_t*>(d);
    runsLength = int(len);
  }
  ShardOptions o;
  if (napi_get_value_int32(env, get("subscriberCount", &vt), &o.subscriberCount) != napi_ok || o.subscriberCount < 0)
    return fail(env, "subscriberCount");
  Model& model = o.model;
  size_t cells;
  if (!typed(env, get("cellCity", &vt), napi_int32_array, &d, &cells)) return fail(env, "cellCity: Int32Array");
  model.cellCity = static_cast<const int32_t*>(d);
  size_t coverLen;
  if (!typed(env, get("coverCities", &vt), napi_int32_array, &d, &coverLen)) return fail(env, "coverCities: Int32Array");
  model.coverCities = static_cast<const int32_t*>(d);
  if (!typed(env, get("cellX", &vt), napi_float64_array, &d, &len) || len != cells)
    return fail(env, "cellX: Float64Array");
  model.cellX = static_cast<const double*>(d);
  if (!typed(env, get("cellY", &vt), napi_float64_array, &d, &len) || len != cells)
    return fail(env, "cellY: Float64Array");
  model.cellY = static_cast<const double*>(d);
  if (!typed(env, get("cellKmPerDegLon", &vt), napi_float64_array, &d, &len) || len != cells)
    return fail(env, "cellKmPerDegLon: Float64Array");
  model.kmPerDegLon = static_cast<const double*>(d);
  if (napi_get_value_int32(env, get("maxCover", &vt), &model.maxCover) != napi_ok || model.maxCover < 0 ||
      model.maxCover > 100 || coverLen != cells * size_t(model.maxCover))
    return fail(env, "maxCover");
  if (!typed(env, get("params", &vt), napi_float64_array, &d, &len) || len != 8)
    return fail(env, "params: Float64Array(8)");
  const double* pv = static_cast<const double*>(d);
  o.params = Params{pv[0], pv[1], pv[2], pv[3], int(pv[4]), pv[5], pv[6], pv[7]};
  if (napi_get_value_double(env, get("firstDayStart", &vt), &o.firstDayStart) != napi_ok)
    return fail(env, "firstDayStart");
  if (napi_get_value_int32(env, get("dayCount", &vt), &o.dayCount) != napi_ok || o.dayCount < 0 || o.dayCount > 31)
    return fail(env, "dayCount: 0 to 31");
  if (napi_get_value_int32(env, get("threads", &vt), &o.threads) != napi_ok || o.threads < 1)
    return fail(env, "threads");
  // The records' subscribers and cells must be in range: checked here, not trusted (the
  // chunks' were checked by scanChunks against ranges no wider than these).
  if (chunks && (chunks->subscriberCount > o.subscriberCount || chunks->cells > int64_t(cells)))
    return fail(env, "chunks: checked against other registries");
  for (int r = 0; r < runsLength; r += 2)
    if (runs[r] < 0 || runs[r] > runs[r + 1] || runs[r + 1] > length) return fail(env, "runs out of range");
  for (int i = 0; i < length; i++) {
    if (sub[i] < 0 || sub[i] >= o.subscriberCount) return fail(env, "sub out of range");
    if (place[i] >= int64_t(cells)) return fail(env, "place out of range");
  }

  napi_valuetype releasedType;
  napi_value released = prop(env, options, "released", &releasedType);
  if (releasedType != napi_undefined && releasedType != napi_function) return fail(env, "released: a function");
  napi_valuetype ti, tf;
  napi_value carryInts = prop(env, options, "carryInts", &ti);
  napi_value carryFloats = prop(env, options, "carryFloats", &tf);
  const auto none = [](napi_valuetype x) { return x == napi_null || x == napi_undefined; };
  if (!none(ti) || !none(tf)) {
    void* df;
    size_t ni, nf;
    if (!typed(env, carryInts, napi_int32_array, &d, &ni) || !typed(env, carryFloats, napi_float64_array, &df, &nf))
      return fail(env, "carries: Int32Array and Float64Array");
    const std::string why = readCarries(static_cast<const int32_t*>(d), ni, static_cast<const double*>(df), nf,
                                        o.subscriberCount, int64_t(cells), o.carries);
    if (!why.empty()) return fail(env, why.c_str());
  }
  napi_value carryOut = prop(env, options, "carryOut", &vt);
  if (vt != napi_undefined) {
    bool out = false;
    if (napi_get_value_bool(env, carryOut, &out) != napi_ok) return fail(env, "carryOut: a boolean");
    o.carries.out = out;
  }

  auto* job = new Job();
  job->options = std::move(o);
  if (releasedType == napi_function) {
    napi_value name;
    napi_create_string_utf8(env, "itinerary-card:released", NAPI_AUTO_LENGTH, &name);
    napi_create_threadsafe_function(env, released, nullptr, name, 0, 1, nullptr, nullptr, nullptr, nullptr,
                                    &job->released);
  }
  if (chunks) {
    job->in = chunks->segments;
    job->chunks = chunks;
    chunks->taken = true;
  }
  if (runs) {
    for (int r = 0; r < runsLength; r += 2)
      job->in.push_back({sub + runs[r], t + runs[r], place + runs[r], ev + runs[r], runs[r + 1] - runs[r], false});
  } else if (length > 0) {
    job->in.push_back({sub, t, place, ev, length, false});
  }
  for (napi_value v : held) {
    napi_ref ref;
    napi_create_reference(env, v, 1, &ref);
    job->refs.push_back(ref);
  }
  return queueWork(env, "itinerary-card:runShard", execute, complete, job, &job->deferred, &job->work);
}

}  // namespace stay
