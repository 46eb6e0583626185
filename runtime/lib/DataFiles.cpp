//===- DataFiles.cpp - Users' data in and samples out: CSV, NPY, IDX ------===//
//
// Binary formats are decoded byte by byte (NPY is little-endian, IDX
// big-endian), so the code does not depend on the host's byte order.
//
//===----------------------------------------------------------------------===//

#include "ade/runtime/DataFiles.h"

#include "ade/runtime/AtomicFile.h"
#include "ade/runtime/Error.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <zlib.h>

namespace ade {

namespace {

std::string quoted(const std::string &path) { return "'" + path + "'"; }

[[noreturn]] void fail(const std::string &path, const std::string &problem) {
  throw Error("data file " + quoted(path) + " " + problem);
}

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.substr(text.size() - suffix.size()) == suffix;
}

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string readWholeFile(const std::string &path) {
  std::unique_ptr<FILE, int (*)(FILE *)> file(std::fopen(path.c_str(), "rb"),
                                              std::fclose);
  if (!file)
    throw Error("cannot read data file " + quoted(path) + ": " +
                std::strerror(errno));
  std::string contents;
  char buffer[1 << 16];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, file.get())) > 0)
    contents.append(buffer, got);
  // A directory opens but fails on the first read (EISDIR).
  if (std::ferror(file.get()))
    throw Error("cannot read data file " + quoted(path) + ": " +
                std::strerror(errno));
  return contents;
}

uint32_t readBigEndian32(const unsigned char *bytes) {
  return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 |
         uint32_t(bytes[2]) << 8 | uint32_t(bytes[3]);
}

/// The size, header included, that IDX contents of unsigned bytes (the
/// only IDX data read) beginning with `prefix` declare, once `prefix` holds
/// the header: nothing for other contents, and the largest size for a
/// shape whose size overflows.
std::optional<uint64_t> declaredIdxSize(std::string_view prefix) {
  const auto *raw = reinterpret_cast<const unsigned char *>(prefix.data());
  if (prefix.size() < 4 || raw[0] != 0 || raw[1] != 0 || raw[2] != 0x08 ||
      prefix.size() < 4 + 4 * size_t(raw[3]))
    return std::nullopt;
  uint64_t size = 1;
  for (size_t i = 0; i < raw[3]; ++i)
    if (__builtin_mul_overflow(size, uint64_t(readBigEndian32(raw + 4 + 4 * i)),
                               &size))
      return std::numeric_limits<uint64_t>::max();
  return size + 4 + 4 * uint64_t(raw[3]);
}

/// Beyond the IDX check, a bound on what a small gzip file may inflate to.
constexpr size_t kMaxDecompressedBytes = size_t(2) << 30;

std::string readGzipFile(const std::string &path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file)
    throw Error("cannot read data file " + quoted(path) + ": " +
                std::strerror(errno));
  std::string contents;
  char buffer[1 << 16];
  int got;
  std::optional<uint64_t> declared;
  while ((got = gzread(file, buffer, sizeof buffer)) > 0) {
    contents.append(buffer, size_t(got));
    // Decompressing stops past the size an IDX header declares: a small
    // file may inflate to gigabytes.
    if (!declared)
      declared = declaredIdxSize(contents);
    if (declared && contents.size() > *declared) {
      gzclose(file);
      fail(path, "is longer than its header says: the IDX header declares " +
                     std::to_string(*declared) +
                     " bytes, the decompressed file has more");
    }
    if (contents.size() > kMaxDecompressedBytes) {
      gzclose(file);
      fail(path, "decompresses to more than 2 GiB: decompress it first");
    }
  }
  // A truncated stream reads as a short file with Z_BUF_ERROR set.
  int status;
  std::string reason = gzerror(file, &status);
  gzclose(file);
  if (got < 0 || status != Z_OK)
    fail(path, "is not a valid gzip file: " + reason);
  return contents;
}

/// The number of bytes the data of `shape` need at `itemSize` bytes per
/// element, or nothing when that overflows (a damaged header).
std::optional<uint64_t> dataBytes(const std::vector<int64_t> &shape,
                                  uint64_t itemSize) {
  uint64_t product = itemSize;
  for (int64_t dimension : shape)
    if (__builtin_mul_overflow(product, uint64_t(dimension), &product))
      return std::nullopt;
  return product;
}

/// Rejects data whose size disagrees with the header's shape.
void checkDataSize(const std::string &path, const std::string &what,
                   std::optional<uint64_t> expected, uint64_t available) {
  if (expected == available)
    return;
  std::string needed = expected ? std::to_string(*expected) : "more than 2^64";
  fail(path, std::string(!expected || *expected > available
                             ? "is truncated"
                             : "is longer than its header says") +
                 ": " + what + " needs " + needed +
                 " bytes of data, the file has " + std::to_string(available));
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

/// A matrix, still without values, of shape[0] rows holding the rest of
/// `shape` flattened.
Matrix shapedMatrix(const std::string &path,
                    const std::vector<int64_t> &shape) {
  Matrix data;
  data.rows = shape[0];
  data.cols = 1;
  for (size_t i = 1; i < shape.size(); ++i)
    data.cols *= shape[i];
  if (data.rows == 0 || data.cols == 0)
    fail(path, "holds no data (shape " + shapeText(shape) + ")");
  return data;
}

//===----------------------------------------------------------------------===//
// NPY
//===----------------------------------------------------------------------===//

constexpr std::string_view kNpyMagic = "\x93NUMPY";

uint64_t readLittleEndian(const unsigned char *bytes, int count) {
  uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i)
    value = (value << 8) | bytes[i];
  return value;
}

struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

/// The header is the repr of a Python dict with the keys descr,
/// fortran_order and shape; this parses exactly that subset of Python.
class NpyHeaderParser {
public:
  NpyHeaderParser(const std::string &path, std::string_view text)
      : path(path), text(text) {}

  NpyHeader parse() {
    NpyHeader header;
    bool seenDescr = false, seenOrder = false, seenShape = false;
    expect('{');
    while (!consume('}')) {
      std::string key = parseString();
      expect(':');
      if (key == "descr") {
        skipSpace();
        if (pos < text.size() && text[pos] == '[')
          fail(path, "has a structured NPY dtype; only plain numeric arrays "
                     "(float32, float64, int32, int64, uint8) are supported");
        header.descr = parseString();
        seenDescr = true;
      } else if (key == "fortran_order") {
        header.fortranOrder = parseBool();
        seenOrder = true;
      } else if (key == "shape") {
        header.shape = parseShape();
        seenShape = true;
      } else {
        malformed("unexpected key '" + key + "'");
      }
      if (!consume(',')) {
        expect('}');
        break;
      }
    }
    if (!seenDescr || !seenOrder || !seenShape)
      malformed("it lacks one of the keys descr, fortran_order and shape");
    return header;
  }

private:
  [[noreturn]] void malformed(const std::string &why) {
    fail(path,
         "has a malformed NPY header (" + why + "): " + std::string(text));
  }

  void skipSpace() {
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\t'))
      ++pos;
  }

  bool consume(char c) {
    skipSpace();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }

  void expect(char c) {
    if (!consume(c))
      malformed(std::string("expected '") + c + "' at offset " +
                std::to_string(pos));
  }

  std::string parseString() {
    skipSpace();
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      malformed("expected a string at offset " + std::to_string(pos));
    char quote = text[pos++];
    size_t end = text.find(quote, pos);
    if (end == std::string_view::npos)
      malformed("unterminated string");
    std::string value(text.substr(pos, end - pos));
    pos = end + 1;
    return value;
  }

  bool parseBool() {
    skipSpace();
    for (bool value : {true, false}) {
      std::string_view word = value ? "True" : "False";
      if (startsWith(text.substr(pos), word)) {
        pos += word.size();
        return value;
      }
    }
    malformed("expected True or False at offset " + std::to_string(pos));
  }

  std::vector<int64_t> parseShape() {
    std::vector<int64_t> shape;
    expect('(');
    while (!consume(')')) {
      skipSpace();
      int64_t dimension = 0;
      auto [end, error] = std::from_chars(text.data() + pos,
                                          text.data() + text.size(), dimension);
      if (error != std::errc() || dimension < 0)
        malformed("expected a dimension at offset " + std::to_string(pos));
      pos = size_t(end - text.data());
      // Python 2 wrote long integers as 3L.
      if (pos < text.size() && text[pos] == 'L')
        ++pos;
      shape.push_back(dimension);
      if (!consume(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }

  const std::string &path;
  std::string_view text;
  size_t pos = 0;
};

enum class NpyKind { Float, SignedInt, UnsignedInt };

struct NpyType {
  std::string_view name;
  NpyKind kind;
  int size;
};

constexpr NpyType kNpyTypes[] = {{"f4", NpyKind::Float, 4},
                                 {"f8", NpyKind::Float, 8},
                                 {"i4", NpyKind::SignedInt, 4},
                                 {"i8", NpyKind::SignedInt, 8},
                                 {"u1", NpyKind::UnsignedInt, 1}};

/// The type of a descr such as '<f8': byte order ('<' little-endian, '|'
/// not applicable, '>' big-endian), kind and size.
const NpyType &npyType(const std::string &path, const std::string &descr) {
  if (descr.size() == 3 &&
      std::string_view("<|>").find(descr[0]) != std::string_view::npos) {
    for (const NpyType &type : kNpyTypes) {
      if (type.name != std::string_view(descr).substr(1))
        continue;
      if (descr[0] == '>' && type.size > 1)
        fail(path, "holds big-endian data ('" + descr +
                       "'); convert it with numpy: "
                       "a.astype(a.dtype.newbyteorder('<'))");
      return type;
    }
  }
  fail(path, "has NPY dtype '" + descr +
                 "'; supported are float32 '<f4', float64 '<f8', int32 "
                 "'<i4', int64 '<i8' and uint8 '|u1'");
}

/// One little-endian element of `type` as a double.
double decodeNpy(const unsigned char *element, const NpyType &type) {
  uint64_t bits = readLittleEndian(element, type.size);
  if (type.kind == NpyKind::SignedInt)
    return type.size == 4 ? double(int32_t(uint32_t(bits)))
                          : double(int64_t(bits));
  if (type.kind == NpyKind::UnsignedInt)
    return double(bits);
  if (type.size == 4) {
    float single;
    uint32_t bits32 = uint32_t(bits);
    std::memcpy(&single, &bits32, sizeof single);
    return single;
  }
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

Matrix readNpy(const std::string &path, const std::string &bytes) {
  if (!startsWith(bytes, kNpyMagic))
    fail(path, "is not an NPY file (it does not start with the magic "
               "\"\\x93NUMPY\")");
  const auto *raw = reinterpret_cast<const unsigned char *>(bytes.data());
  if (bytes.size() < 10)
    fail(path, "is truncated: it ends inside the NPY header");
  int major = raw[6], minor = raw[7];
  if (major < 1 || major > 3)
    fail(path, "has NPY format version " + std::to_string(major) + "." +
                   std::to_string(minor) +
                   "; versions 1.0 to 3.0 are supported");
  // Version 1 stores the header length in 2 bytes, later versions in 4.
  size_t lengthBytes = major == 1 ? 2 : 4;
  if (bytes.size() < 8 + lengthBytes)
    fail(path, "is truncated: it ends inside the NPY header");
  size_t headerStart = 8 + lengthBytes;
  size_t headerLength = readLittleEndian(raw + 8, int(lengthBytes));
  if (bytes.size() - headerStart < headerLength)
    fail(path, "is truncated: it ends inside the NPY header");
  NpyHeader header =
      NpyHeaderParser(path,
                      std::string_view(bytes).substr(headerStart, headerLength))
          .parse();

  const NpyType &type = npyType(path, header.descr);
  if (header.fortranOrder)
    fail(path, "is stored in Fortran (column-major) order; save it in C "
               "order, e.g. numpy.save(path, numpy.ascontiguousarray(a))");
  if (header.shape.empty())
    fail(path, "holds a scalar (shape ()); data must have shape (n,) or "
               "(n, d)");

  size_t dataStart = headerStart + headerLength;
  checkDataSize(
      path, "shape " + shapeText(header.shape) + " of '" + header.descr + "'",
      dataBytes(header.shape, uint64_t(type.size)), bytes.size() - dataStart);

  Matrix data = shapedMatrix(path, header.shape);
  size_t count = size_t(data.rows * data.cols);
  data.values.resize(count);
  for (size_t i = 0; i < count; ++i) {
    double value = decodeNpy(raw + dataStart + i * size_t(type.size), type);
    if (!std::isfinite(value))
      fail(path, "has " + std::string(std::isnan(value) ? "NaN" : "infinity") +
                     " at [" + std::to_string(int64_t(i) / data.cols) + ", " +
                     std::to_string(int64_t(i) % data.cols) +
                     "]; data must be finite");
    data.values[i] = value;
  }
  return data;
}

//===----------------------------------------------------------------------===//
// IDX
//===----------------------------------------------------------------------===//

constexpr uint32_t kIdxLabels = 0x00000801;
constexpr uint32_t kIdxImages = 0x00000803;

Matrix readIdx(const std::string &path, const std::string &bytes) {
  const auto *raw = reinterpret_cast<const unsigned char *>(bytes.data());
  if (bytes.size() < 4)
    fail(path, "is truncated: it ends inside the IDX header");
  uint32_t magic = readBigEndian32(raw);
  if (magic != kIdxLabels && magic != kIdxImages) {
    char hex[11];
    std::snprintf(hex, sizeof hex, "0x%08x", unsigned(magic));
    fail(path,
         std::string("is not a supported IDX file: its magic number is ") +
             hex +
             "; supported are unsigned-byte images (0x00000803) "
             "and labels (0x00000801), as in MNIST");
  }
  size_t rank = raw[3];
  size_t dataStart = 4 + 4 * rank;
  if (bytes.size() < dataStart)
    fail(path, "is truncated: it ends inside the IDX header");
  std::vector<int64_t> shape;
  for (size_t i = 0; i < rank; ++i)
    shape.push_back(readBigEndian32(raw + 4 + 4 * i));

  checkDataSize(path, "IDX shape " + shapeText(shape), dataBytes(shape, 1),
                bytes.size() - dataStart);

  Matrix data = shapedMatrix(path, shape);
  // Pixels become intensities in [0, 1]; labels stay class numbers.
  double scale = magic == kIdxImages ? 1.0 / 255.0 : 1.0;
  size_t count = bytes.size() - dataStart;
  data.values.resize(count);
  for (size_t i = 0; i < count; ++i)
    data.values[i] = raw[dataStart + i] * scale;
  return data;
}

//===----------------------------------------------------------------------===//
// CSV
//===----------------------------------------------------------------------===//

std::string_view trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos)
    return {};
  size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

struct Cell {
  std::string_view text;
  /// 1-based character column where the cell starts, for messages.
  size_t column;
};

/// Splits a line at commas; cells are trimmed and lose surrounding double
/// quotes, which spreadsheet programs add.
void splitCells(std::string_view line, std::vector<Cell> &cells) {
  cells.clear();
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    std::string_view raw = line.substr(
        start, comma == std::string_view::npos ? comma : comma - start);
    std::string_view text = trim(raw);
    size_t column = start + 1 + (text.empty() ? 0 : text.data() - raw.data());
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
      text = text.substr(1, text.size() - 2);
    cells.push_back({text, column});
    if (comma == std::string_view::npos)
      return;
    start = comma + 1;
  }
}

enum class Number { Parsed, OutOfRange, NotANumber };

/// Parses the whole cell as a number, in the C locale whatever the user's.
Number parseNumber(std::string_view text, double &value) {
  if (!text.empty() && text[0] == '+')
    text.remove_prefix(1);
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || end != text.data() + text.size())
    return Number::NotANumber;
  if (error == std::errc::result_out_of_range)
    return Number::OutOfRange;
  return error == std::errc() ? Number::Parsed : Number::NotANumber;
}

std::string columnCount(int64_t count) {
  return std::to_string(count) + (count == 1 ? " column" : " columns");
}

Matrix readCsv(const std::string &path, std::string_view text) {
  if (startsWith(text, "\xEF\xBB\xBF")) // The UTF-8 byte order mark.
    text.remove_prefix(3);
  Matrix data;
  size_t firstLine = 0;
  bool firstRow = true;
  std::vector<Cell> cells;
  size_t lineNumber = 0;
  for (size_t start = 0; start < text.size();) {
    size_t newline = text.find('\n', start);
    std::string_view line = text.substr(
        start, newline == std::string_view::npos ? newline : newline - start);
    start = newline == std::string_view::npos ? text.size() : newline + 1;
    ++lineNumber;
    std::string_view content = trim(line);
    if (content.empty() || content[0] == '#')
      continue;
    splitCells(line, cells);
    auto where = [&](const Cell &cell, size_t field) {
      return path + ":" + std::to_string(lineNumber) + ":" +
             std::to_string(cell.column) + ": field " + std::to_string(field);
    };

    if (firstRow) {
      firstRow = false;
      firstLine = lineNumber;
      data.cols = int64_t(cells.size());
      // A header names columns: no cell of it is a number. A row with some
      // numbers is data, and its other cells are errors below.
      double ignored;
      auto isText = [&](const Cell &cell) {
        return !cell.text.empty() &&
               parseNumber(cell.text, ignored) == Number::NotANumber;
      };
      auto isNumber = [&](const Cell &cell) {
        return !cell.text.empty() && !isText(cell);
      };
      bool isHeader = std::any_of(cells.begin(), cells.end(), isText) &&
                      std::none_of(cells.begin(), cells.end(), isNumber);
      if (isHeader) {
        for (const Cell &cell : cells)
          data.columnNames.emplace_back(cell.text);
        continue;
      }
    }

    if (int64_t(cells.size()) != data.cols)
      fail(path, "has " + columnCount(int64_t(cells.size())) + " on line " +
                     std::to_string(lineNumber) + " but " +
                     columnCount(data.cols) + " on line " +
                     std::to_string(firstLine) +
                     (data.columnNames.empty() ? "" : " (the header)") +
                     "; every row needs the same number of columns");
    for (size_t field = 0; field < cells.size(); ++field) {
      const Cell &cell = cells[field];
      double value;
      if (cell.text.empty())
        throw Error(where(cell, field + 1) + " is empty; data files need a "
                                             "number in every cell");
      Number parsed = parseNumber(cell.text, value);
      if (parsed == Number::OutOfRange)
        throw Error(where(cell, field + 1) + " is '" + std::string(cell.text) +
                    "', which is out of the range of a double");
      if (parsed == Number::NotANumber)
        throw Error(where(cell, field + 1) + " is '" + std::string(cell.text) +
                    "', which is not a number" +
                    (data.rows == 0 && firstLine == lineNumber
                         ? " (a header row has no numbers)"
                         : ""));
      if (!std::isfinite(value))
        throw Error(where(cell, field + 1) + " is '" + std::string(cell.text) +
                    "'; data must be finite");
      data.values.push_back(value);
    }
    ++data.rows;
  }
  if (data.rows == 0)
    fail(path, data.columnNames.empty() ? "holds no data"
                                        : "has a header but no data rows");
  return data;
}

Matrix readContents(const std::string &path, std::string_view name,
                    const std::string &bytes) {
  if (bytes.empty())
    fail(path, "is empty");
  if (startsWith(bytes, kNpyMagic) || endsWith(name, ".npy"))
    return readNpy(path, bytes);
  if (startsWith(bytes, std::string_view("\0\0", 2)) ||
      endsWith(name, "-ubyte") || endsWith(name, ".idx"))
    return readIdx(path, bytes);
  return readCsv(path, bytes);
}

//===----------------------------------------------------------------------===//
// Writers
//===----------------------------------------------------------------------===//

void appendNumber(std::string &out, double value, bool asFloat32) {
  char buffer[40];
  // 9 significant digits identify a float, 17 a double; adding 0 turns -0
  // (e.g. a gradient of 0 negated) into 0 for readers.
  double printed = (asFloat32 ? double(float(value)) : value) + 0.0;
  auto result = std::to_chars(buffer, buffer + sizeof buffer, printed,
                              std::chars_format::general, asFloat32 ? 9 : 17);
  out.append(buffer, result.ptr);
}

void appendLittleEndian(std::string &out, uint64_t bits, int count) {
  for (int i = 0; i < count; ++i)
    out.push_back(char((bits >> (8 * i)) & 0xff));
}

} // namespace

Matrix readDataFile(const std::string &path) {
  std::string bytes = readWholeFile(path);
  std::string_view name = path;
  if (startsWith(bytes, "\x1f\x8b")) {
    bytes = readGzipFile(path);
    if (endsWith(name, ".gz"))
      name.remove_suffix(3);
  }
  return readContents(path, name, bytes);
}

void writeCsv(const std::string &path, const Matrix &data, bool asFloat32) {
  assert(data.values.size() == size_t(data.rows * data.cols));
  std::string out;
  for (int64_t j = 0; j < data.cols; ++j) {
    if (j)
      out += ',';
    out += size_t(data.cols) == data.columnNames.size()
               ? data.columnNames[size_t(j)]
               : "x" + std::to_string(j);
  }
  out += '\n';
  for (int64_t i = 0; i < data.rows; ++i) {
    for (int64_t j = 0; j < data.cols; ++j) {
      if (j)
        out += ',';
      appendNumber(out, data.values[size_t(i * data.cols + j)], asFloat32);
    }
    out += '\n';
  }
  writeFileAtomically(path, out);
}

bool isNpyName(const std::string &path) { return endsWith(path, ".npy"); }

void writeNpy(const std::string &path, const Matrix &data, bool asFloat32) {
  assert(data.values.size() == size_t(data.rows * data.cols));
  std::string header =
      std::string("{'descr': '") + (asFloat32 ? "<f4" : "<f8") +
      "', 'fortran_order': False, 'shape': (" + std::to_string(data.rows) +
      ", " + std::to_string(data.cols) + "), }";
  // The format pads the header with spaces and a newline so that the data
  // start at a multiple of 64 bytes.
  size_t prefix = kNpyMagic.size() + 4;
  header.append(63 - (prefix + header.size()) % 64, ' ');
  header += '\n';

  std::string out(kNpyMagic);
  out += '\x01';
  out += '\x00';
  appendLittleEndian(out, header.size(), 2);
  out += header;
  int itemSize = asFloat32 ? 4 : 8;
  out.reserve(out.size() + data.values.size() * size_t(itemSize));
  for (double value : data.values) {
    if (asFloat32) {
      float single = float(value);
      uint32_t bits;
      std::memcpy(&bits, &single, sizeof bits);
      appendLittleEndian(out, bits, 4);
    } else {
      uint64_t bits;
      std::memcpy(&bits, &value, sizeof bits);
      appendLittleEndian(out, bits, 8);
    }
  }
  writeFileAtomically(path, out);
}

} // namespace ade
