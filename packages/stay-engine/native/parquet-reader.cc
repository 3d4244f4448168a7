// Signaling Parquet files read natively (see parquet-reader.h): the footer's
// Thrift metadata, each row group's five columns decoded (plain or dictionary
// pages, uncompressed or Snappy), a dictionary's texts looked up in the
// registries once, the records decided in batches by record-rules.h, a file per
// thread. Hand-written: the one library that reads Parquet in C++ (Apache
// Arrow's) is far larger than this addon and not on every machine that builds
// it, and only the flat columns of DATA.md's signaling files are read here.
#include "parquet-reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

#include "file-parts.h"
#include "record-rules.h"

namespace stay {
namespace {

using duck::Text;

/** Thrown where this reader would not read the file exactly as DuckDB does: DuckDB reads it. */
struct Decline {
  std::string why;
};
[[noreturn]] void decline(std::string why) { throw Decline{std::move(why)}; }

/** Thrift's compact protocol, as Parquet's footer and page headers are written in it. */
class Thrift {
 public:
  Thrift(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  size_t read(const uint8_t* from) const { return size_t(p_ - from); }
  uint8_t byte() {
    if (p_ >= end_) decline("a Parquet header cut short");
    return *p_++;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int s = 0; s < 64; s += 7) {
      const uint8_t b = byte();
      v |= uint64_t(b & 0x7f) << s;
      if (!(b & 0x80)) return v;
    }
    decline("a bad Parquet header");
  }
  int64_t zigzag() {
    const uint64_t v = varint();
    return int64_t(v >> 1) ^ -int64_t(v & 1);
  }
  std::string_view binary() {
    const uint64_t n = varint();
    if (n > uint64_t(end_ - p_)) decline("a Parquet header cut short");
    const std::string_view s(reinterpret_cast<const char*>(p_), size_t(n));
    p_ += n;
    return s;
  }
  /** Calls field(id, type) for each field of a struct, up to its stop; the field reads or skips its value. */
  template <class F>
  void fields(F&& field) {
    int16_t last = 0;
    for (;;) {
      const uint8_t b = byte();
      if (b == 0) return;
      const int type = b & 15;
      const int delta = b >> 4;
      const int16_t id = delta ? int16_t(last + delta) : int16_t(zigzag());
      last = id;
      field(id, type);
    }
  }
  int64_t integer(int type) {
    if (type == 3) return int8_t(byte());
    if (type >= 4 && type <= 6) return zigzag();
    decline("a Parquet header field of another type");
  }
  bool boolean(int type) {
    if (type == 1 || type == 2) return type == 1;
    decline("a Parquet header field of another type");
  }
  /** Calls elem(type) for each element of a list (or set). */
  template <class F>
  void list(F&& elem) {
    const uint8_t h = byte();
    uint64_t n = h >> 4;
    const int type = h & 15;
    if (n == 15) n = varint();
    if (n > uint64_t(end_ - p_)) decline("a Parquet header cut short");  // each element is a byte at least
    for (uint64_t k = 0; k < n; k++) elem(type);
  }
  void skip(int type, int depth = 0) {
    if (depth > 32) decline("a Parquet header nested too deep");
    switch (type) {
      case 1:
      case 2:
        return;  // a struct field's boolean is in its type
      case 3:
        byte();
        return;
      case 4:
      case 5:
      case 6:
        varint();
        return;
      case 7:
        if (end_ - p_ < 8) decline("a Parquet header cut short");
        p_ += 8;
        return;
      case 8:
        binary();
        return;
      case 9:
      case 10:
        list([&](int t) { element(t, depth + 1); });
        return;
      case 11: {
        const uint64_t n = varint();
        if (n == 0) return;
        const uint8_t kv = byte();
        if (n > uint64_t(end_ - p_)) decline("a Parquet header cut short");
        for (uint64_t k = 0; k < n; k++) {
          element(kv >> 4, depth + 1);
          element(kv & 15, depth + 1);
        }
        return;
      }
      case 12:
        fields([&](int16_t, int t) { skip(t, depth + 1); });
        return;
      default:
        decline("a bad Parquet header");
    }
  }

 private:
  /** A list's or map's element: a boolean there takes a byte. */
  void element(int type, int depth) {
    if (type == 1 || type == 2) byte();
    else skip(type, depth);
  }
  const uint8_t* p_;
  const uint8_t* end_;
};

// Parquet's enums (parquet.thrift).
constexpr int T_INT32 = 1, T_INT64 = 2, T_BYTE_ARRAY = 6;
constexpr int REQUIRED = 0, OPTIONAL = 1;
constexpr int CONVERTED_UTF8 = 0, CONVERTED_TIMESTAMP_MILLIS = 9, CONVERTED_TIMESTAMP_MICROS = 10,
              CONVERTED_INT_32 = 17, CONVERTED_INT_64 = 18;
constexpr int LOGICAL_STRING = 1, LOGICAL_TIMESTAMP = 8, LOGICAL_INTEGER = 10;
constexpr int UNIT_MILLIS = 1, UNIT_MICROS = 2;
constexpr int ENC_PLAIN = 0, ENC_PLAIN_DICTIONARY = 2, ENC_RLE = 3, ENC_RLE_DICTIONARY = 8;
constexpr int PAGE_DATA = 0, PAGE_INDEX = 1, PAGE_DICTIONARY = 2, PAGE_DATA_V2 = 3;
constexpr int CODEC_NONE = 0, CODEC_SNAPPY = 1;

struct SchemaNode {
  std::string name;
  int type = -1, repetition = REQUIRED, children = 0, converted = -1;
  /** The LogicalType union's member (0: none), with a timestamp's unit and an integer's width and sign. */
  int logical = 0, unit = 0, bits = 0;
  bool isSigned = true;
};

struct ColumnMeta {
  int type = -1, codec = -1;
  int64_t values = 0, compressed = 0, dataOffset = -1, dictOffset = -1;
  bool external = false;
};

struct RowGroup {
  int64_t rows = 0;
  std::vector<ColumnMeta> columns;
};

struct FileMeta {
  std::vector<SchemaNode> schema;
  std::vector<RowGroup> groups;
};

void readLogical(Thrift& th, SchemaNode& s) {
  th.fields([&](int16_t id, int type) {
    if (type != 12) return th.skip(type);
    s.logical = id;
    if (id == LOGICAL_TIMESTAMP) {
      th.fields([&](int16_t f, int t) {
        if (f == 2 && t == 12) th.fields([&](int16_t u, int ut) {
            s.unit = u;
            th.skip(ut);
          });
        else th.skip(t);
      });
    } else if (id == LOGICAL_INTEGER) {
      th.fields([&](int16_t f, int t) {
        if (f == 1) s.bits = int(th.integer(t));
        else if (f == 2) s.isSigned = th.boolean(t);
        else th.skip(t);
      });
    } else {
      th.skip(type);
    }
  });
}

ColumnMeta readColumnChunk(Thrift& th) {
  ColumnMeta c;
  th.fields([&](int16_t id, int type) {
    if (id == 1) {
      c.external = true;  // its values in another file
      th.skip(type);
    } else if (id == 3 && type == 12) {
      th.fields([&](int16_t f, int t) {
        switch (f) {
          case 1: c.type = int(th.integer(t)); break;
          case 4: c.codec = int(th.integer(t)); break;
          case 5: c.values = th.integer(t); break;
          case 7: c.compressed = th.integer(t); break;
          case 9: c.dataOffset = th.integer(t); break;
          case 11: c.dictOffset = th.integer(t); break;
          default: th.skip(t);
        }
      });
    } else if (id == 8 || id == 9) {
      decline("encrypted column");
    } else {
      th.skip(type);
    }
  });
  return c;
}

FileMeta readFileMeta(const uint8_t* p, size_t n) {
  Thrift th(p, n);
  FileMeta m;
  th.fields([&](int16_t id, int type) {
    if (id == 2 && type == 9) {
      th.list([&](int) {
        SchemaNode s;
        th.fields([&](int16_t f, int t) {
          switch (f) {
            case 1: s.type = int(th.integer(t)); break;
            case 3: s.repetition = int(th.integer(t)); break;
            case 4: s.name = std::string(th.binary()); break;
            case 5: s.children = int(th.integer(t)); break;
            case 6: s.converted = int(th.integer(t)); break;
            case 10:
              if (t == 12) readLogical(th, s);
              else th.skip(t);
              break;
            default: th.skip(t);
          }
        });
        m.schema.push_back(std::move(s));
      });
    } else if (id == 4 && type == 9) {
      th.list([&](int) {
        RowGroup g;
        th.fields([&](int16_t f, int t) {
          if (f == 1 && t == 9) th.list([&](int) { g.columns.push_back(readColumnChunk(th)); });
          else if (f == 3) g.rows = th.integer(t);
          else th.skip(t);
        });
        m.groups.push_back(std::move(g));
      });
    } else {
      th.skip(type);
    }
  });
  return m;
}

struct PageHeader {
  int type = -1;
  int64_t uncompressed = -1, compressed = -1;
  int64_t values = 0;
  int encoding = -1, defEncoding = ENC_RLE;
  int64_t defBytes = 0, repBytes = 0;
  bool isCompressed = true;
};

PageHeader readPageHeader(Thrift& th) {
  PageHeader h;
  th.fields([&](int16_t id, int type) {
    switch (id) {
      case 1: h.type = int(th.integer(type)); break;
      case 2: h.uncompressed = th.integer(type); break;
      case 3: h.compressed = th.integer(type); break;
      case 5:  // DataPageHeader
        th.fields([&](int16_t f, int t) {
          if (f == 1) h.values = th.integer(t);
          else if (f == 2) h.encoding = int(th.integer(t));
          else if (f == 3) h.defEncoding = int(th.integer(t));
          else th.skip(t);
        });
        break;
      case 7:  // DictionaryPageHeader
        th.fields([&](int16_t f, int t) {
          if (f == 1) h.values = th.integer(t);
          else if (f == 2) h.encoding = int(th.integer(t));
          else th.skip(t);
        });
        break;
      case 8:  // DataPageHeaderV2
        th.fields([&](int16_t f, int t) {
          switch (f) {
            case 1: h.values = th.integer(t); break;
            case 4: h.encoding = int(th.integer(t)); break;
            case 5: h.defBytes = th.integer(t); break;
            case 6: h.repBytes = th.integer(t); break;
            case 7: h.isCompressed = th.boolean(t); break;
            default: th.skip(t);
          }
        });
        break;
      default: th.skip(type);
    }
  });
  return h;
}

/** Snappy's raw format (a page's compression): `in` inflated into exactly `outLen` bytes at `out`. */
void unsnappy(const uint8_t* in, size_t n, uint8_t* out, size_t outLen) {
  size_t ip = 0;
  uint64_t len = 0;
  for (int s = 0;; s += 7) {
    if (ip >= n || s > 35) decline("a bad Snappy page");
    const uint8_t b = in[ip++];
    len |= uint64_t(b & 0x7f) << s;
    if (!(b & 0x80)) break;
  }
  if (len != outLen) decline("a Snappy page of another size");
  size_t op = 0;
  while (ip < n) {
    const uint8_t tag = in[ip++];
    size_t length, offset;
    switch (tag & 3) {
      case 0: {
        length = tag >> 2;
        if (length >= 60) {
          const size_t bytes = length - 59;
          if (n - ip < bytes) decline("a bad Snappy page");
          length = 0;
          for (size_t k = 0; k < bytes; k++) length |= size_t(in[ip + k]) << (8 * k);
          ip += bytes;
        }
        length += 1;
        if (n - ip < length || outLen - op < length) decline("a bad Snappy page");
        std::memcpy(out + op, in + ip, length);
        ip += length;
        op += length;
        continue;
      }
      case 1:
        if (ip >= n) decline("a bad Snappy page");
        length = ((tag >> 2) & 7) + 4;
        offset = (size_t(tag >> 5) << 8) | in[ip++];
        break;
      case 2:
        if (n - ip < 2) decline("a bad Snappy page");
        length = size_t(tag >> 2) + 1;
        offset = size_t(in[ip]) | size_t(in[ip + 1]) << 8;
        ip += 2;
        break;
      default:
        if (n - ip < 4) decline("a bad Snappy page");
        length = size_t(tag >> 2) + 1;
        offset = size_t(in[ip]) | size_t(in[ip + 1]) << 8 | size_t(in[ip + 2]) << 16 | size_t(in[ip + 3]) << 24;
        ip += 4;
    }
    if (offset == 0 || offset > op || outLen - op < length) decline("a bad Snappy page");
    uint8_t* to = out + op;
    const uint8_t* from = to - offset;
    if (offset >= length) std::memcpy(to, from, length);
    else
      for (size_t k = 0; k < length; k++) to[k] = from[k];  // overlapping: a repeated pattern
    op += length;
  }
  if (op != outLen) decline("a Snappy page of another size");
}

/** `count` values of `width` bits from RLE / bit-packed hybrid data (levels, dictionary indices). */
void unhybrid(const uint8_t* p, size_t n, int width, size_t count, uint32_t* out) {
  if (width < 0 || width > 32) decline("a bad bit width");
  const size_t bytes = size_t(width + 7) / 8;
  const uint64_t mask = (uint64_t(1) << width) - 1;
  size_t ip = 0, got = 0;
  while (got < count) {
    uint64_t h = 0;
    for (int s = 0;; s += 7) {
      if (ip >= n || s > 35) decline("RLE data cut short");
      const uint8_t b = p[ip++];
      h |= uint64_t(b & 0x7f) << s;
      if (!(b & 0x80)) break;
    }
    if (h & 1) {
      const size_t values = size_t(h >> 1) * 8;
      const size_t need = size_t(h >> 1) * size_t(width);
      if (n - ip < need) decline("bit-packed data cut short");
      const size_t take = std::min(values, count - got);
      size_t v = 0;
      if (width <= 24) {
        // Each value from the 8 bytes it starts in, while 8 bytes are there to read.
        for (; v < take && ip + (v * size_t(width)) / 8 + 8 <= n; v++) {
          const size_t bit = v * size_t(width);
          uint64_t w;
          std::memcpy(&w, p + ip + bit / 8, 8);
          out[got + v] = uint32_t((w >> (bit % 8)) & mask);
        }
      }
      for (; v < take; v++) {
        uint64_t x = 0;
        const size_t bit = v * size_t(width);
        for (size_t b = bit / 8; b * 8 < bit + size_t(width); b++) x |= uint64_t(p[ip + b]) << (b * 8 - bit / 8 * 8);
        out[got + v] = uint32_t((x >> (bit % 8)) & mask);
      }
      got += take;
      ip += need;
    } else {
      if (n - ip < bytes) decline("RLE data cut short");
      uint32_t v = 0;
      for (size_t k = 0; k < bytes; k++) v |= uint32_t(p[ip + k]) << (8 * k);
      ip += bytes;
      const size_t run = std::min(size_t(h >> 1), count - got);
      for (size_t k = 0; k < run; k++) out[got++] = v;
    }
  }
}

bool ascii(std::string_view s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

/** The five signaling columns, as the reader keeps a row group of them. */
enum Col { MSISDN = 0, CELL = 1, PLMN = 2, EVENT = 3, TS = 4 };
const char* const NAMES[5] = {"msisdn", "cell_id", "plmn", "event", "ts"};

/** How a column's values become what rawScanSql gives: text, or ts as epoch milliseconds. */
enum class Kind { Text, Millis, Micros, Integer };

struct Leaf {
  int index = -1;  // among the file's leaf columns
  int type = -1;
  bool optional = false;
  Kind kind = Kind::Text;
};

/** One row group's column, decoded: per row a text's id in `texts` (-1 for NULL), or ts's time. */
struct Column {
  std::vector<int32_t> ids;
  std::vector<std::string_view> texts;
  /** Per text: what decideRows would find by it (subscriber, cell or event hash). */
  std::vector<int32_t> found;
  std::vector<double> t;
  std::vector<uint8_t> null;
};

/** A batch of a row group's rows, as decideRows reads them (its LooksUp side included). */
struct GroupRows {
  const Column* c;
  size_t from;
  int32_t nullEvent;
  Text text(int k, size_t i) const {
    const int32_t x = c[k].ids[from + i];
    if (x < 0) return {"", 0, true};
    const std::string_view& s = c[k].texts[size_t(x)];
    return {s.data(), uint32_t(s.size()), false};
  }
  Text msisdn(size_t i) const { return text(MSISDN, i); }
  Text ts(size_t) const { return {"", 0, true}; }  // rawScanSql's ts of a typed time: NULL::VARCHAR
  Text cell(size_t i) const { return text(CELL, i); }
  Text plmn(size_t i) const { return text(PLMN, i); }
  Text event(size_t i) const { return text(EVENT, i); }
  bool tNull(size_t i) const { return c[TS].null[from + i] != 0; }
  double t(size_t i) const { return c[TS].t[from + i]; }
  bool countedNull(size_t) const { return true; }
  bool counted(size_t) const { return true; }
  int32_t found(int k, size_t i, int32_t ifNull) const {
    const int32_t x = c[k].ids[from + i];
    return x < 0 ? ifNull : c[k].found[size_t(x)];
  }
  int32_t subIndex(size_t i) const { return found(MSISDN, i, -1); }
  int32_t cellIndex(size_t i) const { return found(CELL, i, -1); }
  int32_t eventHash(size_t i) const { return found(EVENT, i, nullEvent); }
};

/** A file's footer and the five columns' leaves, read once; its row groups are read by GroupReader, on any thread. */
class ParquetFile {
 public:
  explicit ParquetFile(const std::string& path) : path_(path) {}
  ~ParquetFile() {
    if (fd_ >= 0) close(fd_);
  }
  ParquetFile(const ParquetFile&) = delete;
  ParquetFile& operator=(const ParquetFile&) = delete;

  /** Opens the file and reads its footer: its schema's five columns found, its row groups listed. */
  void open() {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd_ < 0 || fstat(fd_, &st) != 0) decline("cannot open");
    size_ = int64_t(st.st_size);
    if (size_ < 12) decline("not a Parquet file");
    uint8_t tail[8], head[4];
    readAt(tail, 8, size_ - 8);
    readAt(head, 4, 0);
    if (std::memcmp(tail + 4, "PAR1", 4) != 0 || std::memcmp(head, "PAR1", 4) != 0) decline("not a plain Parquet file");
    const int64_t footer = int64_t(uint32_t(tail[0]) | uint32_t(tail[1]) << 8 | uint32_t(tail[2]) << 16 |
                                   uint32_t(tail[3]) << 24);
    if (footer <= 0 || footer > size_ - 12) decline("a bad Parquet footer");
    std::vector<uint8_t> meta(static_cast<size_t>(footer));
    readAt(meta.data(), size_t(footer), size_ - 8 - footer);
    dataEnd_ = size_ - 8 - footer;
    meta_ = readFileMeta(meta.data(), meta.size());
    findColumns(meta_);
  }

  const std::vector<RowGroup>& groups() const { return meta_.groups; }
  const Leaf& leaf(int k) const { return leaf_[k]; }
  size_t leaves() const { return leaves_; }
  int64_t dataEnd() const { return dataEnd_; }

  void readAt(void* to, size_t n, int64_t at) const {
    auto* p = static_cast<uint8_t*>(to);
    while (n > 0) {
      const ssize_t got = pread(fd_, p, n, off_t(at));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) decline("read failed");
      p += got;
      n -= size_t(got);
      at += got;
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
  int64_t size_ = 0, dataEnd_ = 0;
  FileMeta meta_;
  Leaf leaf_[5];
  size_t leaves_ = 0;

  /** The leaf columns of the five, by name as DuckDB matches them (case aside), checked for a type read here. */
  void findColumns(const FileMeta& m) {
    const auto& s = m.schema;
    if (s.empty()) decline("no schema");
    size_t at = 1;
    int leaves = 0;
    // A node and everything under it: its leaves counted.
    auto subtree = [&](auto&& self, int depth) -> void {
      if (at >= s.size() || depth > 64) decline("a bad schema");
      const SchemaNode& node = s[at++];
      if (node.children <= 0) {
        leaves++;
        return;
      }
      for (int k = 0; k < node.children; k++) self(self, depth + 1);
    };
    for (int c = 0; c < s[0].children; c++) {
      if (at >= s.size()) decline("a bad schema");
      const SchemaNode& node = s[at];
      std::string lower = node.name;
      for (char& ch : lower) ch = char(std::tolower(static_cast<unsigned char>(ch)));
      for (int k = 0; k < 5; k++) {
        if (lower != NAMES[k]) continue;
        if (leaf_[k].index >= 0) decline(std::string("two columns named ") + NAMES[k]);
        if (node.children > 0 || node.type < 0) decline(std::string("a nested column ") + NAMES[k]);
        if (node.repetition != REQUIRED && node.repetition != OPTIONAL) decline("a repeated column");
        leaf_[k].index = leaves;
        leaf_[k].type = node.type;
        leaf_[k].optional = node.repetition == OPTIONAL;
        leaf_[k].kind = kindOf(node, k == TS);
      }
      subtree(subtree, 0);
    }
    if (at != s.size()) decline("a bad schema");
    leaves_ = size_t(leaves);
    for (int k = 0; k < 5; k++)
      if (leaf_[k].index < 0) decline(std::string("no column ") + NAMES[k]);
  }

  static Kind kindOf(const SchemaNode& n, bool time) {
    if (!time) {
      // rawScanSql's CAST(x AS VARCHAR) of a text is the text itself; of anything else, DuckDB's own.
      const bool text = n.logical == LOGICAL_STRING || (n.logical == 0 && n.converted == CONVERTED_UTF8);
      if (n.type != T_BYTE_ARRAY || !text) decline("a text column of another type");
      return Kind::Text;
    }
    // parquetTimeSql: a timestamp is epoch_ms(ts); an integer is ts::DOUBLE.
    if (n.type == T_INT64) {
      int unit = 0;
      if (n.logical == LOGICAL_TIMESTAMP) unit = n.unit;
      else if (n.logical == 0 && n.converted == CONVERTED_TIMESTAMP_MILLIS) unit = UNIT_MILLIS;
      else if (n.logical == 0 && n.converted == CONVERTED_TIMESTAMP_MICROS) unit = UNIT_MICROS;
      if (unit == UNIT_MILLIS) return Kind::Millis;
      if (unit == UNIT_MICROS) return Kind::Micros;
    }
    const bool plainInt = (n.logical == 0 && (n.converted < 0 || n.converted == CONVERTED_INT_32 ||
                                              n.converted == CONVERTED_INT_64)) ||
                          (n.logical == LOGICAL_INTEGER && n.isSigned && n.bits == (n.type == T_INT64 ? 64 : 32));
    if ((n.type == T_INT64 || n.type == T_INT32) && plainInt) return Kind::Integer;
    decline("a time column of another type");
  }

};

/**
 * Reads row groups of open files into parts of a scan, one at a time; its buffers are kept
 * from one row group to the next (a thread's reader: fresh memory costs a page fault a page).
 */
class GroupReader {
 public:
  /** Row group `g` of `file` into `part`. */
  void read(const ParquetFile& file, const RowGroup& g, Scan& part) {
    file_ = &file;
    part_ = &part;
    group(g);
  }

 private:
  const ParquetFile* file_ = nullptr;
  Scan* part_ = nullptr;
  Column col_[5];
  /**
   * The row group's bytes: column chunks read, pages inflated (the texts point into them).
   * Kept from one row group to the next and reused.
   */
  std::vector<std::vector<uint8_t>> held_;
  size_t heldUsed_ = 0;

  /** A buffer of `n` bytes that lasts until the next row group. */
  uint8_t* hold(size_t n) {
    if (heldUsed_ == held_.size()) held_.emplace_back();
    std::vector<uint8_t>& b = held_[heldUsed_++];
    if (b.size() < n) b.resize(n);
    return b.data();
  }
  std::vector<uint32_t> levels_, indices_;

  /** A page's bytes as written (inflated where compressed): kept with the row group. */
  const uint8_t* inflate(int codec, const uint8_t* data, size_t n, size_t out) {
    if (codec == CODEC_NONE) {
      if (n != out) decline("a page of another size");
      return data;
    }
    uint8_t* to = hold(out ? out : 1);
    unsnappy(data, n, to, out);
    return to;
  }

  /** Adds a text to column k's table (a dictionary entry or a plain value): its id (looked up by lookUp). */
  int32_t addText(int k, std::string_view s) {
    if (!ascii(s)) decline("a non-ASCII text");
    Column& c = col_[k];
    c.texts.push_back(s);
    return int32_t(c.texts.size() - 1);
  }

  /**
   * What decideRows would find by column k's texts from `first` on (subscriber, cell, event
   * hash), in windows whose table slots are fetched ahead: a lookup then rarely waits on memory.
   */
  void lookUp(int k, size_t first) {
    Column& c = col_[k];
    const size_t n = c.texts.size();
    c.found.resize(n);
    if (k == PLMN) return;
    if (k == EVENT) {
      for (size_t i = first; i < n; i++) c.found[i] = eventHash(c.texts[i].data(), c.texts[i].size());
      return;
    }
    const KeyTable& table = k == MSISDN ? part_->subTable() : part_->cellTable();
    constexpr size_t WINDOW = 32;
    uint64_t hash[WINDOW];
    for (size_t from = first; from < n; from += WINDOW) {
      const size_t to = std::min(n, from + WINDOW);
      for (size_t i = from; i < to; i++) {
        hash[i - from] = table.keyHash(c.texts[i].data(), c.texts[i].size());
        table.prefetch(hash[i - from]);
      }
      for (size_t i = from; i < to; i++) c.found[i] = table.find(hash[i - from], c.texts[i].data(), c.texts[i].size());
    }
  }

  /** ts's value as rawScanSql's t: epoch milliseconds of a timestamp (1970 to 9999 only), an integer as it is. */
  double time(const Leaf& l, int64_t v) const {
    switch (l.kind) {
      case Kind::Millis:
        if (v < 0 || v > 253402300799999LL) decline("a time before 1970 or past 9999");
        return double(v);
      case Kind::Micros:
        if (v < 0 || v > 253402300799999999LL) decline("a time before 1970 or past 9999");
        return double(v / 1000);
      default:
        return double(v);
    }
  }

  /** Plain values: `count` of them from `p` (n bytes), each handed to `take` (a text's id, or a time). */
  template <class Take>
  void plain(int k, const Leaf& l, const uint8_t* p, size_t n, size_t count, Take&& take) {
    size_t ip = 0;
    for (size_t v = 0; v < count; v++) {
      if (l.type == T_BYTE_ARRAY) {
        if (n - ip < 4) decline("plain values cut short");
        const uint32_t len = uint32_t(p[ip]) | uint32_t(p[ip + 1]) << 8 | uint32_t(p[ip + 2]) << 16 |
                             uint32_t(p[ip + 3]) << 24;
        ip += 4;
        if (n - ip < len) decline("plain values cut short");
        take(addText(k, std::string_view(reinterpret_cast<const char*>(p + ip), len)), 0.0);
        ip += len;
      } else {
        const size_t w = l.type == T_INT64 ? 8 : 4;
        if (n - ip < w) decline("plain values cut short");
        int64_t x;
        if (w == 8) std::memcpy(&x, p + ip, 8);
        else {
          int32_t y;
          std::memcpy(&y, p + ip, 4);
          x = y;
        }
        ip += w;
        take(-1, time(l, x));
      }
    }
  }

  /** Column k of a row group, `rows` rows, into col_[k]. */
  void column(int k, const ColumnMeta& cm, int64_t rows) {
    const Leaf& l = file_->leaf(k);
    Column& c = col_[k];
    // Not filled: each row is written once, by the page that holds it (a NULL where its level says so).
    if (k == TS) {
      c.t.resize(size_t(rows));
      c.null.resize(size_t(rows));
    } else {
      c.ids.resize(size_t(rows));
    }
    c.texts.clear();
    c.found.clear();
    if (cm.external) decline("a column in another file");
    if (cm.type != l.type) decline("a column chunk of another type");
    if (cm.codec != CODEC_NONE && cm.codec != CODEC_SNAPPY) decline("a codec other than none or Snappy");
    const int64_t start = cm.dictOffset > 0 && cm.dictOffset < cm.dataOffset ? cm.dictOffset : cm.dataOffset;
    if (start < 4 || cm.compressed <= 0 || cm.compressed > file_->dataEnd() - start) decline("a column chunk out of the file");
    uint8_t* chunk = hold(size_t(cm.compressed));
    file_->readAt(chunk, size_t(cm.compressed), start);
    const size_t len = size_t(cm.compressed);
    // The dictionary: texts' ids, or times.
    std::vector<int32_t> dictIds;
    std::vector<double> dictTimes;
    bool haveDict = false;
    size_t pos = 0;
    int64_t row = 0;
    while (row < rows) {
      if (pos >= len) decline("a column chunk cut short");
      Thrift th(chunk + pos, len - pos);
      const PageHeader h = readPageHeader(th);
      pos += th.read(chunk + pos);
      if (h.compressed < 0 || h.uncompressed < 0 || size_t(h.compressed) > len - pos) decline("a bad page header");
      const uint8_t* data = chunk + pos;
      pos += size_t(h.compressed);
      if (h.type == PAGE_INDEX) continue;
      if (h.type == PAGE_DICTIONARY) {
        if (haveDict || (h.encoding != ENC_PLAIN && h.encoding != ENC_PLAIN_DICTIONARY) || h.values < 0)
          decline("a dictionary page read otherwise");
        haveDict = true;
        const uint8_t* page = inflate(cm.codec, data, size_t(h.compressed), size_t(h.uncompressed));
        const size_t first = c.texts.size();
        plain(k, l, page, size_t(h.uncompressed), size_t(h.values), [&](int32_t id, double t) {
          if (k == TS) dictTimes.push_back(t);
          else dictIds.push_back(id);
        });
        if (k != TS) lookUp(k, first);
        continue;
      }
      if (h.type != PAGE_DATA && h.type != PAGE_DATA_V2) decline("a page of another type");
      if (h.values < 0 || h.values > rows - row) decline("more values than rows");
      const size_t count = size_t(h.values);
      const uint8_t* values;
      size_t valuesLen;
      const uint8_t* defs = nullptr;
      size_t defsLen = 0;
      if (h.type == PAGE_DATA) {
        const uint8_t* page = inflate(cm.codec, data, size_t(h.compressed), size_t(h.uncompressed));
        size_t at = 0;
        const size_t pageLen = size_t(h.uncompressed);
        if (l.optional) {
          if (h.defEncoding != ENC_RLE || pageLen < 4) decline("levels read otherwise");
          defsLen = size_t(page[0]) | size_t(page[1]) << 8 | size_t(page[2]) << 16 | size_t(page[3]) << 24;
          if (defsLen > pageLen - 4) decline("levels cut short");
          defs = page + 4;
          at = 4 + defsLen;
        }
        values = page + at;
        valuesLen = pageLen - at;
      } else {
        if (h.repBytes != 0 || h.defBytes < 0 || h.defBytes > h.compressed || h.defBytes > h.uncompressed)
          decline("levels read otherwise");
        defs = data;
        defsLen = size_t(h.defBytes);
        const size_t rest = size_t(h.compressed - h.defBytes), restOut = size_t(h.uncompressed - h.defBytes);
        values = h.isCompressed ? inflate(cm.codec, data + defsLen, rest, restOut) : data + defsLen;
        valuesLen = h.isCompressed ? restOut : rest;
        if (!h.isCompressed && rest != restOut) decline("a page of another size");
        if (!l.optional && defsLen) decline("levels of a required column");
      }
      // Definition levels: 1 a value, 0 a NULL.
      size_t present = count;
      levels_.resize(count);
      if (l.optional) {
        unhybrid(defs, defsLen, 1, count, levels_.data());
        present = 0;
        for (size_t v = 0; v < count; v++) {
          if (levels_[v] > 1) decline("a bad level");
          present += levels_[v];
        }
        if (present < count) {
          const size_t r0 = size_t(row);
          for (size_t v = 0; v < count; v++) {
            if (levels_[v]) continue;
            if (k == TS) {
              c.t[r0 + v] = 0;
              c.null[r0 + v] = 1;
            } else {
              c.ids[r0 + v] = -1;
            }
          }
        }
      }
      size_t next = 0;  // the row of the next value
      auto rowOf = [&]() {
        if (l.optional)
          while (levels_[next] == 0) next++;
        return size_t(row) + next++;
      };
      if (h.encoding == ENC_PLAIN) {
        const size_t first = c.texts.size();
        plain(k, l, values, valuesLen, present, [&](int32_t id, double t) {
          const size_t r = rowOf();
          if (k == TS) {
            c.t[r] = t;
            c.null[r] = 0;
          } else c.ids[r] = id;
        });
        if (k != TS) lookUp(k, first);
      } else if (h.encoding == ENC_RLE_DICTIONARY || h.encoding == ENC_PLAIN_DICTIONARY) {
        if (!haveDict) decline("dictionary indices without a dictionary");
        if (present) {
          if (valuesLen < 1) decline("dictionary indices cut short");
          indices_.resize(present);
          unhybrid(values + 1, valuesLen - 1, values[0], present, indices_.data());
        }
        const size_t dictSize = k == TS ? dictTimes.size() : dictIds.size();
        if (present == count && k != TS) {
          // No NULL in the page: value v is row v's.
          int32_t* ids = c.ids.data() + row;
          for (size_t v = 0; v < present; v++) {
            const uint32_t x = indices_[v];
            if (x >= dictSize) decline("a dictionary index out of range");
            ids[v] = dictIds[x];
          }
        } else if (present == count) {
          double* t = c.t.data() + row;
          uint8_t* isNull = c.null.data() + row;
          for (size_t v = 0; v < present; v++) {
            const uint32_t x = indices_[v];
            if (x >= dictSize) decline("a dictionary index out of range");
            t[v] = dictTimes[x];
            isNull[v] = 0;
          }
        } else {
          for (size_t v = 0; v < present; v++) {
            const uint32_t x = indices_[v];
            if (x >= dictSize) decline("a dictionary index out of range");
            const size_t r = rowOf();
            if (k == TS) {
              c.t[r] = dictTimes[x];
              c.null[r] = 0;
            } else c.ids[r] = dictIds[x];
          }
        }
      } else {
        decline("an encoding other than plain or dictionary");
      }
      row += int64_t(count);
    }
  }

  void group(const RowGroup& g) {
    if (g.columns.size() != file_->leaves()) decline("a row group of other columns");
    if (g.rows < 0) decline("a bad row group");
    heldUsed_ = 0;
    for (int k = 0; k < 5; k++) column(k, g.columns[size_t(file_->leaf(k).index)], g.rows);
    const int32_t nullEvent = eventHash("", 0);
    constexpr size_t BATCH = 2048;
    for (size_t from = 0; from < size_t(g.rows); from += BATCH)
      decideRows(*part_, GroupRows{col_, from, nullEvent}, std::min(BATCH, size_t(g.rows) - from));
  }
};

}  // namespace

void readParquetFiles(Scan& j, const std::vector<std::string>& paths, int threads, std::vector<ParquetOutcome>& out) {
  const size_t nf = paths.size();
  out.assign(nf, ParquetOutcome());
  // The footers first (a few KB each), then every file's row groups shared out between the
  // threads, each into a part of its own: a file per thread left a thread idle at the end (the
  // bench world's 7 files on 2 threads went 4 and 3).
  std::vector<std::unique_ptr<ParquetFile>> files(nf);
  onThreads(nf, threads, [&](size_t k) {
    auto f = std::make_unique<ParquetFile>(paths[k]);
    try {
      f->open();
      files[k] = std::move(f);
    } catch (const Decline& d) {
      out[k].declined = true;
      out[k].why = d.why;
    }
  });
  struct Item {
    size_t file, group;
  };
  std::vector<Item> items;
  for (size_t k = 0; k < nf; k++)
    if (files[k])
      for (size_t g = 0; g < files[k]->groups().size(); g++) items.push_back({k, g});
  std::vector<std::unique_ptr<ChunkSet>> sets(items.size());
  std::vector<std::unique_ptr<Scan>> parts(items.size());
  // Per row group, why it was declined ("" when read): a file is read whole or not at all.
  std::vector<std::string> why(items.size());
  std::vector<uint8_t> declined(items.size(), 0);
  std::atomic<size_t> next{0};
  std::mutex failed;
  std::string error;
  auto loop = [&] {
    GroupReader reader;  // its buffers serve every row group this thread reads
    for (size_t i; (i = next.fetch_add(1)) < items.size();) {
      const Item& it = items[i];
      try {
        sets[i] = std::make_unique<ChunkSet>();
        parts[i] = scanPart(j, sets[i].get());
        reader.read(*files[it.file], files[it.file]->groups()[it.group], *parts[i]);
      } catch (const Decline& d) {
        declined[i] = 1;
        why[i] = d.why;
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(failed);
        error = e.what();
      }
    }
  };
  {
    const int m = std::max(1, std::min(threads, int(items.size())));
    std::vector<std::thread> pool;
    for (int k = 1; k < m; k++) pool.emplace_back(loop);
    loop();
    for (auto& th : pool) th.join();
  }
  if (!error.empty()) throw std::runtime_error(error);
  // A file with a row group declined is declined, for the first such group's reason.
  for (size_t i = 0; i < items.size(); i++) {
    ParquetOutcome& o = out[items[i].file];
    if (declined[i] && !o.declined) {
      o.declined = true;
      o.why = why[i];
    }
  }
  // The parts of the files read, merged in file and row-group order.
  for (size_t i = 0; i < items.size(); i++)
    if (!out[items[i].file].declined) mergeScan(j, *parts[i]);
  orderSegments(j);
}

}  // namespace stay
