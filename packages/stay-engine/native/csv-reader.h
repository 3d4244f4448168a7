// The signaling CSV files of DATA.md (plain or gzip) read natively, on threads,
// into a raw scan: what DuckDB's read_csv would give rawScanSql, decided by the
// same rules (record-rules.h). A file with anything this reader does not read
// exactly as DuckDB does (quotes, control or non-ASCII bytes, an empty line, a
// time that only DuckDB's parser can decide, a gzip stream it cannot inflate) is
// declined whole, and the pipeline has DuckDB read it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "scan.h"

namespace stay {

/** One signaling CSV file: its path, whether gzip, its header's column count and where the five columns are. */
struct CsvInput {
  std::string path;
  bool gz = false;
  int fields = 0;
  /** The columns msisdn, ts, cell_id, plmn, event: their index in a line, or -1 (NULL, as rawScanSql's). */
  int col[5] = {-1, -1, -1, -1, -1};
  /**
   * A daily run's file: 1 when its lines without a valid time are this run's to count (its
   * home day), 0 when another run counts them (they are outside this run, as rawScanSql's
   * `counted`); -1 in compute, which has no such flag.
   */
  int counted = -1;
};

/** A line DuckDB would reject as malformed: its number (the header is line 1) and the quarantine's text. */
struct MalformedLine {
  int64_t line;
  std::string text;
};

/** What the reader made of one file. */
struct CsvOutcome {
  /** Not read here (its records are not in the scan): why, for the logs. */
  bool declined = false;
  std::string why;
  int64_t malformed = 0;
  /** The first `samplesPerReason` malformed lines, in line order. */
  std::vector<MalformedLine> samples;
};

/**
 * Reads the files on up to `threads` threads, each file whole into the scan `j` (its rules,
 * its chunk set) unless declined; `out` gets each file's outcome, in the order of `files`.
 */
void readCsvFiles(Scan& j, const std::vector<CsvInput>& files, int threads, std::vector<CsvOutcome>& out);

/**
 * A file's records per Beijing day (the pipeline's file index): day number (days since
 * 1970-01-01 of Beijing time) -> records with a time on that day, and the sum (mod 2^64) of
 * their hashes (msisdn, time, cell_id, plmn, event). Records without a time, or with one
 * outside +-1e15 ms, are in no day; malformed lines are in none either (as DuckDB's
 * read_csv with ignore_errors leaves them out).
 */
using CsvDays = std::map<int64_t, std::pair<int64_t, uint64_t>>;

/**
 * Reads the files on up to `threads` threads for the file index only (no registry, no
 * record kept): `out` gets each file's outcome (declined as readCsvFiles would decline
 * it: DuckDB then indexes it) and `days` its days, in the order of `files`.
 */
void indexCsvFiles(const std::vector<CsvInput>& files, int threads, std::vector<CsvOutcome>& out,
                   std::vector<CsvDays>& days);

/**
 * Which files read for the index a daily run keeps as read (indexAndReadCsvFiles): those
 * whose home day by their records, the last of their days in [firstDay, lastDay] and not
 * after latestDay (the pipeline's homeDay), is keepDay (day numbers as CsvDays').
 */
struct HomeRule {
  int64_t keepDay = 0, latestDay = 0, firstDay = 0, lastDay = 0;
};

/**
 * Both in one pass over each file: its days for the index (as indexCsvFiles) and, read with
 * `counted` 1 by `j`'s rules, its records, kept in `j` (as readCsvFiles) only for the files
 * whose home day is the rule's (`kept` 1; the others' records are let go as read). A file
 * declined is declined for both. `out` and `days` as indexCsvFiles', in the order of `files`.
 */
void indexAndReadCsvFiles(Scan& j, const std::vector<CsvInput>& files, int threads, const HomeRule& rule,
                          std::vector<CsvOutcome>& out, std::vector<CsvDays>& days, std::vector<int32_t>& kept);

}  // namespace stay
