// The native stay engine's Node-API module: the stay engine of stay-engine.ts in
// C++ (engine.h) with the grouping of a shard's records by subscriber (shard.cc),
// for `compute` and for the daily run, and the scans that read DuckDB's results
// in place (scan.cc). Loaded by native-shard.ts; built by build.mjs.
#include "addon.h"

#include <utility>

NAPI_MODULE_INIT() {
  const std::pair<const char*, napi_callback> fns[] = {{"runShard", stay::RunShard},
                                                       {"scanChunks", stay::ScanChunks},
                                                       {"scanRaw", stay::ScanRaw},
                                                       {"releaseChunks", stay::ReleaseChunks},
                                                       {"readCsv", stay::ReadCsv},
                                                       {"indexCsv", stay::IndexCsv},
                                                       {"readParquet", stay::ReadParquet}};
  for (const auto& [name, cb] : fns) {
    napi_value fn;
    napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
    napi_set_named_property(env, exports, name, fn);
  }
  return exports;
}
