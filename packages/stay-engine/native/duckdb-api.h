// DuckDB's C API, called in the DuckDB library the bindings already loaded: the
// few functions that read a result's chunks where DuckDB holds them, and the
// layout of its types (part of the C API's stable ABI, as duckdb.h declares them).
#pragma once

#include <cstdint>

namespace stay::duck {

typedef uint64_t idx_t;
typedef struct Chunk_* chunk;
typedef struct Vector_* vector;
/** duckdb_result, as duckdb.h declares it (part of the C API's stable ABI). */
struct result {
  idx_t deprecatedColumnCount, deprecatedRowCount, deprecatedRowsChanged;
  void* deprecatedColumns;
  char* deprecatedError;
  void* internal;
};
/** duckdb_string_t: a length, then the text inline (up to 12 bytes) or a prefix and a pointer. */
struct string_t {
  union {
    struct {
      uint32_t length;
      char prefix[4];
      const char* ptr;
    } pointer;
    struct {
      uint32_t length;
      char inlined[12];
    } inlined;
  } value;
};
static_assert(sizeof(string_t) == 16, "duckdb_string_t is 16 bytes");
constexpr int TYPE_BOOLEAN = 1, TYPE_INTEGER = 4, TYPE_DOUBLE = 11, TYPE_VARCHAR = 17;

struct Api {
  chunk (*fetchChunk)(result);
  idx_t (*chunkSize)(chunk);
  vector (*chunkVector)(chunk, idx_t);
  void* (*vectorData)(vector);
  uint64_t* (*vectorValidity)(vector);
  void (*destroyChunk)(chunk*);
  idx_t (*columnCount)(result*);
  int (*columnType)(result*, idx_t);
};

/**
 * The C API of the DuckDB library this process already loaded (the bindings', found by
 * its soname; never a second copy), or nullptr where there is none.
 */
const Api* api();

/** A text of a chunk's VARCHAR vector; NULL reads as empty, and says so. */
struct Text {
  const char* p;
  uint32_t n;
  bool null;
};
inline Text textAt(const string_t* data, const uint64_t* valid, idx_t i) {
  if (valid && !(valid[i / 64] >> (i % 64) & 1)) return {"", 0, true};
  const string_t& s = data[i];
  const uint32_t len = s.value.inlined.length;
  return {len <= 12 ? s.value.inlined.inlined : s.value.pointer.ptr, len, false};
}

}  // namespace stay::duck
