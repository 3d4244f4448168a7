// The quarantine's side of a scan: rejected records counted by reason, and of
// their texts only those that can be the quarantine's samples (quarantine.ts
// keeps each reason's first in JavaScript's string order, cut to 500 UTF-16 units).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace stay {

/** Rejected records of the pipeline's scan, by reason code (the pipeline's REASON_CODES). */
constexpr int REJECT_REASONS = 6;
constexpr int ROAMING_CODE = -10;
constexpr int OUTSIDE_CODE = -99;
/** quarantine.ts: a sample's text is cut to this many UTF-16 units. */
constexpr size_t SAMPLE_TEXT_MAX = 500;

/**
 * The first `max` UTF-16 code units of UTF-8 text: JavaScript's text.slice(0, max),
 * whose strings compare by these units (an invalid byte becomes U+FFFD).
 */
std::u16string utf16(const char* s, size_t n, size_t max);

/** Offers a text as a sample: kept while among the first `k` (equal texts each count). */
void offerSample(std::vector<std::u16string>& kept, size_t k, std::u16string&& text);

}  // namespace stay
