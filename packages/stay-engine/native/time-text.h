// A signaling time as text to epoch milliseconds, as the pipeline's tsMsSql
// decides it in DuckDB (signaling-source.ts): NULL unless ISO-8601 with a time
// and an offset, or epoch milliseconds (10 to 14 digits). The common shapes are
// read here; any other text that tsMsSql would hand to DuckDB's timestamp
// parser is Unsure, and its file is read by DuckDB instead.
#pragma once

#include <cstddef>
#include <cstdint>

namespace stay {

enum class TimeText { Valid, Null, Unsure };

namespace time_text {
inline bool digits(const char* s, int n, int* v) {
  int x = 0;
  for (int k = 0; k < n; k++) {
    const unsigned d = unsigned(s[k]) - '0';
    if (d > 9) return false;
    x = x * 10 + int(d);
  }
  *v = x;
  return true;
}
/** Days from 1970-01-01 to the date (proleptic Gregorian; Howard Hinnant's days_from_civil). */
inline int64_t daysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
inline int daysIn(int y, int m) {
  static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : dim[m - 1];
}
}  // namespace time_text

/**
 * tsMsSql of the text s[0, n) (plain ASCII; empty is NULL): Valid with `*ms`, Null, or Unsure.
 * Read here: YYYY-MM-DD(T| )hh:mm:ss followed by Z or ±hh:mm (years 1900-2199, every field in
 * its range, offsets up to 14:59), and 10 to 14 digits.
 */
inline TimeText timeText(const char* s, size_t n, double* ms) {
  using namespace time_text;
  if (n >= 16) {
    const char z = s[n - 1];
    const auto sign = [&](size_t back) { return s[n - back] == '+' || s[n - back] == '-'; };
    if (!(z == 'Z' || z == 'z' || sign(3) || sign(5) || sign(6))) return TimeText::Null;
    int offset = 0;  // minutes east of UTC
    if (n == 25 && sign(6) && s[22] == ':') {
      int oh, om;
      if (!digits(s + 20, 2, &oh) || !digits(s + 23, 2, &om) || oh > 14 || om > 59) return TimeText::Unsure;
      offset = (oh * 60 + om) * (s[19] == '-' ? -1 : 1);
    } else if (!(n == 20 && z == 'Z')) {
      return TimeText::Unsure;
    }
    int y, mo, d, h, mi, se;
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' ||
        !digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) || !digits(s + 11, 2, &h) ||
        !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
      return TimeText::Unsure;
    if (y < 1900 || y > 2199 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || se > 59)
      return TimeText::Unsure;
    const int64_t secs = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - int64_t(offset) * 60;
    *ms = double(secs * 1000);
    return TimeText::Valid;
  }
  if (n < 10 || n > 14) return TimeText::Null;
  int64_t v = 0;
  for (size_t k = 0; k < n; k++) {
    const unsigned d = unsigned(s[k]) - '0';
    if (d > 9) return TimeText::Null;
    v = v * 10 + d;
  }
  *ms = double(v);
  return TimeText::Valid;
}

}  // namespace stay
