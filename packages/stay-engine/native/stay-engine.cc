// The stay engine of stay-engine.ts in C++, with the grouping of a shard's
// records by subscriber (shard-processor.ts), for `compute` and for the daily
// run, which carries stays (and the subscriber's contested time, learnt cells
// and cities seen) from one day to the next: the same decisions, in the same
// order, on the same doubles, so its answers and carries are identical to the
// TypeScript engine's (property-tested in native-shard.test.ts). Loaded through
// Node-API; see native-shard.ts.
#include <dlfcn.h>
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

constexpr int ABROAD = -1;
constexpr int NONE = -2;
constexpr int UNDECIDED = -3;
constexpr double DAY_MS = 86400000.0;
constexpr double DWELL_CAP_MS = 2 * 3600000.0;
constexpr double KM_PER_DEG_LAT = 110.574;
constexpr int EP_MAX = 64;
constexpr int FEW_DESCENTS = 8;
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

void pushUnique(std::vector<int32_t>& v, int32_t x) {
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

bool before(const double* t, const int32_t* place, const int32_t* ev, int a, int b) {
  return t[a] < t[b] || (t[a] == t[b] && (place[a] < place[b] || (place[a] == place[b] && ev[a] < ev[b])));
}

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
  std::string error;
};

/** The carries into a run, by subscriber (`of`: index into `list`, or -1), and whether carries come out. */
struct Carries {
  std::vector<Carry> list;
  std::vector<int32_t> of;
  bool out = false;
  /** Carries in or out: no subscriber is answered without decoding (runDaysOneCity makes no carry). */
  bool any() const { return out || !list.empty(); }
};

int bucketBits(int subscriberCount) {
  int bits = 0;
  while (bits < 12 && (subscriberCount >> (bits + 8)) > 0) bits++;
  return bits;
}

/**
 * Pass 1 of processShard (shard-processor.ts): the records scattered into buckets of
 * subscribers (bucket = sub & mask), in reading order within a bucket. With several
 * threads, each scatters a slice of the reading order, and a bucket's records from an
 * earlier slice come first: the same order as one thread's.
 */
struct Buckets {
  int bits = 0;
  int nb = 1;
  std::vector<int64_t> start;  // nb + 1
  std::unique_ptr<int32_t[]> sub, place, ev;
  std::unique_ptr<double[]> t;
};

void scatter(const std::vector<Segment>& in, int subscriberCount, int threads, Buckets& B) {
  B.bits = bucketBits(subscriberCount);
  B.nb = 1 << B.bits;
  const int nb = B.nb;
  const int mask = nb - 1;
  // The reading order cut into `threads` slices of about equal records.
  int64_t n = 0;
  for (const Segment& g : in) n += g.n;
  const int parts = std::max(1, std::min(threads, 8));
  std::vector<std::vector<Segment>> slices(parts);
  {
    const int64_t per = (n + parts - 1) / parts;
    int k = 0;
    int64_t taken = 0;
    for (Segment g : in) {
      while (g.n > 0) {
        while (k < parts - 1 && taken >= per * (k + 1)) k++;
        const int64_t room = k < parts - 1 ? per * (k + 1) - taken : g.n;
        Segment piece = g;
        piece.n = std::min(g.n, std::max<int64_t>(1, room));
        slices[k].push_back(piece);
        taken += piece.n;
        g.sub += piece.n;
        g.t += piece.n;
        g.place += piece.n;
        g.ev += piece.n;
        g.n -= piece.n;
      }
    }
  }
  // Counts per (slice, bucket), then each slice's first position in each bucket.
  std::vector<std::vector<int64_t>> at(parts, std::vector<int64_t>(nb, 0));
  auto count = [&](int k) {
    auto& c = at[k];
    for (const Segment& g : slices[k]) {
      if (g.filtered) {
        for (int64_t i = 0; i < g.n; i++)
          if (g.place[i] >= 0) c[g.sub[i] & mask]++;
      } else {
        for (int64_t i = 0; i < g.n; i++) c[g.sub[i] & mask]++;
      }
    }
  };
  auto place = [&](int k) {
    auto& f = at[k];
    int32_t* bs = B.sub.get();
    double* bt = B.t.get();
    int32_t* bp = B.place.get();
    int32_t* be = B.ev.get();
    for (const Segment& g : slices[k]) {
      for (int64_t i = 0; i < g.n; i++) {
        if (g.filtered && g.place[i] < 0) continue;
        const int s = g.sub[i];
        const int64_t q = f[s & mask]++;
        bs[q] = s;
        bt[q] = g.t[i];
        bp[q] = g.place[i];
        be[q] = g.ev[i];
      }
    }
  };
  auto onThreads = [&](auto&& fn) {
    std::vector<std::thread> pool;
    for (int k = 1; k < parts; k++) pool.emplace_back(fn, k);
    fn(0);
    for (auto& th : pool) th.join();
  };
  onThreads(count);
  B.start.assign(nb + 1, 0);
  int64_t pos = 0;
  for (int b = 0; b < nb; b++) {
    B.start[b] = pos;
    for (int k = 0; k < parts; k++) {
      const int64_t c = at[k][b];
      at[k][b] = pos;
      pos += c;
    }
  }
  B.start[nb] = pos;
  // Not zero-filled: every slot is written.
  B.sub.reset(new int32_t[std::max<int64_t>(1, pos)]);
  B.t.reset(new double[std::max<int64_t>(1, pos)]);
  B.place.reset(new int32_t[std::max<int64_t>(1, pos)]);
  B.ev.reset(new int32_t[std::max<int64_t>(1, pos)]);
  onThreads(place);
}

/** The rest of processShard for the buckets b with b % stride == offset. */
void processPart(const Buckets& B, int subscriberCount, const Model& model, const Params& params, double firstDayStart,
                 int dayCount, const Carries& carries, int offset, int stride, PartOut& out) {
  const int bits = B.bits;
  const int nb = B.nb;
  const int perBucket = (subscriberCount + nb - 1) / nb + 1;
  const int32_t* bs = B.sub.get();
  const double* bt = B.t.get();
  const int32_t* bp = B.place.get();
  const int32_t* be = B.ev.get();
  Engine engine(model, params);
  std::vector<DayOut> days(dayCount);
  std::vector<double> gt;
  std::vector<int32_t> gp, ge;
  std::vector<int32_t> sStart(perBucket + 1), sFill(perBucket), order;
  std::vector<double> st;
  std::vector<int32_t> sp, se;
  for (int b = offset; b < nb; b += stride) {
    const int64_t a0 = B.start[b];
    const int64_t a1 = B.start[b + 1];
    std::fill(sStart.begin(), sStart.end(), 0);
    for (int64_t k = a0; k < a1; k++) sStart[(bs[k] >> bits) + 1]++;
    for (int j = 0; j < perBucket; j++) sStart[j + 1] += sStart[j];
    if (int64_t(gt.size()) < a1 - a0) {
      gt.resize(a1 - a0);
      gp.resize(a1 - a0);
      ge.resize(a1 - a0);
    }
    std::copy(sStart.begin(), sStart.begin() + perBucket, sFill.begin());
    for (int64_t k = a0; k < a1; k++) {
      const int q = sFill[bs[k] >> bits]++;
      gt[q] = bt[k];
      gp[q] = bp[k];
      ge[q] = be[k];
    }
    double* T = gt.data();
    int32_t* P = gp.data();
    int32_t* E = ge.data();
    for (int j = 0; j < perBucket; j++) {
      const int s = (j << bits) | b;
      if (s >= subscriberCount) break;
      const int g0 = sStart[j];
      const int g1 = sStart[j + 1];
      const int ci = carries.of.empty() ? -1 : carries.of[s];
      const Carry* carryIn = ci >= 0 ? &carries.list[ci] : nullptr;
      if (g1 == g0 && !carryIn) continue;
      int descents = 0;
      for (int k = g0 + 1; k < g1; k++)
        if (before(T, P, E, k, k - 1)) descents++;
      if (descents > FEW_DESCENTS) {
        // Sorted through an index: equal (t, place, ev) are exact duplicates, so the order among them is moot.
        const int m = g1 - g0;
        order.resize(m);
        for (int k = 0; k < m; k++) order[k] = g0 + k;
        std::sort(order.begin(), order.end(), [&](int x, int y) { return before(T, P, E, x, y); });
        st.resize(m);
        sp.resize(m);
        se.resize(m);
        for (int k = 0; k < m; k++) {
          st[k] = T[order[k]];
          sp[k] = P[order[k]];
          se[k] = E[order[k]];
        }
        std::copy(st.begin(), st.begin() + m, T + g0);
        std::copy(sp.begin(), sp.begin() + m, P + g0);
        std::copy(se.begin(), se.begin() + m, E + g0);
      } else if (descents > 0) {
        for (int k = g0 + 1; k < g1; k++) {
          if (!before(T, P, E, k, k - 1)) continue;
          const double tk = T[k];
          const int pk = P[k];
          const int ek = E[k];
          int i = k - 1;
          while (i >= g0 && (T[i] > tk || (T[i] == tk && (P[i] > pk || (P[i] == pk && E[i] > ek))))) {
            T[i + 1] = T[i];
            P[i + 1] = P[i];
            E[i + 1] = E[i];
            i--;
          }
          T[i + 1] = tk;
          P[i + 1] = pk;
          E[i + 1] = ek;
        }
      }
      int w = g0;
      for (int k = g0; k < g1; k++) {
        if (w > g0 && T[w - 1] == T[k] && P[w - 1] == P[k] && E[w - 1] == E[k]) {
          out.duplicates++;
          continue;
        }
        T[w] = T[k];
        P[w] = P[k];
        E[w] = E[k];
        w++;
      }
      if (w > g0) out.withRecords++;
      if (carries.any()) {
        const Carry* last = engine.runDays(T, P, g0, w, firstDayStart, dayCount, days, carryIn);
        if (carries.out && last) engine.carryOut(s, *last, out.carries);
      } else if (!engine.runDaysOneCity(T, P, g0, w, firstDayStart, dayCount, days)) {
        engine.runDays(T, P, g0, w, firstDayStart, dayCount, days);
      }
      out.subs.push_back(s);
      int32_t flags = 0;
      for (int d = 0; d < dayCount; d++) {
        const DayOut& o = days[d];
        if (o.hadRecord) flags |= 1 << d;
        out.cityCount.push_back(int32_t(o.cities.size()));
        out.countryCount.push_back(int32_t(o.countries.size()));
        out.cities.insert(out.cities.end(), o.cities.begin(), o.cities.end());
        out.countries.insert(out.countries.end(), o.countries.begin(), o.countries.end());
      }
      out.dayFlags.push_back(flags);
    }
  }
}

// ---- A DuckDB result's chunks, read where DuckDB holds them ----
//
// The scan's result handed to JavaScript costs a copy of every column of every chunk
// (the bindings' vector_get_data copies), one asynchronous call per chunk and the
// copies' garbage, about a quarter of compute's time on the bench world. Through
// DuckDB's C API, from the library the bindings already loaded, the chunks are read
// in place: the stays' first pass scatters them straight from DuckDB's memory.

namespace duck {
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

/** The bindings' tag on a Result external (duckdb-node-neo, bindings/src/externals.h). */
const napi_type_tag RESULT_TAG = {0x08F7FE3AE12345E5ULL, 0x8733310DC29372D9ULL};
}  // namespace duck

/**
 * The chunks of a scan's result (sub INTEGER, t DOUBLE, code INTEGER, ev INTEGER,
 * extra VARCHAR: pipeline's scanSql), fetched and kept as DuckDB made them. Owned
 * by a JavaScript external; let go (destroyChunks) by the run that reads them, or
 * by the pipeline before it closes DuckDB, never after: their memory is DuckDB's.
 */
struct ChunkSet {
  std::vector<duck::chunk> chunks;
  /**
   * Records decoded from raw columns (scanRaw): the scan's own copy, 20 bytes a record,
   * made as each chunk comes, which DuckDB then frees at once.
   */
  struct Block {
    std::unique_ptr<int32_t[]> sub, place, ev;
    std::unique_ptr<double[]> t;
  };
  std::vector<Block> blocks;
  std::vector<Segment> segments;
  /** The ranges the records were checked against (see ScanChunks). */
  int subscriberCount = 0;
  int64_t cells = 0;
  /** Set by the run that took the chunks: only it may read them, and it lets them go. */
  bool taken = false;

  void destroyChunks() {
    if (const duck::Api* a = duck::api())
      for (duck::chunk& c : chunks) a->destroyChunk(&c);
    chunks.clear();
    blocks.clear();
    segments.clear();
  }
};

const napi_type_tag CHUNKS_TAG = {0x6974696e65726172ULL, 0x7963617264636b73ULL};

/**
 * The first `max` UTF-16 code units of UTF-8 text: JavaScript's text.slice(0, max),
 * whose strings compare by these units (an invalid byte becomes U+FFFD).
 */
std::u16string utf16(const char* s, size_t n, size_t max) {
  std::u16string out;
  out.reserve(std::min(n, max));
  size_t i = 0;
  while (i < n && out.size() < max) {
    const uint32_t c = static_cast<unsigned char>(s[i]);
    const int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    uint32_t cp = len == 1 ? c : c & (0xFFu >> (len + 1));
    bool ok = len > 0 && i + len <= n;
    for (int k = 1; ok && k < len; k++) {
      const unsigned char b = static_cast<unsigned char>(s[i + k]);
      ok = (b & 0xC0) == 0x80;
      cp = cp << 6 | (b & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      i++;
      continue;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(char16_t(0xD800 + (cp >> 10)));
      if (out.size() < max) out.push_back(char16_t(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(char16_t(cp));
    }
  }
  return out;
}

/** Rejected records of the pipeline's scan, by reason code (signaling-scan.ts REASON_CODES). */
constexpr int REJECT_REASONS = 6;
constexpr int ROAMING_CODE = -10;
constexpr int OUTSIDE_CODE = -99;
/** quarantine.ts: a sample's text is cut to this many UTF-16 units. */
constexpr size_t SAMPLE_TEXT_MAX = 500;

/**
 * A registry's keys (cell ids, numbers) to their index, by their bytes: what the SQL
 * join on text did (signaling-scan.ts), open addressing over a copy of the keys. A
 * slot keeps its key's hash, so a probe rarely reads the key itself. Where every key
 * is a mainland mobile number (1[3-9] and 9 digits, as the subscriber registry's are),
 * keys are found by their value: a number of another shape cannot be one of them.
 */
class KeyTable {
 public:
  /** Keys `i` are bytes [offsets[i], offsets[i + 1]) of `bytes`; a repeated key keeps its first index. */
  void build(const char* bytes, const int32_t* offsets, size_t n) {
    arena_.assign(bytes, bytes + (n ? offsets[n] : 0));
    offsets_.assign(offsets, offsets + n + 1);
    numbers_ = true;
    for (size_t i = 0; i < n && numbers_; i++) numbers_ = number(arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]) > 0;
    size_t cap = 16;
    while (cap < 2 * n + 16) cap <<= 1;
    slots_.assign(cap, Slot{0, -1});
    mask_ = cap - 1;
    for (size_t i = 0; i < n; i++) {
      const char* k = arena_.data() + offsets_[i];
      const size_t len = size_t(offsets_[i + 1] - offsets_[i]);
      const uint64_t h = keyHash(k, len);
      size_t at = slot(h);
      bool dup = false;
      while (slots_[at].idx >= 0 && !(dup = same(slots_[at], h, k, len))) at = (at + 1) & mask_;
      if (!dup) slots_[at] = Slot{h, int32_t(i)};
    }
  }
  /** The hash a key is filed under (0 for a key that cannot be one: see find). */
  uint64_t keyHash(const char* k, size_t len) const {
    if (!numbers_) return hash(k, len);
    const uint64_t v = number(k, len);
    return v ? v * 0x9E3779B97F4A7C15ULL : 0;
  }
  void prefetch(uint64_t h) const { __builtin_prefetch(&slots_[slot(h)]); }
  /** The key's index, or -1; `h` is keyHash(k, len). */
  int32_t find(uint64_t h, const char* k, size_t len) const {
    if (slots_.empty() || (numbers_ && h == 0)) return -1;
    for (size_t at = slot(h);; at = (at + 1) & mask_) {
      const Slot& x = slots_[at];
      if (x.idx < 0 || same(x, h, k, len)) return x.idx;
    }
  }
  static uint64_t hash(const char* s, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t(n) * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
      uint64_t w;
      std::memcpy(&w, s, 8);
      h = (h ^ w) * 0xff51afd7ed558ccdULL;
      h ^= h >> 32;
      s += 8;
      n -= 8;
    }
    uint64_t w = 0;
    std::memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
  }
  /** The value of a mainland mobile number (regexp 1[3-9][0-9]{9}), else 0. */
  static uint64_t number(const char* s, size_t n) {
    if (n != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9') return 0;
    uint64_t v = 0;
    for (int k = 0; k < 11; k++) {
      const unsigned d = unsigned(s[k]) - '0';
      if (d > 9) return 0;
      v = v * 10 + d;
    }
    return v;
  }

 private:
  struct Slot {
    uint64_t hash;
    int32_t idx;
  };
  size_t slot(uint64_t h) const { return size_t(h >> 32 ^ h) & mask_; }
  bool same(const Slot& x, uint64_t h, const char* k, size_t len) const {
    if (x.hash != h) return false;
    if (numbers_) return true;  // the hash is the number, times an odd constant: one to one
    const int32_t i = x.idx;
    return size_t(offsets_[i + 1] - offsets_[i]) == len && std::memcmp(arena_.data() + offsets_[i], k, len) == 0;
  }
  std::string arena_;
  std::vector<int32_t> offsets_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  bool numbers_ = false;
};

/**
 * One scanChunks call: the result it reads, what it found. Rejected records are
 * counted, and only the texts that can be the quarantine's samples are kept, so a
 * file of nothing but bad lines costs no memory per line.
 */
struct ScanJob {
  duck::result* result = nullptr;
  /** The chunks kept, with the registries' ranges their records are checked against. */
  ChunkSet* set = nullptr;
  size_t samplesPerReason = 0;
  int64_t rows = 0;
  int64_t outside = 0;
  /** Per reason code (1 to 6), the rejected records. */
  double rejected[REJECT_REASONS + 1] = {};
  /**
   * Per reason code, its `samplesPerReason` first texts in JavaScript's string order,
   * cut as quarantine.ts cuts them: the quarantine keeps the first of each reason in
   * that order, so no other text can be one of its samples.
   */
  std::vector<std::u16string> samples[REJECT_REASONS + 1];
  /** Roaming records, their visited network an index into `plmns`. */
  std::vector<int32_t> roamSub, roamEv, roamPlmn;
  std::vector<double> roamT;
  std::vector<std::string> plmns;
  std::unordered_map<std::string, int32_t> plmnIndex;
  /**
   * scanRaw: the result holds the records' own columns (signaling-scan.ts rawScanSql), which
   * this checks and maps as scanSql's joins and reasons did, keeping its own copy.
   */
  bool raw = false;
  bool hasCounted = false;
  KeyTable subs, cells;
  std::vector<uint64_t> subHash, cellHash;
  /** The run's days [lo, hi) and the plausible times [plausibleLo, plausibleHi) (ScanRange). */
  double lo = 0, hi = 0, plausibleLo = 0, plausibleHi = 0;
  std::string error;
  napi_ref resultRef = nullptr;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
};

/** Offers a text as a sample: kept while among the first `k` (equal texts each count). */
void offerSample(std::vector<std::u16string>& kept, size_t k, std::u16string&& text) {
  if (k == 0 || (kept.size() >= k && !(text < kept.back()))) return;
  kept.insert(std::upper_bound(kept.begin(), kept.end(), text), std::move(text));
  if (kept.size() > k) kept.pop_back();
}

/** A rejected or roaming record (code below 0, not OUTSIDE_CODE): counted and sampled, or listed. */
void takeOther(ScanJob& j, int32_t code, int32_t sub, double t, int32_t ev, const char* text, size_t len) {
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

/** A text of a chunk's VARCHAR vector; NULL reads as empty, and says so. */
struct Text {
  const char* p;
  uint32_t n;
  bool null;
};
inline Text textAt(const duck::string_t* data, const uint64_t* valid, duck::idx_t i) {
  if (valid && !(valid[i / 64] >> (i % 64) & 1)) return {"", 0, true};
  const duck::string_t& s = data[i];
  const uint32_t len = s.value.inlined.length;
  return {len <= 12 ? s.value.inlined.inlined : s.value.pointer.ptr, len, false};
}

/**
 * One chunk of rawScanSql's result (msisdn, ts, t, cell_id, plmn, event VARCHAR but t
 * DOUBLE, and `counted` BOOLEAN in a daily run): each record's subscriber and cell found
 * in the registries and its reason decided exactly as scanSql's joins and CASE did, into
 * the scan's own columns; the event becomes a hash (only compared for equality: exact
 * duplicates). The rejected records' texts are scanSql's concat_ws of the fields.
 */
void decodeRaw(ScanJob& j, duck::chunk c, duck::idx_t n) {
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

void scanChunks(ScanJob& j) {
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

// ---- Node-API glue ----

bool typed(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &ab, &offset) != napi_ok) return false;
  return type == want;
}

napi_value fail(napi_env env, const char* message) {
  napi_throw_type_error(env, "NATIVE_SHARD_ARGS", message);
  return nullptr;
}

template <typename T>
napi_value toTyped(napi_env env, const std::vector<T>& v, napi_typedarray_type type) {
  void* data = nullptr;
  napi_value ab, arr;
  napi_create_arraybuffer(env, v.size() * sizeof(T), &data, &ab);
  if (!v.empty()) std::memcpy(data, v.data(), v.size() * sizeof(T));
  napi_create_typedarray(env, type, v.size(), ab, 0, &arr);
  return arr;
}

template <typename T>
void concat(std::vector<T>& into, const std::vector<T>& from) {
  into.insert(into.end(), from.begin(), from.end());
}

/** Rejects a promise with a NATIVE_SHARD_FAILED error saying why. */
void rejectFailed(napi_env env, napi_deferred deferred, const std::string& why) {
  napi_value message, code, error;
  napi_create_string_utf8(env, why.c_str(), NAPI_AUTO_LENGTH, &message);
  napi_create_string_utf8(env, "NATIVE_SHARD_FAILED", NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, message, &error);
  napi_reject_deferred(env, deferred, error);
}

/** Queues work off the JavaScript thread; returns the promise `complete` settles. */
napi_value queueWork(napi_env env, const char* name, napi_async_execute_callback execute,
                     napi_async_complete_callback complete, void* data, napi_deferred* deferred,
                     napi_async_work* work) {
  napi_value promise, resource;
  napi_create_promise(env, deferred, &promise);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource);
  napi_create_async_work(env, nullptr, resource, execute, complete, data, work);
  napi_queue_async_work(env, *work);
  return promise;
}

napi_value undefinedValue(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

/** A JavaScript array of the strings, UTF-8 or UTF-16. */
template <typename S>
napi_value toStrings(napi_env env, const std::vector<S>& v) {
  napi_value arr;
  napi_create_array_with_length(env, v.size(), &arr);
  for (size_t i = 0; i < v.size(); i++) {
    napi_value x;
    if constexpr (std::is_same_v<S, std::u16string>) napi_create_string_utf16(env, v[i].data(), v[i].size(), &x);
    else napi_create_string_utf8(env, v[i].data(), v[i].size(), &x);
    napi_set_element(env, arr, uint32_t(i), x);
  }
  return arr;
}

/** One runShard call: its inputs (kept alive by references while it runs), its answers. */
struct Job {
  std::vector<Segment> in;
  /** The DuckDB chunks the run reads, if any: let go once scattered. */
  ChunkSet* chunks = nullptr;
  Model model{};
  Params params{};
  int subscriberCount = 0;
  double firstDayStart = 0;
  int dayCount = 0;
  int threads = 1;
  Carries carries;
  PartOut all;
  /** Set when the run failed (out of memory, no thread): the promise is rejected with it. */
  std::string error;
  std::vector<napi_ref> refs;
  /** Called (on the JavaScript thread, maybe after the answers) once the chunks are let go: DuckDB may close then. */
  napi_threadsafe_function released = nullptr;
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
};

/** Lets the run's chunks go, once, and says so. */
void letGo(Job& j) {
  if (j.chunks) j.chunks->destroyChunks();
  if (j.released) {
    napi_call_threadsafe_function(j.released, nullptr, napi_tsfn_nonblocking);
    napi_release_threadsafe_function(j.released, napi_tsfn_release);
    j.released = nullptr;
  }
}

void run(Job& j);

/** Runs on a thread of libuv's pool: the JavaScript thread is free meanwhile. */
void execute(napi_env, void* data) {
  Job& j = *static_cast<Job*>(data);
  // An exception must not leave this thread of libuv's pool: it would end the process.
  try {
    run(j);
  } catch (const std::exception& e) {
    j.error = e.what();
    j.all = PartOut();
  }
  letGo(j);
}

void run(Job& j) {
  const int parts = std::max(1, std::min(j.threads, 8));
  Buckets buckets;
  scatter(j.in, j.subscriberCount, parts, buckets);
  letGo(j);
  std::vector<PartOut> outs(parts);
  {
    std::vector<std::thread> pool;
    for (int k = 1; k < parts; k++)
      pool.emplace_back(processPart, std::cref(buckets), j.subscriberCount, std::cref(j.model), std::cref(j.params),
                        j.firstDayStart, j.dayCount, std::cref(j.carries), k, parts, std::ref(outs[k]));
    processPart(buckets, j.subscriberCount, j.model, j.params, j.firstDayStart, j.dayCount, j.carries, 0, parts,
                outs[0]);
    for (auto& th : pool) th.join();
  }
  j.all = std::move(outs[0]);
  for (int k = 1; k < parts; k++) {
    concat(j.all.subs, outs[k].subs);
    concat(j.all.dayFlags, outs[k].dayFlags);
    concat(j.all.cityCount, outs[k].cityCount);
    concat(j.all.countryCount, outs[k].countryCount);
    concat(j.all.cities, outs[k].cities);
    concat(j.all.countries, outs[k].countries);
    j.all.duplicates += outs[k].duplicates;
    j.all.withRecords += outs[k].withRecords;
    concat(j.all.carries.ints, outs[k].carries.ints);
    concat(j.all.carries.floats, outs[k].carries.floats);
  }
}

/** Back on the JavaScript thread: the answers as typed arrays, the inputs let go. */
void complete(napi_env env, napi_status status, void* data) {
  Job* j = static_cast<Job*>(data);
  for (napi_ref r : j->refs) napi_delete_reference(env, r);
  if (j->released) napi_release_threadsafe_function(j->released, napi_tsfn_release);  // (cancelled: never ran)
  if (status != napi_ok || !j->error.empty()) {
    rejectFailed(env, j->deferred,
                 "native stay engine: " + (j->error.empty() ? std::string("the run was cancelled") : j->error));
  } else {
    const PartOut& all = j->all;
    napi_value result, dup;
    napi_create_object(env, &result);
    napi_set_named_property(env, result, "subs", toTyped(env, all.subs, napi_int32_array));
    napi_set_named_property(env, result, "dayFlags", toTyped(env, all.dayFlags, napi_int32_array));
    napi_set_named_property(env, result, "cityCount", toTyped(env, all.cityCount, napi_int32_array));
    napi_set_named_property(env, result, "cities", toTyped(env, all.cities, napi_int32_array));
    napi_set_named_property(env, result, "countryCount", toTyped(env, all.countryCount, napi_int32_array));
    napi_set_named_property(env, result, "countries", toTyped(env, all.countries, napi_int32_array));
    napi_create_double(env, double(all.duplicates), &dup);
    napi_set_named_property(env, result, "duplicates", dup);
    napi_create_double(env, double(all.withRecords), &dup);
    napi_set_named_property(env, result, "withRecords", dup);
    if (j->carries.out) {
      napi_set_named_property(env, result, "carryInts", toTyped(env, all.carries.ints, napi_int32_array));
      napi_set_named_property(env, result, "carryFloats", toTyped(env, all.carries.floats, napi_float64_array));
    }
    napi_resolve_deferred(env, j->deferred, result);
  }
  napi_delete_async_work(env, j->work);
  delete j;
}

/** The ChunkSet of a chunks external made by scanChunks, or nullptr (and an exception) for anything else. */
ChunkSet* chunkSetOf(napi_env env, napi_value v) {
  bool tagged = false;
  void* data = nullptr;
  if (napi_check_object_type_tag(env, v, &CHUNKS_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, v, &data) != napi_ok) {
    fail(env, "chunks: made by scanChunks");
    return nullptr;
  }
  return static_cast<ChunkSet*>(data);
}

/**
 * The carries into a run from their columns (CarryColumns), checked: subscribers in range and
 * each once, cells in range, no more cities, cells or seen cities than the engine keeps. An
 * empty string when they are good, else what is wrong.
 */
std::string readCarries(const int32_t* ints, size_t ni, const double* floats, size_t nf, int subscriberCount,
                        int64_t cells, Carries& out) {
  out.of.assign(size_t(subscriberCount), -1);
  size_t i = 0, f = 0;
  auto take = [&](auto& v, size_t n, auto* from, size_t& at, size_t limit) {
    if (at + n > limit) return false;
    v.assign(from + at, from + at + n);
    at += n;
    return true;
  };
  while (i < ni) {
    if (i + 9 > ni || f + 1 > nf) return "carries: cut short";
    const int32_t sub = ints[i], nt = ints[i + 4], ne = ints[i + 5], nm = ints[i + 6], nl = ints[i + 7],
                  ns = ints[i + 8];
    Carry c;
    c.state = ints[i + 1];
    c.epStart = ints[i + 2];
    c.epAnchor = ints[i + 3];
    i += 9;
    if (sub < 0 || sub >= subscriberCount) return "carries: subscriber out of range";
    if (out.of[sub] >= 0) return "carries: a subscriber twice";
    if (nt < 0 || ne < 0 || nm < 0 || nm > MEM_MAX || nl < 0 || nl > LEARN_MAX || ns < -1 || ns > SEEN_MAX)
      return "carries: a length out of range";
    if (c.epAnchor < -1 || c.epAnchor >= cells) return "carries: cell out of range";
    c.seenAll = ns == -1;
    const size_t seen = c.seenAll ? 0 : size_t(ns);
    if (!take(c.place, nt, ints, i, ni) || !take(c.epCities, ne, ints, i, ni) || !take(c.memCities, nm, ints, i, ni) ||
        !take(c.learnCells, nl, ints, i, ni) || !take(c.learnCities, nl, ints, i, ni) ||
        !take(c.learnCounts, nl, ints, i, ni) || !take(c.seenCities, seen, ints, i, ni) ||
        !take(c.seenCounts, seen, ints, i, ni))
      return "carries: cut short";
    c.runStart = floats[f++];
    if (!take(c.t, nt, floats, f, nf) || !take(c.epCounts, ne, floats, f, nf) || !take(c.memCounts, nm, floats, f, nf))
      return "carries: cut short";
    for (const int32_t q : c.place)
      if (q >= cells) return "carries: cell out of range";
    out.of[sub] = int32_t(out.list.size());
    out.list.push_back(std::move(c));
  }
  if (f != nf) return "carries: floats left over";
  return "";
}

/**
 * runShard(chunks | null, sub, t, place, ev, length, runs | null, subscriberCount,
 *          cellCity, coverCities, cellX, cellY, cellKmPerDegLon, maxCover,
 *          params: Float64Array(8), firstDayStart, dayCount, threads, released?: () => void,
 *          carryInts?: Int32Array | null, carryFloats?: Float64Array | null, carryOut?: boolean)
 * → Promise<{ subs, dayFlags, cityCount, cities, countryCount, countries, duplicates, withRecords,
 *   carryInts?, carryFloats? }>, run off the JavaScript thread. The records are the chunks' (see
 * scanChunks; the run lets them go, then calls `released`) and the columns'; the carries into
 * the run and (with carryOut) out of it are CarryColumns. Arguments are checked here,
 * synchronously: a bad one throws.
 */
napi_value RunShard(napi_env env, napi_callback_info info) {
  size_t argc = 22;
  napi_value a[22];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  if (argc < 18 || argc > 22) return fail(env, "runShard takes 18 to 22 arguments");
  void* d;
  size_t len;
  napi_valuetype vt;
  ChunkSet* chunks = nullptr;
  napi_typeof(env, a[0], &vt);
  if (vt != napi_null) {
    chunks = chunkSetOf(env, a[0]);
    if (!chunks) return nullptr;
    if (chunks->taken) return fail(env, "chunks: already taken by a run");
  }
  const int32_t* sub;
  const double* t;
  const int32_t* place;
  const int32_t* ev;
  int32_t length;
  // Each column must hold at least `length` values (an EventBuffer's have room beyond it).
  if (napi_get_value_int32(env, a[5], &length) != napi_ok || length < 0) return fail(env, "length");
  const size_t n = size_t(length);
  if (!typed(env, a[1], napi_int32_array, &d, &len) || len < n) return fail(env, "sub: Int32Array of length");
  sub = static_cast<const int32_t*>(d);
  if (!typed(env, a[2], napi_float64_array, &d, &len) || len < n) return fail(env, "t: Float64Array of length");
  t = static_cast<const double*>(d);
  if (!typed(env, a[3], napi_int32_array, &d, &len) || len < n) return fail(env, "place: Int32Array of length");
  place = static_cast<const int32_t*>(d);
  if (!typed(env, a[4], napi_int32_array, &d, &len) || len < n) return fail(env, "ev: Int32Array of length");
  ev = static_cast<const int32_t*>(d);
  const int32_t* runs = nullptr;
  int runsLength = 0;
  napi_typeof(env, a[6], &vt);
  if (vt != napi_null) {
    if (!typed(env, a[6], napi_int32_array, &d, &len) || len % 2) return fail(env, "runs: Int32Array of pairs");
    runs = static_cast<const int32_t*>(d);
    runsLength = int(len);
  }
  int32_t subscriberCount;
  if (napi_get_value_int32(env, a[7], &subscriberCount) != napi_ok || subscriberCount < 0)
    return fail(env, "subscriberCount");
  Model model{};
  size_t cells;
  if (!typed(env, a[8], napi_int32_array, &d, &cells)) return fail(env, "cellCity: Int32Array");
  model.cellCity = static_cast<const int32_t*>(d);
  size_t coverLen;
  if (!typed(env, a[9], napi_int32_array, &d, &coverLen)) return fail(env, "coverCities: Int32Array");
  model.coverCities = static_cast<const int32_t*>(d);
  if (!typed(env, a[10], napi_float64_array, &d, &len) || len != cells) return fail(env, "cellX: Float64Array");
  model.cellX = static_cast<const double*>(d);
  if (!typed(env, a[11], napi_float64_array, &d, &len) || len != cells) return fail(env, "cellY: Float64Array");
  model.cellY = static_cast<const double*>(d);
  if (!typed(env, a[12], napi_float64_array, &d, &len) || len != cells)
    return fail(env, "cellKmPerDegLon: Float64Array");
  model.kmPerDegLon = static_cast<const double*>(d);
  if (napi_get_value_int32(env, a[13], &model.maxCover) != napi_ok || model.maxCover < 0 || model.maxCover > 100 ||
      coverLen != cells * size_t(model.maxCover))
    return fail(env, "maxCover");
  double* pv;
  if (!typed(env, a[14], napi_float64_array, &d, &len) || len != 8) return fail(env, "params: Float64Array(8)");
  pv = static_cast<double*>(d);
  const Params params{pv[0], pv[1], pv[2], pv[3], int(pv[4]), pv[5], pv[6], pv[7]};
  double firstDayStart;
  int32_t dayCount, threads;
  if (napi_get_value_double(env, a[15], &firstDayStart) != napi_ok) return fail(env, "firstDayStart");
  if (napi_get_value_int32(env, a[16], &dayCount) != napi_ok || dayCount < 0 || dayCount > 31)
    return fail(env, "dayCount: 0 to 31");
  if (napi_get_value_int32(env, a[17], &threads) != napi_ok || threads < 1) return fail(env, "threads");
  // The records' subscribers and cells must be in range: checked here, not trusted (the
  // chunks' were checked by scanChunks against ranges no wider than these).
  if (chunks && (chunks->subscriberCount > subscriberCount || chunks->cells > int64_t(cells)))
    return fail(env, "chunks: checked against other registries");
  for (int r = 0; r < runsLength; r += 2)
    if (runs[r] < 0 || runs[r] > runs[r + 1] || runs[r + 1] > length) return fail(env, "runs out of range");
  for (int i = 0; i < length; i++) {
    if (sub[i] < 0 || sub[i] >= subscriberCount) return fail(env, "sub out of range");
    if (place[i] >= int64_t(cells)) return fail(env, "place out of range");
  }

  napi_valuetype releasedType = napi_undefined;
  if (argc >= 19) napi_typeof(env, a[18], &releasedType);
  if (releasedType != napi_undefined && releasedType != napi_function) return fail(env, "released: a function");
  Carries carries;
  if (argc >= 21) {
    napi_valuetype ti, tf;
    napi_typeof(env, a[19], &ti);
    napi_typeof(env, a[20], &tf);
    if (ti != napi_null || tf != napi_null) {
      void* df;
      size_t ni, nf;
      if (!typed(env, a[19], napi_int32_array, &d, &ni) || !typed(env, a[20], napi_float64_array, &df, &nf))
        return fail(env, "carries: Int32Array and Float64Array");
      const std::string why = readCarries(static_cast<const int32_t*>(d), ni, static_cast<const double*>(df), nf,
                                          subscriberCount, int64_t(cells), carries);
      if (!why.empty()) return fail(env, why.c_str());
    }
  }
  if (argc >= 22) {
    bool out = false;
    if (napi_get_value_bool(env, a[21], &out) != napi_ok) return fail(env, "carryOut: a boolean");
    carries.out = out;
  }

  auto* job = new Job();
  job->carries = std::move(carries);
  if (releasedType == napi_function) {
    napi_value name;
    napi_create_string_utf8(env, "itinerary-card:released", NAPI_AUTO_LENGTH, &name);
    napi_create_threadsafe_function(env, a[18], nullptr, name, 0, 1, nullptr, nullptr, nullptr, nullptr,
                                    &job->released);
  }
  if (chunks) {
    job->in = chunks->segments;
    job->chunks = chunks;
    chunks->taken = true;
  }
  if (runs) {
    for (int r = 0; r < runsLength; r += 2)
      job->in.push_back({sub + runs[r], t + runs[r], place + runs[r], ev + runs[r], runs[r + 1] - runs[r], false});
  } else if (length > 0) {
    job->in.push_back({sub, t, place, ev, length, false});
  }
  job->model = model;
  job->params = params;
  job->subscriberCount = subscriberCount;
  job->firstDayStart = firstDayStart;
  job->dayCount = dayCount;
  job->threads = threads;
  for (int k : {0, 1, 2, 3, 4, 6, 8, 9, 10, 11, 12, 14}) {
    napi_valuetype type;
    napi_typeof(env, a[k], &type);
    if (type != napi_object && type != napi_external) continue;  // chunks and runs may be null
    napi_ref ref;
    napi_create_reference(env, a[k], 1, &ref);
    job->refs.push_back(ref);
  }
  return queueWork(env, "itinerary-card:runShard", execute, complete, job, &job->deferred, &job->work);
}

void executeScan(napi_env, void* data) {
  ScanJob& j = *static_cast<ScanJob*>(data);
  try {
    scanChunks(j);
  } catch (const std::exception& e) {
    j.error = e.what();
  }
  if (!j.error.empty()) j.set->destroyChunks();
}

void deleteChunkSet(napi_env, void* data, void*) {
  auto* set = static_cast<ChunkSet*>(data);
  // Normally let go already (by its run, or by releaseChunks before DuckDB closed).
  set->destroyChunks();
  delete set;
}

void completeScan(napi_env env, napi_status status, void* data) {
  ScanJob* j = static_cast<ScanJob*>(data);
  napi_delete_reference(env, j->resultRef);
  if (status != napi_ok || !j->error.empty()) {
    j->set->destroyChunks();
    delete j->set;
    rejectFailed(env, j->deferred, "native scan: " + (j->error.empty() ? std::string("cancelled") : j->error));
  } else {
    napi_value result, chunks, num, samples;
    napi_create_object(env, &result);
    napi_create_external(env, j->set, deleteChunkSet, nullptr, &chunks);
    napi_type_tag_object(env, chunks, &CHUNKS_TAG);
    napi_set_named_property(env, result, "chunks", chunks);
    napi_create_double(env, double(j->rows), &num);
    napi_set_named_property(env, result, "rows", num);
    napi_create_double(env, double(j->outside), &num);
    napi_set_named_property(env, result, "outside", num);
    napi_set_named_property(env, result, "rejected",
                            toTyped(env, std::vector<double>(j->rejected, j->rejected + REJECT_REASONS + 1),
                                    napi_float64_array));
    napi_create_array_with_length(env, REJECT_REASONS + 1, &samples);
    for (int r = 0; r <= REJECT_REASONS; r++) napi_set_element(env, samples, uint32_t(r), toStrings(env, j->samples[r]));
    napi_set_named_property(env, result, "samples", samples);
    napi_set_named_property(env, result, "roamSub", toTyped(env, j->roamSub, napi_int32_array));
    napi_set_named_property(env, result, "roamT", toTyped(env, j->roamT, napi_float64_array));
    napi_set_named_property(env, result, "roamEv", toTyped(env, j->roamEv, napi_int32_array));
    napi_set_named_property(env, result, "roamPlmn", toTyped(env, j->roamPlmn, napi_int32_array));
    napi_set_named_property(env, result, "plmns", toStrings(env, j->plmns));
    napi_resolve_deferred(env, j->deferred, result);
  }
  napi_delete_async_work(env, j->work);
  delete j;
}

/**
 * scanChunks(result, subscriberCount, cells, samplesPerReason) → Promise<{ chunks, rows,
 * outside, rejected, samples, roamSub, roamT, roamEv, roamPlmn, plmns }>: fetches every
 * chunk of a streamed result of the pipeline's scan (a @duckdb/node-bindings Result) off
 * the JavaScript thread and keeps them where DuckDB made them. Counts the records, those
 * outside the run's days and the rejected ones by reason (with the texts that can be the
 * quarantine's samples); lists the roaming ones. Nothing else may read the result meanwhile.
 * Returns undefined for anything but a Result of the bindings this knows, or where DuckDB's C
 * API cannot be reached: then the caller reads the result itself.
 */
napi_value ScanChunks(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  if (argc != 4) return fail(env, "scanChunks takes 4 arguments");
  int32_t subscriberCount;
  int64_t cells;
  if (napi_get_value_int32(env, a[1], &subscriberCount) != napi_ok || subscriberCount < 0)
    return fail(env, "subscriberCount");
  if (napi_get_value_int64(env, a[2], &cells) != napi_ok || cells < 0) return fail(env, "cells");
  int32_t samplesPerReason;
  if (napi_get_value_int32(env, a[3], &samplesPerReason) != napi_ok || samplesPerReason < 0 ||
      samplesPerReason > 10000)
    return fail(env, "samplesPerReason: 0 to 10,000");
  // Not a Result of the bindings this was written for (another version tags it otherwise),
  // or no DuckDB library to call: undefined, and the caller reads the result itself.
  bool tagged = false;
  void* data = nullptr;
  const duck::Api* api = duck::api();
  if (napi_check_object_type_tag(env, a[0], &duck::RESULT_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, a[0], &data) != napi_ok || !data || !api)
    return undefinedValue(env);
  auto* result = static_cast<duck::result*>(data);
  const int want[5] = {duck::TYPE_INTEGER, duck::TYPE_DOUBLE, duck::TYPE_INTEGER, duck::TYPE_INTEGER, duck::TYPE_VARCHAR};
  if (api->columnCount(result) != 5) return fail(env, "result: not the scan's five columns");
  for (int c = 0; c < 5; c++)
    if (api->columnType(result, c) != want[c]) return fail(env, "result: not the scan's column types");
  auto* job = new ScanJob();
  job->result = result;
  job->set = new ChunkSet();
  job->set->subscriberCount = subscriberCount;
  job->set->cells = cells;
  job->samplesPerReason = size_t(samplesPerReason);
  napi_create_reference(env, a[0], 1, &job->resultRef);
  return queueWork(env, "itinerary-card:scanChunks", executeScan, completeScan, job, &job->deferred, &job->work);
}

/** A registry's keys as scanRaw takes them: UTF-8 bytes and n + 1 ascending offsets into them. */
bool keysArg(napi_env env, napi_value bytes, napi_value offsets, KeyTable& into, int64_t* count) {
  void* b;
  void* o;
  size_t bytesLen, offsetsLen;
  if (!typed(env, bytes, napi_uint8_array, &b, &bytesLen) || !typed(env, offsets, napi_int32_array, &o, &offsetsLen) ||
      offsetsLen < 1)
    return false;
  const int32_t* off = static_cast<const int32_t*>(o);
  if (off[0] != 0) return false;
  for (size_t i = 1; i < offsetsLen; i++)
    if (off[i] < off[i - 1] || size_t(off[i]) > bytesLen) return false;
  into.build(static_cast<const char*>(b), off, offsetsLen - 1);
  *count = int64_t(offsetsLen - 1);
  return true;
}

/**
 * scanRaw(result, subscriberKeys, subscriberOffsets, cellKeys, cellOffsets, range, samplesPerReason)
 * → Promise<the same as scanChunks>: reads a streamed result of the records' own columns
 * (signaling-scan.ts rawScanSql: msisdn, ts, t DOUBLE, cell_id, plmn, event, and `counted`
 * BOOLEAN in a daily run), finds each record's subscriber and cell by its text in the
 * registries' keys (index = position), and decides what scanSql's joins and CASE decided,
 * for `range` = Float64Array [lo, hi, plausibleLo, plausibleHi]. The records are kept in
 * the scan's own columns, so DuckDB frees each chunk as it comes. Undefined where scanChunks
 * would be.
 */
napi_value ScanRaw(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  if (argc != 7) return fail(env, "scanRaw takes 7 arguments");
  auto job = std::make_unique<ScanJob>();
  job->raw = true;
  int64_t subscribers = 0, cells = 0;
  if (!keysArg(env, a[1], a[2], job->subs, &subscribers)) return fail(env, "subscriber keys: bytes and offsets");
  if (!keysArg(env, a[3], a[4], job->cells, &cells)) return fail(env, "cell keys: bytes and offsets");
  void* d;
  size_t len;
  if (!typed(env, a[5], napi_float64_array, &d, &len) || len != 4) return fail(env, "range: Float64Array(4)");
  const double* r = static_cast<const double*>(d);
  job->lo = r[0];
  job->hi = r[1];
  job->plausibleLo = r[2];
  job->plausibleHi = r[3];
  int32_t samplesPerReason;
  if (napi_get_value_int32(env, a[6], &samplesPerReason) != napi_ok || samplesPerReason < 0 ||
      samplesPerReason > 10000)
    return fail(env, "samplesPerReason: 0 to 10,000");
  bool tagged = false;
  void* data = nullptr;
  const duck::Api* api = duck::api();
  if (napi_check_object_type_tag(env, a[0], &duck::RESULT_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, a[0], &data) != napi_ok || !data || !api)
    return undefinedValue(env);
  auto* result = static_cast<duck::result*>(data);
  const int want[7] = {duck::TYPE_VARCHAR, duck::TYPE_VARCHAR, duck::TYPE_DOUBLE,  duck::TYPE_VARCHAR,
                       duck::TYPE_VARCHAR, duck::TYPE_VARCHAR, duck::TYPE_BOOLEAN};
  const duck::idx_t columns = api->columnCount(result);
  if (columns != 6 && columns != 7) return fail(env, "result: not the raw scan's columns");
  for (duck::idx_t c = 0; c < columns; c++)
    if (api->columnType(result, c) != want[c]) return fail(env, "result: not the raw scan's column types");
  job->hasCounted = columns == 7;
  job->result = result;
  job->set = new ChunkSet();
  job->set->subscriberCount = int(subscribers);
  job->set->cells = cells;
  job->samplesPerReason = size_t(samplesPerReason);
  napi_create_reference(env, a[0], 1, &job->resultRef);
  ScanJob* j = job.release();
  return queueWork(env, "itinerary-card:scanRaw", executeScan, completeScan, j, &j->deferred, &j->work);
}

/** releaseChunks(chunks): lets a scan's chunks go unless a run took them. Call before DuckDB closes. */
napi_value ReleaseChunks(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  if (argc != 1) return fail(env, "releaseChunks takes 1 argument");
  ChunkSet* set = chunkSetOf(env, a[0]);
  if (!set) return nullptr;
  if (!set->taken) {
    set->taken = true;
    set->destroyChunks();
  }
  return undefinedValue(env);
}

}  // namespace

NAPI_MODULE_INIT() {
  const std::pair<const char*, napi_callback> fns[] = {
      {"runShard", RunShard}, {"scanChunks", ScanChunks}, {"scanRaw", ScanRaw}, {"releaseChunks", ReleaseChunks}};
  for (const auto& [name, cb] : fns) {
    napi_value fn;
    napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
    napi_set_named_property(env, exports, name, fn);
  }
  return exports;
}
