// Finds DuckDB's C API in the library the bindings loaded (see duckdb-api.h).
#include "duckdb-api.h"

#include <dlfcn.h>

#include <mutex>
#include <type_traits>

namespace stay::duck {

const Api* api() {
  static std::once_flag once;
  static Api a{};
  static bool ok = false;
  std::call_once(once, [] {
    void* lib = dlopen("libduckdb.so", RTLD_NOW | RTLD_NOLOAD);
    if (!lib) return;
    auto sym = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
      return fn != nullptr;
    };
    ok = sym(a.fetchChunk, "duckdb_fetch_chunk") && sym(a.chunkSize, "duckdb_data_chunk_get_size") &&
         sym(a.chunkVector, "duckdb_data_chunk_get_vector") && sym(a.vectorData, "duckdb_vector_get_data") &&
         sym(a.vectorValidity, "duckdb_vector_get_validity") && sym(a.destroyChunk, "duckdb_destroy_data_chunk") &&
         sym(a.columnCount, "duckdb_column_count") && sym(a.columnType, "duckdb_column_type");
  });
  return ok ? &a : nullptr;
}

}  // namespace stay::duck
