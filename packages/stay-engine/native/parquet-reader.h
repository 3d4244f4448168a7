// Signaling Parquet files read natively, on threads, into a raw scan: what
// DuckDB's read_parquet would give rawScanSql, decided by the same rules
// (record-rules.h), each distinct text of a dictionary looked up once. A file with
// anything this reader does not read exactly as DuckDB does (a codec other than
// none or Snappy, an encoding other than plain or dictionary, a column of another
// type, nested columns, a non-ASCII text, a time before 1970 or past 9999) is
// declined whole, and the pipeline has DuckDB read it.
#pragma once

#include <string>
#include <vector>

#include "scan.h"

namespace stay {

/** What the reader made of one file. */
struct ParquetOutcome {
  /** Not read here (its records are not in the scan): why, for the logs and tests. */
  bool declined = false;
  std::string why;
};

/**
 * Reads the files on up to `threads` threads, each file whole into the scan `j` (its rules,
 * its chunk set) unless declined; `out` gets each file's outcome, in the order of `paths`.
 */
void readParquetFiles(Scan& j, const std::vector<std::string>& paths, int threads, std::vector<ParquetOutcome>& out);

}  // namespace stay
