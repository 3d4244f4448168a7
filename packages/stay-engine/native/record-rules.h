// The raw scan's rules for one batch of records, whatever read them (DuckDB's
// chunks of rawScanSql, or the native CSV reader): each record's subscriber and
// cell found in the registries and its reason decided exactly as scanSql's joins
// and CASE did, into the scan's own columns; the event becomes a hash (only
// compared for equality: exact duplicates). The rejected records' texts are
// scanSql's concat_ws of the fields.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "scan.h"

namespace stay {

/**
 * Rows that know each record's subscriber and cell index and its event's hash already
 * (found once per distinct value, as in a Parquet dictionary): subIndex(i), cellIndex(i)
 * and eventHash(i) give what decideRows would find by the record's texts.
 */
template <class R, class = void>
struct LooksUp : std::false_type {};
template <class R>
struct LooksUp<R, std::void_t<decltype(std::declval<const R&>().subIndex(size_t(0)))>> : std::true_type {};

/** A rejected or roaming record (code below 0, not OUTSIDE_CODE): counted and sampled, or listed. */
void takeOther(Scan& j, int32_t code, int32_t sub, double t, int32_t ev, const char* text, size_t len);

/**
 * Decides `n` records of `rows`, which gives each record's fields as duck::Text (msisdn, ts,
 * cell, plmn, event), its time (tNull, t: the parsed time as DuckDB gave it, NaN included) and,
 * in a daily run, its file's `counted` flag (countedNull, counted). Appends them to the scan's
 * records as one segment.
 */
/** A record's event as the scan keeps it: a hash, only ever compared for equality (exact duplicates). */
inline int32_t eventHash(const char* p, size_t n) { return int32_t(KeyTable::hash(p, n) % 1000000007ULL); }

template <class Rows>
void decideRows(Scan& j, const Rows& rows, size_t n) {
  using duck::Text;
  ChunkSet::Block b{std::make_unique<int32_t[]>(n), std::make_unique<int32_t[]>(n), std::make_unique<int32_t[]>(n),
                    std::make_unique<double[]>(n)};
  const KeyTable& subs = j.subTable();
  const KeyTable& cells = j.cellTable();
  const double validFrom = std::max(j.lo, j.plausibleLo), validTo = std::min(j.hi, j.plausibleHi);
  constexpr double INF = std::numeric_limits<double>::infinity();
  bool filtered = false;
  std::string line;
  constexpr bool looked = LooksUp<Rows>::value;
  // The keys' hashes first, their slots fetched meanwhile: the lookups then rarely wait on memory.
  if constexpr (!looked) {
    j.subHash.resize(n);
    j.cellHash.resize(n);
    for (size_t i = 0; i < n; i++) {
      const Text m = rows.msisdn(i);
      const Text cell = rows.cell(i);
      j.subHash[i] = subs.keyHash(m.p, m.n);
      j.cellHash[i] = cells.keyHash(cell.p, cell.n);
      subs.prefetch(j.subHash[i]);
      cells.prefetch(j.cellHash[i]);
    }
  }
  for (size_t i = 0; i < n; i++) {
    const bool tNull = rows.tNull(i);
    const double tv = rows.t(i);
    // DuckDB orders NaN above every number.
    const double t = tNull ? 0 : std::isnan(tv) ? INF : tv;
    if constexpr (looked) {
      // Nearly every record is valid (the first case below): kept without reading its texts,
      // which only the others need.
      const int32_t s = rows.subIndex(i), cx = rows.cellIndex(i);
      if (s >= 0 && cx >= 0 && !tNull && t >= validFrom && t < validTo) {
        b.sub[i] = s;
        b.t[i] = tv;
        b.place[i] = cx;
        b.ev[i] = rows.eventHash(i);
        continue;
      }
    }
    const Text m = rows.msisdn(i);
    const Text cell = rows.cell(i);
    int32_t s, cx;
    if constexpr (looked) {
      s = rows.subIndex(i);
      cx = rows.cellIndex(i);
    } else {
      s = m.null ? -1 : subs.find(j.subHash[i], m.p, m.n);
      cx = cell.null ? -1 : cells.find(j.cellHash[i], cell.p, cell.n);
    }
    int32_t code;
    if (s >= 0 && cx >= 0 && !tNull && t >= validFrom && t < validTo) code = cx;
    else if (j.hasCounted && (tNull || t < j.lo || t >= j.hi) &&
             ((!rows.countedNull(i) && !rows.counted(i)) || (!tNull && t >= j.plausibleLo && t < j.plausibleHi)))
      code = OUTSIDE_CODE;
    else if (s < 0 && (m.null || !KeyTable::number(m.p, m.n))) code = -1;
    else if (tNull) code = -2;
    else if (t < j.plausibleLo || t >= j.plausibleHi) code = -3;
    else if (t < j.lo || t >= j.hi) code = OUTSIDE_CODE;
    else if (s < 0) code = -4;
    else if (cell.n > 0) code = cx < 0 ? -5 : cx;
    else code = rows.plmn(i).n == 0 ? -6 : ROAMING_CODE;
    const double tOut = tNull ? -1 : tv;
    b.sub[i] = s;
    b.t[i] = tOut;
    b.place[i] = code;
    b.ev[i] = 0;
    if (code >= 0 || code == ROAMING_CODE) {
      if constexpr (looked) {
        b.ev[i] = rows.eventHash(i);
      } else {
        const Text e = rows.event(i);
        b.ev[i] = eventHash(e.p, e.n);
      }
    }
    if (code >= 0) continue;
    filtered = true;
    if (code == OUTSIDE_CODE) {
      j.outside++;
      continue;
    }
    if (code == ROAMING_CODE) {
      const Text plmn = rows.plmn(i);
      takeOther(j, code, s, tOut, b.ev[i], plmn.p, plmn.n);
      continue;
    }
    // concat_ws(',', msisdn, COALESCE(ts, CAST(t AS BIGINT)::VARCHAR, ''), cell_id, plmn, event).
    const Text ts = rows.ts(i);
    line.assign(m.p, m.n).push_back(',');
    if (!ts.null) line.append(ts.p, ts.n);
    else if (!tNull && std::isfinite(tv) && std::fabs(tv) < 9.2e18)
      line.append(std::to_string(static_cast<long long>(std::nearbyint(tv))));
    line.push_back(',');
    line.append(cell.p, cell.n).push_back(',');
    const Text plmn = rows.plmn(i);
    line.append(plmn.p, plmn.n).push_back(',');
    const Text e = rows.event(i);
    line.append(e.p, e.n);
    takeOther(j, code, s, tOut, 0, line.data(), line.size());
  }
  j.rows += int64_t(n);
  j.set->segments.push_back({b.sub.get(), b.t.get(), b.place.get(), b.ev.get(), int64_t(n), filtered});
  j.set->blocks.push_back(std::move(b));
}

}  // namespace stay
