// The registries' keys (numbers, cell ids) found by their bytes, as the SQL join
// on text found them: the raw scan's lookup of each record's subscriber and cell.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace stay {

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

}  // namespace stay
