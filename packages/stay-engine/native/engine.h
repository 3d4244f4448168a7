// The stay engine of stay-engine.ts in C++: one subscriber's records, days in a
// row, to the cities of qualifying stays and the countries with a roaming
// record, with the carry from one day to the next. The same decisions, in the
// same order, on the same doubles as the TypeScript engine (built with
// -ffp-contract=off), so its answers and carries are identical to the last bit
// (property-tested in the pipeline's native-shard.test.ts).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace stay {

constexpr int ABROAD = -1;
constexpr int NONE = -2;
constexpr int UNDECIDED = -3;
constexpr double DAY_MS = 86400000.0;
constexpr double DWELL_CAP_MS = 2 * 3600000.0;
constexpr double KM_PER_DEG_LAT = 110.574;
constexpr int EP_MAX = 64;
// stay-engine.ts's MEM_MAX, LEARN_MAX, BOUNCE_MS, LEARN_BOUNCES.
constexpr int MEM_MAX = 8;
constexpr int LEARN_MAX = 8;
constexpr double BOUNCE_MS = 2 * 3600000.0;
constexpr int LEARN_BOUNCES = 2;
// stay-engine.ts's SEEN_MAX and NEED_UNSEEN.
constexpr int SEEN_MAX = 16;
constexpr int SEEN_RECORDS = 24;
constexpr double NEED_UNSEEN = 0.8;

struct Params {
  double minStayMs, crossCoverLog, switchLog, edgeCapMs;
  int carryMaxEvents;
  double stationaryKm, decisiveK, undecidedJoinLog;
};

struct Model {
  const int32_t* cellCity;
  const int32_t* coverCities;
  const double* cellX;
  const double* cellY;
  const double* kmPerDegLon;
  int maxCover;
};

struct Carry {
  std::vector<double> t;
  std::vector<int32_t> place;
  int state = NONE;
  double runStart = 0;
  int epStart = -1;
  int epAnchor = -1;
  std::vector<int32_t> epCities;
  std::vector<double> epCounts;
  // The subscriber's memory (stay-engine.ts Carry.memCities ... seenCounts), in a carry into or
  // out of a run only: between the days of a run it lives in the engine.
  std::vector<int32_t> memCities;
  std::vector<double> memCounts;
  std::vector<int32_t> learnCells, learnCities, learnCounts;
  /** Every city counts as seen (Carry.seenCities = [SEEN_ALL]). */
  bool seenAll = false;
  std::vector<int32_t> seenCities, seenCounts;
};

/**
 * Carries as flat columns, in and out of a run (native-shard.ts writes and reads them): per
 * carry, ints sub, state, epStart, epAnchor, then the lengths of t, epCities, memCities,
 * learnCells and seenCities (-1: every city seen), then place, epCities, memCities,
 * learnCells, learnCities, learnCounts, seenCities, seenCounts; floats runStart, t,
 * epCounts, memCounts.
 */
struct CarryColumns {
  std::vector<int32_t> ints;
  std::vector<double> floats;

  void write(int sub, const Carry& c) {
    const int ns = c.seenAll ? -1 : int(c.seenCities.size());
    ints.insert(ints.end(), {int32_t(sub), int32_t(c.state), int32_t(c.epStart), int32_t(c.epAnchor),
                             int32_t(c.t.size()), int32_t(c.epCities.size()), int32_t(c.memCities.size()),
                             int32_t(c.learnCells.size()), int32_t(ns)});
    for (const auto* v : {&c.place, &c.epCities, &c.memCities, &c.learnCells, &c.learnCities, &c.learnCounts})
      ints.insert(ints.end(), v->begin(), v->end());
    if (!c.seenAll) {
      ints.insert(ints.end(), c.seenCities.begin(), c.seenCities.end());
      ints.insert(ints.end(), c.seenCounts.begin(), c.seenCounts.end());
    }
    floats.push_back(c.runStart);
    for (const auto* v : {&c.t, &c.epCounts, &c.memCounts}) floats.insert(floats.end(), v->begin(), v->end());
  }
};

/** One day's answer: cities with a qualifying stay, countries with a roaming record. */
struct DayOut {
  std::vector<int32_t> cities;
  std::vector<int32_t> countries;
  bool hadRecord = false;
};

inline void pushUnique(std::vector<int32_t>& v, int32_t x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

class Engine {
 public:
  Engine(const Model& model, const Params& params) : m(model), p(params), K(1 + model.maxCover) {}

  /**
   * StayEngine.runDays. Returns the carry at the end of the last day (null without records or a
   * carry in), whose memory (contested time, learnt cells, cities seen) is the engine's: see carryOut.
   */
  const Carry* runDays(const double* t, const int32_t* place, int from, int to, double firstDayStart, int dayCount,
                       std::vector<DayOut>& out, const Carry* carryIn = nullptr) {
    const Carry* carry = carryIn;
    // The subscriber's memory comes from the carry in; a TypeScript carry holds it between days,
    // this engine keeps it (runDay of a day without records leaves it, as it leaves the carry).
    memN = 0;
    lrnN = 0;
    seenN = 0;
    if (carryIn) {
      memN = int(carryIn->memCities.size());
      std::copy(carryIn->memCities.begin(), carryIn->memCities.end(), memC);
      std::copy(carryIn->memCounts.begin(), carryIn->memCounts.end(), memW);
      lrnN = int(carryIn->learnCells.size());
      std::copy(carryIn->learnCells.begin(), carryIn->learnCells.end(), lrnP);
      std::copy(carryIn->learnCities.begin(), carryIn->learnCities.end(), lrnC);
      std::copy(carryIn->learnCounts.begin(), carryIn->learnCounts.end(), lrnK);
      if (carryIn->seenAll) seenN = SEEN_MAX + 1;
      else {
        seenN = int(carryIn->seenCities.size());
        std::copy(carryIn->seenCities.begin(), carryIn->seenCities.end(), seenC);
        std::copy(carryIn->seenCounts.begin(), carryIn->seenCounts.end(), seenK);
      }
    }
    int i = from;
    for (int d = 0; d < dayCount; d++) {
      const double dayStart = firstDayStart + d * DAY_MS;
      const double dayEnd = dayStart + DAY_MS;
      while (i < to && t[i] < dayStart) i++;
      int j = i;
      while (j < to && t[j] < dayEnd) j++;
      carry = runDay(t, place, i, j, dayStart, dayEnd, carry, out[d]);
      i = j;
    }
    return carry;
  }

  /** The carry out of the last runDays (`last`, its return) with the engine's memory, as columns. */
  void carryOut(int sub, const Carry& last, CarryColumns& into) {
    Carry& c = outCarry;
    c.t = last.t;
    c.place = last.place;
    c.state = last.state;
    c.runStart = last.runStart;
    c.epStart = last.epStart;
    c.epAnchor = last.epAnchor;
    c.epCities = last.epCities;
    c.epCounts = last.epCounts;
    c.memCities.assign(memC, memC + memN);
    c.memCounts.assign(memW, memW + memN);
    c.learnCells.assign(lrnP, lrnP + lrnN);
    c.learnCities.assign(lrnC, lrnC + lrnN);
    c.learnCounts.assign(lrnK, lrnK + lrnN);
    c.seenAll = seenN > SEEN_MAX;
    c.seenCities.assign(seenC, seenC + (c.seenAll ? 0 : seenN));
    c.seenCounts.assign(seenK, seenK + (c.seenAll ? 0 : seenN));
    into.write(sub, c);
  }

  /** StayEngine.runDaysOneCity. */
  bool runDaysOneCity(const double* t, const int32_t* place, int from, int to, double firstDayStart, int dayCount,
                      std::vector<DayOut>& out) {
    if (p.crossCoverLog > 0 || p.switchLog > 0) return false;
    const double lastEnd = firstDayStart + dayCount * DAY_MS;
    int i = from;
    while (i < to && t[i] < firstDayStart) i++;
    const int begin = i;
    int end = i;
    while (end < to && t[end] < lastEnd) end++;
    const int city = begin < end && place[begin] >= 0 ? m.cellCity[place[begin]] : -1;
    for (int k = begin; k < end; k++) {
      const int q = place[k];
      if (q < 0 || m.cellCity[q] != city) return false;
    }
    const double runStart = begin < end ? t[begin] : 0;
    for (int d = 0; d < dayCount; d++) {
      DayOut& o = out[d];
      o.cities.clear();
      o.countries.clear();
      const double dayStart = firstDayStart + d * DAY_MS;
      const double dayEnd = dayStart + DAY_MS;
      const int first = i;
      while (i < end && t[i] < dayEnd) i++;
      o.hadRecord = i > first;
      if (i == begin) continue;
      const double last = t[i - 1];
      const double stayEnd = last + std::min(std::max(0.0, dayEnd - last) / 2, p.edgeCapMs);
      if (stayEnd > dayStart && std::min(stayEnd, dayEnd) - runStart >= p.minStayMs) o.cities.push_back(city);
    }
    return true;
  }

 private:
  const Model m;
  const Params p;
  const int K;
  size_t cap = 0;
  bool ambiguous = false;
  std::vector<double> et, score, alt;
  std::vector<int32_t> ep, cand, state;
  std::vector<uint8_t> candN;
  std::vector<int8_t> back;
  int32_t epC[EP_MAX];
  double epW[EP_MAX];
  int epN = 0;
  int32_t memC[MEM_MAX];
  double memW[MEM_MAX];
  int memN = 0;
  int32_t lrnP[LEARN_MAX], lrnC[LEARN_MAX], lrnK[LEARN_MAX];
  int lrnN = 0;
  std::vector<int32_t> effCity;
  // Cities seen through interior cells; seenN == SEEN_MAX + 1 when every city counts as seen.
  int32_t seenC[SEEN_MAX], seenK[SEEN_MAX];
  int seenN = 0;
  int openStart = -1, openAnchor = -1;
  // The carried episode's prior counts, while it is the open one (they live in the carry given to runDay).
  const int32_t* openPriorC = nullptr;
  const double* openPriorW = nullptr;
  int openPriorN = 0;
  Carry slots[2];
  int slotAt = 0;
  Carry outCarry;

  void ensure(size_t n) {
    if (n <= cap) return;
    const size_t c = std::max({n, cap * 2, size_t(256)});
    et.resize(c);
    ep.resize(c);
    cand.resize(c * K);
    candN.resize(c);
    score.resize(c * K);
    back.resize(c * K);
    state.resize(c);
    alt.resize(c);
    effCity.resize(c);
    cap = c;
  }

  const Carry* runDay(const double* t, const int32_t* place, int from, int to, double dayStart, double dayEnd,
                      const Carry* carry, DayOut& out) {
    out.cities.clear();
    out.countries.clear();
    out.hadRecord = to > from;
    const int k = carry ? int(carry->t.size()) : 0;
    const int n = k + (to - from);
    if (n == 0) return carry;
    ensure(n);
    if (carry) {
      std::copy(carry->t.begin(), carry->t.end(), et.begin());
      std::copy(carry->place.begin(), carry->place.end(), ep.begin());
    }
    for (int i = from; i < to; i++) {
      et[k + i - from] = t[i];
      const int q = place[i];
      ep[k + i - from] = q;
      if (q < 0) pushUnique(out.countries, -q - 1);
    }
    buildCandidates(n, k);
    stationaryEpisodes(n, carry, dayEnd);
    decode(n, carry ? carry->state : NONE);
    return collectStays(n, dayStart, dayEnd, carry, out);
  }

  bool covers(int q, int c) const {
    const int cb = q * m.maxCover;
    for (int j = 0; j < m.maxCover; j++) {
      const int x = m.coverCities[cb + j];
      if (x < 0) return false;
      if (x == c) return true;
    }
    return false;
  }

  void markSeen(int city) {
    if (seenN > SEEN_MAX) return;
    for (int j = 0; j < seenN; j++) {
      if (seenC[j] == city) {
        seenK[j]++;
        return;
      }
    }
    if (seenN == SEEN_MAX) seenN = SEEN_MAX + 1;
    else {
      seenC[seenN] = city;
      seenK[seenN++] = 1;
    }
  }

  bool seen(int city) const {
    if (seenN > SEEN_MAX) return true;
    for (int j = 0; j < seenN; j++)
      if (seenC[j] == city) return seenK[j] >= SEEN_RECORDS;
    return false;
  }

  int learnt(int q) const {
    for (int j = 0; j < lrnN; j++)
      if (lrnP[j] == q) return lrnK[j] >= LEARN_BOUNCES ? lrnC[j] : -1;
    return -1;
  }

  /** StayEngine.countBounce. */
  void countBounce(int i) {
    const int p0 = ep[i - 2], p1 = ep[i - 1], p2 = ep[i];
    if (p0 < 0 || p1 < 0 || p2 < 0 || et[i] - et[i - 2] > BOUNCE_MS) return;
    const int x = m.cellCity[p0];
    const int y = m.cellCity[p1];
    if (m.cellCity[p2] != x || y == x) return;
    if (covers(p1, x) && !covers(p0, y) && !covers(p2, y)) learn(p1, x);
    else if (covers(p0, y) && covers(p2, y) && !covers(p1, x)) {
      learn(p0, y);
      if (p2 != p0) learn(p2, y);
    }
  }

  /** StayEngine.learn. */
  void learn(int q, int c) {
    int j = 0;
    while (j < lrnN && lrnP[j] != q) j++;
    if (j == lrnN) {
      if (lrnN == LEARN_MAX) return;
      lrnP[j] = q;
      lrnC[j] = c;
      lrnK[j] = 0;
      lrnN++;
    }
    if (lrnC[j] == c) lrnK[j]++;
  }

  void buildCandidates(int n, int k) {
    std::fill(alt.begin(), alt.begin() + n, p.crossCoverLog);
    bool amb = false;
    for (int i = 0; i < n; i++) {
      const int q = ep[i];
      const int base = i * K;
      if (i >= 2 && i >= k) countBounce(i);
      if (q < 0) {
        cand[base] = ABROAD;
        candN[i] = 1;
        effCity[i] = ABROAD;
        continue;
      }
      const int own = m.cellCity[q];
      if (m.coverCities[q * m.maxCover] < 0) markSeen(own);
      const int first = lrnN > 0 ? learnt(q) : -1;
      const int top = first >= 0 ? first : own;
      cand[base] = top;
      effCity[i] = top;
      int c = 1;
      if (first >= 0) cand[base + c++] = own;
      const int cb = q * m.maxCover;
      for (int j = 0; j < m.maxCover; j++) {
        const int city = m.coverCities[cb + j];
        if (city < 0) break;
        if (city != top) cand[base + c++] = city;
      }
      candN[i] = uint8_t(c);
      if (c > 1) amb = true;
    }
    ambiguous = amb;
  }

  double memOf(int city) const {
    for (int j = 0; j < memN; j++)
      if (memC[j] == city) return memW[j];
    return 0;
  }

  void remember() {
    for (int k = 0; k < epN; k++) {
      const int city = epC[k];
      int j = 0;
      while (j < memN && memC[j] != city) j++;
      if (j == memN) {
        if (memN == MEM_MAX) continue;
        memC[j] = city;
        memW[j] = 0;
        memN++;
      }
      memW[j] += epW[k];
    }
  }

  void epAdd(int city, double w) {
    for (int j = 0; j < epN; j++) {
      if (epC[j] == city) {
        epW[j] += w;
        return;
      }
    }
    if (epN < EP_MAX) {
      epC[epN] = city;
      epW[epN++] = w;
    }
  }

  /** StayEngine.joinRemembered. */
  void joinRemembered(int a) {
    const int q = ep[a];
    const int city = epC[0];
    if (q < 0 || effCity[a] != city || memOf(city) == 0) return;
    for (int j = 0; j < memN; j++) {
      const int other = memC[j];
      if (other != city && covers(q, other)) epAdd(other, 0);
    }
  }

  /** StayEngine.settleEpisode. */
  void settleEpisode(int a, int b, bool closed = true) {
    if (epN == 1 && memN > 1) joinRemembered(a);
    if (epN < 2) return;
    int best = 0;
    double bestW = epW[0] + memOf(epC[0]);
    double total = bestW;
    for (int j = 1; j < epN; j++) {
      const double w = epW[j] + memOf(epC[j]);
      total += w;
      if (w > bestW) {
        best = j;
        bestW = w;
      }
    }
    if (closed) remember();
    const double hours = total / 3600000.0;
    double need = std::min(0.9, std::max(0.6, 0.5 + p.decisiveK / std::sqrt(std::max(hours, 1e-3))));
    if (need < NEED_UNSEEN && !seen(epC[best])) {
      for (int j = 0; j < epN; j++) {
        if (j != best && seen(epC[j])) {
          need = NEED_UNSEEN;
          break;
        }
      }
    }
    if (bestW >= need * total) {
      const int city = epC[best];
      for (int i = a; i < b; i++) {
        if (ep[i] < 0) continue;
        cand[i * K] = city;
        candN[i] = 1;
      }
      return;
    }
    const int mm = std::min(epN, K - 1);
    ambiguous = true;
    for (int i = a; i < b; i++) {
      if (ep[i] < 0) continue;
      const int base = i * K;
      cand[base] = UNDECIDED;
      for (int j = 0; j < mm; j++) cand[base + 1 + j] = epC[j];
      candN[i] = uint8_t(1 + mm);
      alt[i] = p.undecidedJoinLog;
    }
  }

  double dwell(int i, int n, double dayEnd) const {
    const double next = i + 1 < n ? et[i + 1] : std::max(dayEnd, et[i]);
    return std::min(next - et[i], DWELL_CAP_MS) + 1;
  }

  void stationaryEpisodes(int n, const Carry* carry, double dayEnd) {
    const double r2 = p.stationaryKm * p.stationaryKm;
    const int resumeAt = carry && carry->epStart >= 0 ? carry->epStart : -1;
    int a = 0;
    int anchor = -1;
    epN = 0;
    const int32_t* priorC = nullptr;
    const double* priorW = nullptr;
    int priorN = 0;
    for (int i = 0; i < n; i++) {
      const int q = ep[i];
      if (i == resumeAt && carry->epAnchor >= 0) {
        if (anchor >= 0) settleEpisode(a, i);
        a = i;
        anchor = carry->epAnchor;
        priorC = carry->epCities.data();
        priorW = carry->epCounts.data();
        priorN = int(carry->epCities.size());
        epN = 0;
        for (int j = 0; j < priorN; j++) epAdd(priorC[j], priorW[j]);
      }
      if (q < 0) {
        if (anchor >= 0) settleEpisode(a, i);
        anchor = -1;
        epN = 0;
        continue;
      }
      if (anchor >= 0) {
        const double dx = (m.cellX[q] - m.cellX[anchor]) * m.kmPerDegLon[anchor];
        const double dy = (m.cellY[q] - m.cellY[anchor]) * KM_PER_DEG_LAT;
        if (dx * dx + dy * dy > r2) {
          settleEpisode(a, i);
          anchor = -1;
        }
      }
      if (anchor < 0) {
        a = i;
        anchor = q;
        priorC = nullptr;
        priorW = nullptr;
        priorN = 0;
        epN = 0;
      }
      epAdd(effCity[i], dwell(i, n, dayEnd));
    }
    if (anchor >= 0) settleEpisode(a, n, false);
    openStart = anchor >= 0 ? a : -1;
    openAnchor = anchor;
    openPriorC = priorC;
    openPriorW = priorW;
    openPriorN = priorN;
  }

  void decode(int n, int priorState) {
    if (!ambiguous) {
      for (int i = 0; i < n; i++) state[i] = cand[i * K];
      return;
    }
    const double sw = p.switchLog;
    for (int i = 0; i < n; i++) {
      const int base = i * K;
      const int mm = candN[i];
      const double cc = alt[i];
      for (int j = 0; j < mm; j++) {
        const int s = cand[base + j];
        const double emit = j == 0 ? 0 : cc;
        if (i == 0) {
          score[base + j] = emit + (priorState == NONE || s == priorState ? 0 : sw);
          back[base + j] = -1;
          continue;
        }
        const int pb = base - K;
        const int pm = candN[i - 1];
        double best = -std::numeric_limits<double>::infinity();
        int arg = 0;
        for (int q = 0; q < pm; q++) {
          const double v = score[pb + q] + (cand[pb + q] == s ? 0 : sw);
          if (v > best) {
            best = v;
            arg = q;
          }
        }
        score[base + j] = best + emit;
        back[base + j] = int8_t(arg);
      }
    }
    const int lb = (n - 1) * K;
    int arg = 0;
    for (int j = 1; j < candN[n - 1]; j++)
      if (score[lb + j] > score[lb + arg]) arg = j;
    for (int i = n - 1; i >= 0; i--) {
      state[i] = cand[i * K + arg];
      arg = back[i * K + arg];
    }
  }

  const Carry* collectStays(int n, double dayStart, double dayEnd, const Carry* carry, DayOut& out) {
    const double capMs = p.edgeCapMs;
    int a = 0;
    double lastStart = 0;
    int lastA = 0;
    while (a < n) {
      const int s = state[a];
      int b = a;
      while (b + 1 < n && state[b + 1] == s) b++;
      double start;
      if (a == 0) start = carry && carry->state == s ? carry->runStart : et[0];
      else start = et[a] - std::min((et[a] - et[a - 1]) / 2, capMs);
      const double next = b + 1 < n ? et[b + 1] : dayEnd;
      const double end = et[b] + std::min(std::max(0.0, next - et[b]) / 2, capMs);
      if (s >= 0 && end > dayStart && start < dayEnd && std::min(end, dayEnd) - start >= p.minStayMs) {
        pushUnique(out.cities, s);
      }
      lastStart = start;
      lastA = a;
      a = b + 1;
    }
    const int open = openStart;
    const int from = std::max(open >= 0 ? std::min(lastA, open) : lastA, n - p.carryMaxEvents);
    int epStart = -1;
    if (open >= 0) {
      // The prior counts may live in `carry`, which the slot written below can be: read them first.
      epN = 0;
      for (int j = 0; j < openPriorN; j++) epAdd(openPriorC[j], openPriorW[j]);
      for (int i = open; i < from; i++) epAdd(effCity[i], dwell(i, n, dayEnd));
      epStart = std::max(0, open - from);
    }
    slotAt ^= 1;
    Carry& c = slots[slotAt];
    c.t.assign(et.begin() + from, et.begin() + n);
    c.place.assign(ep.begin() + from, ep.begin() + n);
    if (open >= 0) {
      c.epCities.assign(epC, epC + epN);
      c.epCounts.assign(epW, epW + epN);
    } else {
      c.epCities.clear();
      c.epCounts.clear();
    }
    c.state = state[n - 1];
    c.runStart = lastStart;
    c.epStart = epStart;
    c.epAnchor = openAnchor;
    return &c;
  }
};

}  // namespace stay
