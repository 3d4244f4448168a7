// Signaling CSV files read natively (see csv-reader.h): lines split on commas in
// pieces of 4 MB, gzip inflated by the zlib Node carries, a file per thread.
#include "csv-reader.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "file-parts.h"
#include "record-rules.h"
#include "time-text.h"

namespace stay {
namespace {

using duck::Text;

/** zlib's inflate, from the process (Node exports its zlib): found by name, never linked, so a Node without it only costs the gzip files. */
struct Zlib {
  int (*init)(z_streamp, int, const char*, int) = nullptr;
  int (*inflate)(z_streamp, int) = nullptr;
  int (*end)(z_streamp) = nullptr;
  const char* (*version)() = nullptr;
};

const Zlib* zlib() {
  static std::once_flag once;
  static Zlib z;
  static bool ok = false;
  std::call_once(once, [] {
    auto sym = [](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(RTLD_DEFAULT, name));
      return fn != nullptr;
    };
    ok = sym(z.init, "inflateInit2_") && sym(z.inflate, "inflate") && sym(z.end, "inflateEnd") &&
         sym(z.version, "zlibVersion");
  });
  return ok ? &z : nullptr;
}

/** A file's bytes, plain or inflated, in pieces. */
class Source {
 public:
  ~Source() {
    if (gz_ && inflating_) zlib()->end(&z_);
    if (fd_ >= 0) close(fd_);
  }
  /** Opens the file; false (and why) where it cannot be read here. */
  bool open(const CsvInput& f, std::string& why) {
    fd_ = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return (why = "cannot open"), false;
    gz_ = f.gz;
    if (!gz_) return true;
    const Zlib* zl = zlib();
    if (!zl) return (why = "no zlib in this process"), false;
    std::memset(&z_, 0, sizeof z_);
    // 15 + 16: a gzip stream only (DuckDB reads .gz files as gzip).
    if (zl->init(&z_, 15 + 16, zl->version(), int(sizeof(z_stream))) != Z_OK) return (why = "inflateInit2"), false;
    inflating_ = true;
    in_.reset(new unsigned char[IN_SIZE]);
    return true;
  }
  /** Up to `cap` bytes into `to`: how many (0 at the end), or -1 (and why) on an error. */
  int64_t read(char* to, size_t cap, std::string& why) {
    if (!gz_) {
      for (;;) {
        const ssize_t n = ::read(fd_, to, cap);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) why = "read failed";
        return n;
      }
    }
    if (done_) return 0;
    z_.next_out = reinterpret_cast<unsigned char*>(to);
    z_.avail_out = unsigned(cap);
    while (z_.avail_out > 0) {
      if (z_.avail_in == 0 && !inEof_) {
        const ssize_t n = ::read(fd_, in_.get(), IN_SIZE);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return (why = "read failed"), -1;
        if (n == 0) inEof_ = true;
        z_.next_in = in_.get();
        z_.avail_in = unsigned(n);
      }
      const int r = zlib()->inflate(&z_, Z_NO_FLUSH);
      if (r == Z_STREAM_END) {
        // Another gzip member, or bytes after the stream: DuckDB's reading of those is its own.
        unsigned char probe;
        if (z_.avail_in > 0 || ::read(fd_, &probe, 1) != 0) return (why = "data after the gzip stream"), -1;
        done_ = true;
        break;
      }
      if (r == Z_BUF_ERROR && inEof_ && z_.avail_in == 0) return (why = "gzip stream cut short"), -1;
      if (r != Z_OK && r != Z_BUF_ERROR) return (why = "gzip stream not inflatable"), -1;
    }
    return int64_t(cap - z_.avail_out);
  }

 private:
  static constexpr size_t IN_SIZE = 256 * 1024;
  int fd_ = -1;
  bool gz_ = false, inflating_ = false, inEof_ = false, done_ = false;
  z_stream z_{};
  std::unique_ptr<unsigned char[]> in_;
};

constexpr size_t BATCH = 2048;

/** A batch of lines' fields, as decideRows reads them. */
struct LineRows {
  const char* p[BATCH][5];
  uint32_t n[BATCH][5];
  double time[BATCH];
  bool timeNull[BATCH];
  Text field(size_t i, int k) const {
    const uint32_t len = n[i][k];
    return len ? Text{p[i][k], len, false} : Text{"", 0, true};
  }
  Text msisdn(size_t i) const { return field(i, 0); }
  Text ts(size_t i) const { return field(i, 1); }
  Text cell(size_t i) const { return field(i, 2); }
  Text plmn(size_t i) const { return field(i, 3); }
  Text event(size_t i) const { return field(i, 4); }
  bool tNull(size_t i) const { return timeNull[i]; }
  double t(size_t i) const { return time[i]; }
  /** The file's `counted` flag (CsvInput::counted): the same for every line. */
  bool cNull = true, cValue = true;
  bool countedNull(size_t) const { return cNull; }
  bool counted(size_t) const { return cValue; }
};

/** One record's hash for the file index: its fields' bytes and its time's. */
uint64_t recordHash(const LineRows& rows, size_t i, double t) {
  uint64_t h = 0x2545F4914F6CDD1DULL;
  for (int k = 0; k < 5; k++) {
    if (k == 1) continue;  // the time, as parsed, below
    h = (h ^ KeyTable::hash(rows.p[i][k], rows.n[i][k]) ^ uint64_t(rows.n[i][k] == 0)) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 31;
  }
  uint64_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  h = (h ^ bits) * 0xff51afd7ed558ccdULL;
  return h ^ (h >> 33);
}

/**
 * One file read into `part` (a scan by the main one's rules, with its own chunk set), into
 * `days` (the index), or into both (`scan` with `days`).
 */
class FileReader {
 public:
  FileReader(const CsvInput& f, Scan& part, CsvOutcome& out, CsvDays* days = nullptr, bool scan = true)
      : f_(f), part_(part), out_(out), days_(days), scan_(scan) {
    rows_.cNull = f.counted < 0;
    rows_.cValue = f.counted > 0;
  }

  void run() {
    Source src;
    if (!src.open(f_, out_.why)) {
      decline(out_.why);
      return;
    }
    constexpr size_t CAP = 4 << 20;
    std::unique_ptr<char[]> buf(new char[CAP]);
    size_t have = 0;
    for (;;) {
      const int64_t got = src.read(buf.get() + have, CAP - have, out_.why);
      if (got < 0) {
        decline(out_.why);
        return;
      }
      have += size_t(got);
      const bool eof = got == 0;
      size_t pos = 0;
      while (pos < have) {
        const char* at = buf.get() + pos;
        const char* nl = static_cast<const char*>(std::memchr(at, '\n', have - pos));
        if (!nl) break;
        if (!line(at, size_t(nl - at))) return;
        pos = size_t(nl - buf.get()) + 1;
      }
      if (eof && pos < have) {
        if (!line(buf.get() + pos, have - pos)) return;
        pos = have;
      }
      flush();  // the batch points into the buffer: decided before the buffer moves
      if (eof) break;
      std::memmove(buf.get(), buf.get() + pos, have - pos);
      have -= pos;
      if (have == CAP) {
        decline("a line longer than 4 MB");
        return;
      }
    }
    if (lineNo_ == 0) decline("no header");
  }

 private:
  const CsvInput& f_;
  Scan& part_;
  CsvOutcome& out_;
  CsvDays* days_;
  bool scan_;
  /** The day of the last record indexed and its tally: consecutive records are mostly of one day. */
  int64_t lastDay_ = 0;
  std::pair<int64_t, uint64_t>* lastTally_ = nullptr;
  int64_t lineNo_ = 0;
  LineRows rows_;
  size_t batch_ = 0;
  const char* comma_[64];

  bool decline(const std::string& why) {
    out_.declined = true;
    out_.why = why;
    return false;
  }

  void flush() {
    if (batch_ == 0) return;
    decideRows(part_, rows_, batch_);
    batch_ = 0;
  }

  /** One line (without its newline): false when the file is declined. */
  bool line(const char* s, size_t len) {
    lineNo_++;
    if (len == 0) return decline("an empty line");
    // Commas found; a quote, a control or a non-ASCII byte: DuckDB's reading of it is its own.
    int commas = 0;
    const int most = std::min(f_.fields, 63);
    for (size_t k = 0; k < len; k++) {
      const unsigned char c = static_cast<unsigned char>(s[k]);
      if (c == ',') {
        if (commas < most) comma_[commas] = s + k;
        commas++;
      } else if (c < 0x20 || c > 0x7e || c == '"') {
        return decline("a quote, control or non-ASCII byte");
      }
    }
    if (lineNo_ == 1) return commas + 1 == f_.fields || decline("a header unlike the columns");
    // DuckDB takes a trailing comma past the last column for no field at all: its own reading.
    if (commas >= f_.fields && s[len - 1] == ',') return decline("a comma past the last column");
    if (commas + 1 != f_.fields) {
      // As DuckDB's rejects table has it (collectCsvRejects): "<error type>: <the line>".
      out_.malformed++;
      if (out_.samples.size() < part_.samplesPerReason) {
        std::string text(commas + 1 < f_.fields ? "missing columns: " : "too many columns: ");
        out_.samples.push_back({lineNo_, text.append(s, len)});
      }
      return true;
    }
    if (f_.fields > 63) return decline("more than 63 columns");
    comma_[commas] = s + len;  // the end of the last field
    const size_t i = batch_;
    for (int k = 0; k < 5; k++) {
      const int c = f_.col[k];
      if (c < 0) {
        rows_.p[i][k] = "";
        rows_.n[i][k] = 0;
        continue;
      }
      const char* from = c == 0 ? s : comma_[c - 1] + 1;
      rows_.p[i][k] = from;
      rows_.n[i][k] = uint32_t(comma_[c] - from);
    }
    double t = 0;
    const TimeText tt = timeText(rows_.p[i][1], rows_.n[i][1], &t);
    if (tt == TimeText::Unsure) return decline("a time only DuckDB can decide");
    rows_.timeNull[i] = tt == TimeText::Null;
    rows_.time[i] = t;
    if (days_) {
      // The index's day: as the pipeline's query, floor((t + 8 h) / 1 day) for -1e15 < t < 1e15.
      if (tt != TimeText::Null && t > -1e15 && t < 1e15) {
        const int64_t day = int64_t(std::floor((t + 28800000.0) / 86400000.0));
        if (!lastTally_ || day != lastDay_) {
          lastTally_ = &(*days_)[day];
          lastDay_ = day;
        }
        lastTally_->first++;
        lastTally_->second += recordHash(rows_, i, t);
      }
      if (!scan_) return true;
    }
    if (++batch_ == BATCH) flush();
    return true;
  }
};

}  // namespace

void indexCsvFiles(const std::vector<CsvInput>& files, int threads, std::vector<CsvOutcome>& out,
                   std::vector<CsvDays>& days) {
  out.assign(files.size(), CsvOutcome());
  days.assign(files.size(), CsvDays());
  onThreads(files.size(), threads, [&](size_t k) {
    Scan none;  // no registry, no sample: the index keeps counts only
    FileReader(files[k], none, out[k], &days[k], false).run();
    if (out[k].declined) days[k].clear();
  });
}

void readCsvFiles(Scan& j, const std::vector<CsvInput>& files, int threads, std::vector<CsvOutcome>& out) {
  out.assign(files.size(), CsvOutcome());
  readFileParts(j, files.size(), threads, [&](size_t k, Scan& part) {
    part.hasCounted = files[k].counted >= 0;
    FileReader(files[k], part, out[k]).run();
    if (!out[k].declined) return true;
    out[k].malformed = 0;
    out[k].samples.clear();
    return false;
  });
}

void indexAndReadCsvFiles(Scan& j, const std::vector<CsvInput>& files, int threads, const HomeRule& rule,
                          std::vector<CsvOutcome>& out, std::vector<CsvDays>& days, std::vector<int32_t>& kept) {
  out.assign(files.size(), CsvOutcome());
  days.assign(files.size(), CsvDays());
  kept.assign(files.size(), 0);
  readFileParts(j, files.size(), threads, [&](size_t k, Scan& part) {
    part.hasCounted = true;
    CsvInput f = files[k];
    f.counted = 1;
    FileReader(f, part, out[k], &days[k]).run();
    if (out[k].declined) {
      days[k].clear();
      out[k].malformed = 0;
      out[k].samples.clear();
      return false;
    }
    int64_t home = 0;
    bool any = false;
    for (const auto& [d, tally] : days[k])
      if (d >= rule.firstDay && d <= rule.lastDay && d <= rule.latestDay) home = d, any = true;
    kept[k] = any && home == rule.keepDay ? 1 : 0;
    if (kept[k]) return true;
    out[k].malformed = 0;  // (counted by the run that reads the file, if any)
    out[k].samples.clear();
    return false;
  });
}

}  // namespace stay
