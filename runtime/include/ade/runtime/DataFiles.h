//===- DataFiles.h - Users' data in and samples out: CSV, NPY, IDX -*- C++ -*-//
//
// aderun reads training data from CSV, NPY or IDX (MNIST) files and writes
// samples as CSV or NPY. Whatever the format, data become one matrix of
// float64 values, one row per data point, and are checked for NaN and
// infinity on the way in: a bad value must be reported where it is in the
// file, not discovered as a diverged training run.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_DATAFILES_H
#define ADE_RUNTIME_DATAFILES_H

#include <cstdint>
#include <string>
#include <vector>

namespace ade {

/// A row-major rows x cols matrix.
struct Matrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<double> values;
  /// One name per column (a CSV header) or empty when the file had none.
  std::vector<std::string> columnNames;
};

/// Reads the data file at `path`, recognising the format from its content
/// (and from its name, so that a damaged file gets the right diagnosis):
///
/// - gzip (bytes 1f 8b): decompressed, then read as below;
/// - NPY (magic "\x93NUMPY", or a name ending in .npy): versions 1 to 3,
///   little-endian f4, f8, i4, i8 or u1 in C order; shape (n,) gives one
///   column and (n, d1, d2, ...) rows of d1 * d2 * ... values;
/// - IDX (first two bytes zero, or a name ending in -ubyte or .idx):
///   unsigned-byte images (magic 0x00000803), flattened to rows of
///   height * width values divided by 255, or labels (0x00000801), one
///   column of integers;
/// - otherwise CSV: comma-separated numbers, one row per line; blank lines
///   and lines starting with '#' are skipped; the first row is a header of
///   column names when a cell of it is text (neither a number nor empty).
///
/// Throws ade::Error naming the file and the problem: the system's reason
/// when it cannot be read, no data, and the place of a malformed or
/// non-finite value (CSV: 1-based line and column; NPY: 0-based
/// [row, column], as numpy indexes).
Matrix readDataFile(const std::string &path);

/// Writes `data` as CSV: a header row of its column names (x0, x1, ... when
/// it has none), then one line per row. Values get 9 significant digits when
/// `asFloat32` (enough to round-trip a float) and 17 otherwise (enough for a
/// double). The file appears whole or not at all.
void writeCsv(const std::string &path, const Matrix &data, bool asFloat32);

/// Writes `data` as a version 1.0 NPY file of shape (rows, cols), '<f4' when
/// `asFloat32` and '<f8' otherwise; atomically like writeCsv.
void writeNpy(const std::string &path, const Matrix &data, bool asFloat32);

/// Whether an output named `path` is written as NPY (a name ending in .npy;
/// anything else is CSV).
bool isNpyName(const std::string &path);

} // namespace ade

#endif // ADE_RUNTIME_DATAFILES_H
