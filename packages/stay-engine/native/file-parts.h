// Work on threads (onThreads), and files read natively into one raw scan, a file
// per thread: each file into a part of its own (the scan's rules and registry
// tables, a chunk set of its own), the parts of the files read merged into the
// scan in file order at the end.
#pragma once

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scan.h"

namespace stay {

/** Runs `work(k)` for k in [0, n) on up to `threads` threads; rethrows the last failure. */
template <class Work>
void onThreads(size_t n, int threads, Work work) {
  std::atomic<size_t> next{0};
  std::mutex failed;
  std::string error;
  auto loop = [&] {
    for (size_t k; (k = next.fetch_add(1)) < n;) {
      try {
        work(k);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(failed);
        error = e.what();
      }
    }
  };
  const int m = std::max(1, std::min(threads, int(n)));
  std::vector<std::thread> pool;
  for (int k = 1; k < m; k++) pool.emplace_back(loop);
  loop();
  for (auto& th : pool) th.join();
  if (!error.empty()) throw std::runtime_error(error);
}

/**
 * Reads `nf` files on up to `threads` threads: `readOne(k, part)` reads file k into `part`
 * and says whether it read it (false: declined, and `part` is dropped). The parts read are
 * merged into `j`, whose segments are then ordered by their first record's time, as
 * scanChunks orders DuckDB's chunks.
 */
/** A part of the raw scan `j` (its rules and registry tables) whose records go to `set`. */
inline std::unique_ptr<Scan> scanPart(const Scan& j, ChunkSet* set) {
  auto part = std::make_unique<Scan>();
  part->set = set;
  part->samplesPerReason = j.samplesPerReason;
  part->raw = true;
  part->tablesOf = &j;
  part->lo = j.lo;
  part->hi = j.hi;
  part->plausibleLo = j.plausibleLo;
  part->plausibleHi = j.plausibleHi;
  return part;
}

/** The scan's segments in reading order: by their first record's time, as scanChunks orders DuckDB's chunks. */
inline void orderSegments(Scan& j) {
  std::stable_sort(j.set->segments.begin(), j.set->segments.end(),
                   [](const Segment& x, const Segment& y) { return x.t[0] < y.t[0]; });
}

template <class ReadOne>
void readFileParts(Scan& j, size_t nf, int threads, ReadOne readOne) {
  std::vector<std::unique_ptr<Scan>> parts(nf);
  std::vector<std::unique_ptr<ChunkSet>> sets(nf);
  onThreads(nf, threads, [&](size_t k) {
    sets[k] = std::make_unique<ChunkSet>();
    auto part = scanPart(j, sets[k].get());
    if (readOne(k, *part)) parts[k] = std::move(part);
    else sets[k].reset();
  });
  for (size_t k = 0; k < nf; k++)
    if (parts[k]) mergeScan(j, *parts[k]);
  orderSegments(j);
}

}  // namespace stay
