// The codes of values under a Binning (core/histogram.hpp), one definition compiled for the CPU key loops
// (row_keys, row_symbols) and the CUDA keys kernel (cuda/binning.cu), so that both give every row the same key,
// bit for bit. Plain functions of plain pointers: a CUDA thread calls them per element, and the C++ tests run
// them on the host against the CPU key loops (csrc/tests/core_tests.cpp).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/hd.hpp"
#include "core/histogram.hpp"  // Binning, KeyMultipliers, Key (histogram.hpp includes this header at its end)

namespace infoscope {

// The Uniform code of v in a column: floor((v' - origin) * scale) - shift clamped into [0, top], v' = v clipped to
// [lo, hi] (NaN becomes lo). The floor is a truncation and a correction, which vectorises. Int: int64 in general;
// int32 where the scaled values, shift and top fit it (the same codes; AVX2 converts doubles to int32 only).
template <class Int>
INFOSCOPE_HD inline Int uniform_code(double v, double lo, double hi, double origin, double scale, Int shift, Int top) {
  const double clipped_low = lo < v ? v : lo;
  const double x = ((clipped_low < hi ? clipped_low : hi) - origin) * scale;
  Int code = static_cast<Int>(x);
  code -= static_cast<Int>(x < static_cast<double>(code));
  code -= shift;
  code = code > 0 ? code : 0;
  return code < top ? code : top;
}

// The Edges code of v: the number of edges[0..n_edges) <= v (edges sorted), by bisection.
INFOSCOPE_HD inline std::uint64_t edge_code(double v, const double* edges, std::uint64_t n_edges) {
  std::uint64_t a = 0, b = n_edges;
  while (a < b) {
    const std::uint64_t mid = (a + b) / 2;
    if (edges[mid] <= v) {
      a = mid + 1;
    } else {
      b = mid;
    }
  }
  return a;
}

// The Symbols code of v: v - shift modulo 2^64, a bijection of the int64 values.
INFOSCOPE_HD inline std::uint64_t symbol_code(std::int64_t v, std::int64_t shift) {
  return static_cast<std::uint64_t>(v) - static_cast<std::uint64_t>(shift);
}

// The problems of an element, without branches (the Uniform loop vectorises with them).
// v is NaN or infinite.
INFOSCOPE_HD inline bool is_nonfinite(double v) { return !(std::abs(v) <= std::numeric_limits<double>::max()); }

// v lies outside [lo, hi] (NaN does): an error of Uniform bins unless they clip.
INFOSCOPE_HD inline bool is_outside(double v, double lo, double hi) { return !(v >= lo) | !(v <= hi); }

// A Symbols code at or beyond the column's count; count 2^64 - 1 stands for all 2^64 codes.
INFOSCOPE_HD inline bool is_outside_symbols(std::uint64_t code, std::uint64_t count) {
  return (code >= count) & (count != std::numeric_limits<std::uint64_t>::max());
}

// A binning's per-column arrays and key multipliers, in host or device memory: what the codes of a row read.
// edges holds the columns' edges end to end, column j's count[j] - 1 of them from edge_offset[j]. Every array
// has one entry per column (edges at least one), also those the rule does not read.
struct BinningView {
  Binning::Rule rule;
  const double *lo, *hi, *origin, *scale, *edges;
  const std::uint64_t *edge_offset, *count, *mul_lo, *mul_hi;
  const std::int64_t* shift;
};

// The code of one element and what is wrong with it.
struct ElementCode {
  std::uint64_t code;
  bool nonfinite, outside;
};

// Column j's code of a float value (rules Uniform and Edges).
INFOSCOPE_HD inline ElementCode element_code(const BinningView& b, std::size_t j, double v) {
  if (b.rule == Binning::Rule::Edges) {
    return {edge_code(v, b.edges + b.edge_offset[j], b.count[j] - 1), is_nonfinite(v), false};
  }
  const std::int64_t top = static_cast<std::int64_t>(b.count[j]) - 1;
  return {static_cast<std::uint64_t>(uniform_code(v, b.lo[j], b.hi[j], b.origin[j], b.scale[j], b.shift[j], top)),
          is_nonfinite(v), is_outside(v, b.lo[j], b.hi[j])};
}

// Column j's code of an integer value (rule Symbols).
INFOSCOPE_HD inline ElementCode element_code(const BinningView& b, std::size_t j, std::int64_t v) {
  const std::uint64_t code = symbol_code(v, b.shift[j]);
  return {code, false, is_outside_symbols(code, b.count[j])};
}

// The arrays behind a BinningView, laid out on the host from a checked binning of d columns (check_binning):
// arrays the rule does not use are d zeros, so the CUDA backend copies every one to the device as it is.
struct FlatBinning {
  Binning::Rule rule;
  std::vector<double> lo, hi, origin, scale, edges;
  std::vector<std::uint64_t> edge_offset, count, mul_lo, mul_hi;
  std::vector<std::int64_t> shift;

  BinningView view() const {
    return {rule, lo.data(), hi.data(), origin.data(), scale.data(), edges.data(), edge_offset.data(), count.data(),
            mul_lo.data(), mul_hi.data(), shift.data()};
  }
};

inline FlatBinning flat_binning(const Binning& b, const KeyMultipliers& m) {
  const std::size_t d = b.count.size();
  if (m.lo.size() != d || m.hi.size() != d) throw std::invalid_argument("binning: key multipliers of another binning");
  auto or_zeros = [d](auto a) {
    if (a.empty()) a.resize(d);
    return a;
  };
  FlatBinning f{b.rule, or_zeros(b.lo), or_zeros(b.hi), or_zeros(b.origin), or_zeros(b.scale), {}, {}, b.count,
                m.lo, m.hi, or_zeros(b.shift)};
  for (const std::vector<double>& column : b.edges) {
    f.edge_offset.push_back(f.edges.size());
    f.edges.insert(f.edges.end(), column.begin(), column.end());
  }
  f.edges = or_zeros(std::move(f.edges));
  f.edge_offset = or_zeros(std::move(f.edge_offset));
  return f;
}

// The keys of the n rows of a row-major n x d array under binning (T = float, double or int64_t), before
// row_symbols numbers them, and whether any value was non-finite or outside the binning (check_key_problems
// says which is an error). The host twin of cuda::row_keys. Throws std::invalid_argument for a bad binning.
template <class T>
void row_keys(const T* data, std::size_t n, std::size_t d, const Binning& binning, const KeyMultipliers& m,
              int workers, Key* keys, bool* nonfinite, bool* outside);

}  // namespace infoscope
