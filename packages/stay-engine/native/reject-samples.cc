// Reject samples in JavaScript's string order (see reject-samples.h).
#include "reject-samples.h"

#include <algorithm>
#include <cstdint>

namespace stay {

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

void offerSample(std::vector<std::u16string>& kept, size_t k, std::u16string&& text) {
  if (k == 0 || (kept.size() >= k && !(text < kept.back()))) return;
  kept.insert(std::upper_bound(kept.begin(), kept.end(), text), std::move(text));
  if (kept.size() > k) kept.pop_back();
}

}  // namespace stay
