// A shard's records grouped by subscriber and run through the engine: the
// pipeline's processShard (shard-processor.ts). The records are scattered into
// buckets of subscribers, then each bucket's subscribers are sorted, their exact
// duplicates dropped, and run, the buckets shared out between threads.
#include "shard.h"

#include <algorithm>
#include <memory>
#include <thread>

namespace stay {
namespace {

constexpr int FEW_DESCENTS = 8;

bool before(const double* t, const int32_t* place, const int32_t* ev, int a, int b) {
  return t[a] < t[b] || (t[a] == t[b] && (place[a] < place[b] || (place[a] == place[b] && ev[a] < ev[b])));
}

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
void processPart(const Buckets& B, const ShardOptions& o, int offset, int stride, PartOut& out) {
  const int subscriberCount = o.subscriberCount;
  const double firstDayStart = o.firstDayStart;
  const int dayCount = o.dayCount;
  const Carries& carries = o.carries;
  const int bits = B.bits;
  const int nb = B.nb;
  const int perBucket = (subscriberCount + nb - 1) / nb + 1;
  const int32_t* bs = B.sub.get();
  const double* bt = B.t.get();
  const int32_t* bp = B.place.get();
  const int32_t* be = B.ev.get();
  Engine engine(o.model, o.params);
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

template <typename T>
void concat(std::vector<T>& into, const std::vector<T>& from) {
  into.insert(into.end(), from.begin(), from.end());
}

}  // namespace

PartOut runShard(const std::vector<Segment>& in, const ShardOptions& o, const std::function<void()>& scattered) {
  const int parts = std::max(1, std::min(o.threads, 8));
  Buckets buckets;
  scatter(in, o.subscriberCount, parts, buckets);
  scattered();
  std::vector<PartOut> outs(parts);
  {
    std::vector<std::thread> pool;
    for (int k = 1; k < parts; k++)
      pool.emplace_back(processPart, std::cref(buckets), std::cref(o), k, parts, std::ref(outs[k]));
    processPart(buckets, o, 0, parts, outs[0]);
    for (auto& th : pool) th.join();
  }
  PartOut all = std::move(outs[0]);
  for (int k = 1; k < parts; k++) {
    concat(all.subs, outs[k].subs);
    concat(all.dayFlags, outs[k].dayFlags);
    concat(all.cityCount, outs[k].cityCount);
    concat(all.countryCount, outs[k].countryCount);
    concat(all.cities, outs[k].cities);
    concat(all.countries, outs[k].countries);
    all.duplicates += outs[k].duplicates;
    all.withRecords += outs[k].withRecords;
    concat(all.carries.ints, outs[k].carries.ints);
    concat(all.carries.floats, outs[k].carries.floats);
  }
  return all;
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

}  // namespace stay
