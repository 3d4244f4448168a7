// Reads a scan's result chunk by chunk through DuckDB's C API (see scan.h).
#include "scan.h"

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

namespace {

using duck::Text;
using duck::textAt;

/** A rejected or roaming record (code below 0, not OUTSIDE_CODE): counted and sampled, or listed. */
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


/**
 * One chunk of rawScanSql's result (msisdn, ts, t, cell_id, plmn, event VARCHAR but t
 * DOUBLE, and `counted` BOOLEAN in a daily run): each record's subscriber and cell found
 * in the registries and its reason decided exactly as scanSql's joins and CASE did, into
 * the scan's own columns; the event becomes a hash (only compared for equality: exact
 * duplicates). The rejected records' texts are scanSql's concat_ws of the fields.
 */
void decodeRaw(Scan& j, duck::chunk c, duck::idx_t n) {
  const duck::Api& a = *duck::api();
  const duck::string_t* str[6];
  const uint64_t* valid[6];
  for (int k = 0; k < 6; k++) {
    duck::vector v = a.chunkVector(c, k);
    str[k] = static_cast<const duck::string_t*>(a.vectorData(v));
    valid[k] = a.vectorValidity(v);
  }
  const double* tv = reinterpret_cast<const double*>(str[2]);
  const bool* counted = nullptr;
  const uint64_t* countedValid = nullptr;
  if (j.hasCounted) {
    duck::vector v = a.chunkVector(c, 6);
    counted = static_cast<const bool*>(a.vectorData(v));
    countedValid = a.vectorValidity(v);
  }
  ChunkSet::Block b{std::make_unique<int32_t[]>(n), std::make_unique<int32_t[]>(n), std::make_unique<int32_t[]>(n),
                    std::make_unique<double[]>(n)};
  const double validFrom = std::max(j.lo, j.plausibleLo), validTo = std::min(j.hi, j.plausibleHi);
  constexpr double INF = std::numeric_limits<double>::infinity();
  bool filtered = false;
  std::string line;
  // The keys' hashes first, their slots fetched meanwhile: the lookups then rarely wait on memory.
  j.subHash.resize(n);
  j.cellHash.resize(n);
  for (duck::idx_t i = 0; i < n; i++) {
    const Text m = textAt(str[0], valid[0], i);
    const Text cell = textAt(str[3], valid[3], i);
    j.subHash[i] = j.subs.keyHash(m.p, m.n);
    j.cellHash[i] = j.cells.keyHash(cell.p, cell.n);
    j.subs.prefetch(j.subHash[i]);
    j.cells.prefetch(j.cellHash[i]);
  }
  for (duck::idx_t i = 0; i < n; i++) {
    const Text m = textAt(str[0], valid[0], i);
    const Text cell = textAt(str[3], valid[3], i);
    const bool tNull = valid[2] && !(valid[2][i / 64] >> (i % 64) & 1);
    // DuckDB orders NaN above every number.
    const double t = tNull ? 0 : std::isnan(tv[i]) ? INF : tv[i];
    const int32_t s = m.null ? -1 : j.subs.find(j.subHash[i], m.p, m.n);
    const int32_t cx = cell.null ? -1 : j.cells.find(j.cellHash[i], cell.p, cell.n);
    int32_t code;
    if (s >= 0 && cx >= 0 && !tNull && t >= validFrom && t < validTo) code = cx;
    else if (j.hasCounted && (tNull || t < j.lo || t >= j.hi) &&
             (!(countedValid && !(countedValid[i / 64] >> (i % 64) & 1)) && !counted[i] ||
              (!tNull && t >= j.plausibleLo && t < j.plausibleHi)))
      code = OUTSIDE_CODE;
    else if (s < 0 && (m.null || !KeyTable::number(m.p, m.n))) code = -1;
    else if (tNull) code = -2;
    else if (t < j.plausibleLo || t >= j.plausibleHi) code = -3;
    else if (t < j.lo || t >= j.hi) code = OUTSIDE_CODE;
    else if (s < 0) code = -4;
    else if (cell.n > 0) code = cx < 0 ? -5 : cx;
    else {
      const Text plmn = textAt(str[4], valid[4], i);
      code = plmn.n == 0 ? -6 : ROAMING_CODE;
    }
    const double tOut = tNull ? -1 : tv[i];
    b.sub[i] = s;
    b.t[i] = tOut;
    b.place[i] = code;
    b.ev[i] = 0;
    if (code >= 0 || code == ROAMING_CODE) {
      const Text e = textAt(str[5], valid[5], i);
      b.ev[i] = int32_t(KeyTable::hash(e.p, e.n) % 1000000007ULL);
    }
    if (code >= 0) continue;
    filtered = true;
    if (code == OUTSIDE_CODE) {
      j.outside++;
      continue;
    }
    if (code == ROAMING_CODE) {
      const Text plmn = textAt(str[4], valid[4], i);
      takeOther(j, code, s, tOut, b.ev[i], plmn.p, plmn.n);
      continue;
    }
    // concat_ws(',', msisdn, COALESCE(ts, CAST(t AS BIGINT)::VARCHAR, ''), cell_id, plmn, event).
    const Text ts = textAt(str[1], valid[1], i);
    line.assign(m.p, m.n).push_back(',');
    if (!ts.null) line.append(ts.p, ts.n);
    else if (!tNull && std::isfinite(tv[i]) && std::fabs(tv[i]) < 9.2e18)
      line.append(std::to_string(static_cast<long long>(std::nearbyint(tv[i]))));
    line.push_back(',');
    line.append(cell.p, cell.n).push_back(',');
    const Text plmn = textAt(str[4], valid[4], i);
    line.append(plmn.p, plmn.n).push_back(',');
    const Text e = textAt(str[5], valid[5], i);
    line.append(e.p, e.n);
    takeOther(j, code, s, tOut, 0, line.data(), line.size());
  }
  j.rows += int64_t(n);
  j.set->segments.push_back({b.sub.get(), b.t.get(), b.place.get(), b.ev.get(), int64_t(n), filtered});
  j.set->blocks.push_back(std::move(b));
}

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
        decodeRaw(j, c, n);
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

}  // namespace stay
