// Reads a scan's result chunk by chunk through DuckDB's C API (see scan.h).
#include "scan.h"

#include "record-rules.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace stay {

void ChunkSet::destroyChunks() {
  if (const duck::Api* a = duck::api())
    for (duck::chunk& c : chunks) a->destroyChunk(&c);
  chunks.clear();
  blocks.clear();
  segments.clear();
}

using duck::Text;
using duck::textAt;

void takeOther(Scan& j, int32_t code, int32_t sub, double t, int32_t ev, const char* text, size_t len) {
  if (code == ROAMING_CODE) {
    auto [at, added] = j.plmnIndex.try_emplace(std::string(text, len), int32_t(j.plmns.size()));
    if (added) j.plmns.push_back(at->first);
    j.roamSub.push_back(sub);
    j.roamT.push_back(t);
    j.roamEv.push_back(ev);
    j.roamPlmn.push_back(at->second);
    return;
  }
  j.rejected[-code]++;
  auto& kept = j.samples[-code];
  // Most texts of a flood of rejects are not among the first: told by their first units.
  if (kept.size() >= j.samplesPerReason && j.samplesPerReason > 0) {
    const std::u16string head = utf16(text, len, 8);
    if (kept.back().compare(0, head.size(), head) < 0) return;
  }
  offerSample(kept, j.samplesPerReason, utf16(text, len, SAMPLE_TEXT_MAX));
}

namespace {


/** One chunk of rawScanSql's result (msisdn, ts, t, cell_id, plmn, event VARCHAR but t DOUBLE, and `counted` BOOLEAN in a daily run), as decideRows reads it. */
struct ChunkRows {
  const duck::string_t* str[6];
  const uint64_t* valid[6];
  const double* tv;
  const bool* countedData = nullptr;
  const uint64_t* countedValid = nullptr;

  ChunkRows(const Scan& j, duck::chunk c) {
    const duck::Api& a = *duck::api();
    for (int k = 0; k < 6; k++) {
      duck::vector v = a.chunkVector(c, k);
      str[k] = static_cast<const duck::string_t*>(a.vectorData(v));
      valid[k] = a.vectorValidity(v);
    }
    tv = reinterpret_cast<const double*>(str[2]);
    if (j.hasCounted) {
      duck::vector v = a.chunkVector(c, 6);
      countedData = static_cast<const bool*>(a.vectorData(v));
      countedValid = a.vectorValidity(v);
    }
  }
  Text msisdn(size_t i) const { return textAt(str[0], valid[0], i); }
  Text ts(size_t i) const { return textAt(str[1], valid[1], i); }
  Text cell(size_t i) const { return textAt(str[3], valid[3], i); }
  Text plmn(size_t i) const { return textAt(str[4], valid[4], i); }
  Text event(size_t i) const { return textAt(str[5], valid[5], i); }
  bool tNull(size_t i) const { return valid[2] && !(valid[2][i / 64] >> (i % 64) & 1); }
  double t(size_t i) const { return tv[i]; }
  bool countedNull(size_t i) const { return countedValid && !(countedValid[i / 64] >> (i % 64) & 1); }
  bool counted(size_t i) const { return countedData[i]; }
};

}  // namespace

void scanChunks(Scan& j) {
  const duck::Api& a = *duck::api();
  ChunkSet& set = *j.set;
  for (;;) {
    duck::chunk c = a.fetchChunk(*j.result);
    if (!c) break;
    const duck::idx_t n = a.chunkSize(c);
    if (n == 0) {
      a.destroyChunk(&c);
      break;
    }
    if (j.raw) {
      // Decoded into the scan's own columns: DuckDB frees the chunk (and its text) at once.
      try {
        decideRows(j, ChunkRows(j, c), n);
      } catch (...) {
        a.destroyChunk(&c);
        throw;
      }
      a.destroyChunk(&c);
      continue;
    }
    set.chunks.push_back(c);
    Segment g{static_cast<const int32_t*>(a.vectorData(a.chunkVector(c, 0))),
              static_cast<const double*>(a.vectorData(a.chunkVector(c, 1))),
              static_cast<const int32_t*>(a.vectorData(a.chunkVector(c, 2))),
              static_cast<const int32_t*>(a.vectorData(a.chunkVector(c, 3))),
              int64_t(n),
              false};
    for (duck::idx_t i = 0; i < n; i++) {
      const int32_t code = g.place[i];
      if (code >= 0) {
        // Checked here, not trusted: a record's subscriber and cell index the engine's tables.
        if (g.sub[i] < 0 || g.sub[i] >= set.subscriberCount || code >= set.cells) {
          j.error = "a record's subscriber or cell is out of range";
          return;
        }
        continue;
      }
      g.filtered = true;
      if (code == OUTSIDE_CODE) {
        j.outside++;
        continue;
      }
      if (code != ROAMING_CODE && (code < -REJECT_REASONS)) {
        j.error = "a record's reason is unknown";
        return;
      }
      // The text column: a roaming record's PLMN, a rejected record's line.
      duck::vector extra = a.chunkVector(c, 4);
      const Text text = textAt(static_cast<const duck::string_t*>(a.vectorData(extra)), a.vectorValidity(extra), i);
      takeOther(j, code, g.sub[i], g.t[i], g.ev[i], text.p, text.n);
    }
    j.rows += int64_t(n);
    set.segments.push_back(g);
  }
  // The reading order: chunks by their first record's time (DuckDB hands a parallel scan's
  // chunks over in no fixed order; so read, a subscriber's records rarely need sorting).
  std::stable_sort(set.segments.begin(), set.segments.end(),
                   [](const Segment& x, const Segment& y) { return x.t[0] < y.t[0]; });
}

void mergeScan(Scan& into, Scan& part) {
  into.rows += part.rows;
  into.outside += part.outside;
  for (int r = 0; r <= REJECT_REASONS; r++) {
    into.rejected[r] += part.rejected[r];
    for (std::u16string& text : part.samples[r]) offerSample(into.samples[r], into.samplesPerReason, std::move(text));
  }
  for (size_t i = 0; i < part.roamSub.size(); i++) {
    const std::string& plmn = part.plmns[size_t(part.roamPlmn[i])];
    auto [at, added] = into.plmnIndex.try_emplace(plmn, int32_t(into.plmns.size()));
    if (added) into.plmns.push_back(plmn);
    into.roamSub.push_back(part.roamSub[i]);
    into.roamT.push_back(part.roamT[i]);
    into.roamEv.push_back(part.roamEv[i]);
    into.roamPlmn.push_back(at->second);
  }
  for (auto& b : part.set->blocks) into.set->blocks.push_back(std::move(b));
  for (const Segment& g : part.set->segments) into.set->segments.push_back(g);
  part.set->blocks.clear();
  part.set->segments.clear();
}

}  // namespace stay
