// The addon's functions, as native-shard.ts calls them (addon.cc exports them).
#pragma once

#include <node_api.h>

#include "scan.h"

namespace stay {

/** runShard(options) (addon-shard.cc). */
napi_value RunShard(napi_env env, napi_callback_info info);
/** scanChunks, scanRaw and releaseChunks (addon-scan.cc). */
napi_value ScanChunks(napi_env env, napi_callback_info info);
napi_value ScanRaw(napi_env env, napi_callback_info info);
napi_value ReleaseChunks(napi_env env, napi_callback_info info);
/** readCsv (addon-scan.cc). */
napi_value ReadCsv(napi_env env, napi_callback_info info);
/** indexCsv (addon-index.cc). */
napi_value IndexCsv(napi_env env, napi_callback_info info);
/** readParquet (addon-scan.cc). */
napi_value ReadParquet(napi_env env, napi_callback_info info);

/** The ChunkSet of a chunks external made by scanChunks or scanRaw, or nullptr (and an exception) for anything else. */
ChunkSet* chunkSetOf(napi_env env, napi_value v);

}  // namespace stay
