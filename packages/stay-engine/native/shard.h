// A shard's records grouped by subscriber and run through the engine, days in a
// row, on several threads: the pipeline's processShard (shard-processor.ts),
// with the carries into and out of a daily run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine.h"

namespace stay {

/**
 * A piece of a shard's records in reading order: columns of `n` records. A DuckDB chunk
 * (see ChunkSet) is `filtered`: its records with a negative place are the scan's rejected
 * and roaming ones, which are not records of the shard (the kept roaming ones come again,
 * with their country as the place, in the columns of the run).
 */
struct Segment {
  const int32_t* sub;
  const double* t;
  const int32_t* place;
  const int32_t* ev;
  int64_t n;
  bool filtered;
};

/** One subscriber's answers, days in a row: a thread's part of the shard. */
struct PartOut {
  std::vector<int32_t> subs;
  std::vector<int32_t> dayFlags;  // per subscriber: bit d set when day d had a record
  std::vector<int32_t> cityCount, countryCount;  // per (subscriber, day)
  std::vector<int32_t> cities, countries;
  int64_t duplicates = 0;
  /** Subscribers with records (the others were run for their carry only). */
  int64_t withRecords = 0;
  /** With carries wanted: the carry out of each subscriber that has one, in the order of `subs`. */
  CarryColumns carries;
};

/** The carries into a run, by subscriber (`of`: index into `list`, or -1), and whether carries come out. */
struct Carries {
  std::vector<Carry> list;
  std::vector<int32_t> of;
  bool out = false;
  /** Carries in or out: no subscriber is answered without decoding (runDaysOneCity makes no carry). */
  bool any() const { return out || !list.empty(); }
};

/** What a run of a shard needs besides its records (runShard's options, checked by the caller). */
struct ShardOptions {
  Model model{};
  Params params{};
  int subscriberCount = 0;
  double firstDayStart = 0;
  int dayCount = 0;
  int threads = 1;
  Carries carries;
};

/**
 * Runs every subscriber of the records `in` (in reading order) with records or a carry in;
 * `scattered` is called once the records have been read into the run's own buckets (their
 * memory may go then).
 */
PartOut runShard(const std::vector<Segment>& in, const ShardOptions& o, const std::function<void()>& scattered);

/**
 * The carries into a run from their columns (CarryColumns), checked: subscribers in range and
 * each once, cells in range, no more cities, cells or seen cities than the engine keeps. An
 * empty string when they are good, else what is wrong.
 */
std::string readCarries(const int32_t* ints, size_t ni, const double* floats, size_t nf, int subscriberCount,
                        int64_t cells, Carries& out);

}  // namespace stay
