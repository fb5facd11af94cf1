// Radius counts on one variable by a sorted copy: the points within r of a sample are a contiguous run around
// its own rank, found by two searches -- faster than any tree in one dimension, where KSG spends most of its time
// on marginal counts. The column sort is shared with Grid (cells by rank). With a second column (a small 2-D
// space), the run is the strip of points within r along the sorted column, and those within r along the second
// are counted in it.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <utility>
#include <vector>

#include "core/distance.hpp"
#include "core/parallel.hpp"

namespace infoscope {

namespace sorting {

// An unsigned integer that orders as the double does (negative values: all bits flipped; others: sign set).
inline std::uint64_t sort_key(double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
}

// Least-significant-digit radix sort of the rows by key, 8 bits a pass; a pass whose digit is the same for every
// key (the high bits of clustered values) is skipped. 8-bit digits keep the 256 write streams of a pass in L1:
// N = 1e6 took 69 ns a value, against 110 with 11-bit digits (2048 streams, 6 passes); N = 1e5, 43 ns either way.
inline void radix_sort(const double* data, std::size_t n, std::size_t stride, std::size_t col, double* values,
                       std::uint32_t* order) {
  constexpr int kBits = 8, kPasses = 64 / kBits;
  constexpr std::size_t kBuckets = std::size_t{1} << kBits;
  std::vector<std::uint64_t> keys(n), keys_tmp(n);
  std::vector<std::uint32_t> order_tmp(n);
  std::vector<std::array<std::uint32_t, kBuckets>> histogram(kPasses);
  for (auto& h : histogram) h.fill(0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t key = sort_key(data[i * stride + col]);
    keys[i] = key;
    order[i] = static_cast<std::uint32_t>(i);
    for (int pass = 0; pass < kPasses; ++pass) ++histogram[pass][(key >> (pass * kBits)) & (kBuckets - 1)];
  }
  std::uint32_t* ord = order;
  std::uint32_t* ord_tmp = order_tmp.data();
  for (int pass = 0; pass < kPasses; ++pass) {
    auto& h = histogram[pass];
    if (std::find(h.begin(), h.end(), n) != h.end()) continue;
    std::uint32_t sum = 0;
    for (auto& c : h) sum += std::exchange(c, sum);  // bucket starts
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t dst = h[(keys[i] >> (pass * kBits)) & (kBuckets - 1)]++;
      keys_tmp[dst] = keys[i];
      ord_tmp[dst] = ord[i];
    }
    keys.swap(keys_tmp);
    std::swap(ord, ord_tmp);
  }
  if (ord != order) std::copy(ord, ord + n, order);
  for (std::size_t p = 0; p < n; ++p) values[p] = data[order[p] * stride + col];
}

// Writes in_values[0, n) sorted to values[], their rows (in_rows[], or 0..n-1 when null) to order[]: a bucket
// sort on a linear map of the values over [lo, hi], their range, with one bucket per value; crowded buckets are
// sorted the same way over their own range, and one insertion pass finishes. fl(v - lo) * scale is monotone in
// v, so buckets are in order and the insertion pass only reorders within them. Smooth distributions cost a few
// ns a value (Gaussian: 8, 31 and 52 ns at N = 1e3, 1e5 and 1e6; the radix sort 19, 49 and 92), heavy tails
// recurse into their crowded buckets (lognormal sigma = 3, Student t2: at most the radix sort's time), and equal
// values cost nothing. The values must be finite.
inline void bucket_sort(const double* in_values, const std::uint32_t* in_rows, std::size_t n, double lo, double hi,
                        double* values, std::uint32_t* order, int depth = 0) {
  auto row = [&](std::size_t i) { return in_rows ? in_rows[i] : static_cast<std::uint32_t>(i); };
  const double scale = static_cast<double>(n) / (hi - lo);
  constexpr int kMaxDepth = 16;  // bounds the recursion on adversarial spacings (e.g. geometric)
  if (n < 2 || hi == lo || !(scale > 0 && scale < HUGE_VAL) || depth > kMaxDepth) {
    // One value, all equal, or a range too small (subnormal) or too large (overflowing) to divide: a comparison
    // sort.
    std::vector<std::pair<double, std::uint32_t>> pairs(n);
    for (std::size_t i = 0; i < n; ++i) pairs[i] = {in_values[i], row(i)};
    if (hi != lo) std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < n; ++i) std::tie(values[i], order[i]) = pairs[i];
    return;
  }
  std::vector<std::uint32_t> bucket(n), end(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = (in_values[i] - lo) * scale;
    const std::size_t b = t < static_cast<double>(n - 1) ? static_cast<std::size_t>(t) : n - 1;
    bucket[i] = static_cast<std::uint32_t>(b);
    ++end[b + 1];
  }
  for (std::size_t b = 0; b < n; ++b) end[b + 1] += end[b];
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t dst = end[bucket[i]]++;  // end[b]: the end of bucket b once all are placed
    values[dst] = in_values[i];
    order[dst] = row(i);
  }
  constexpr std::size_t kCrowded = 64;  // larger buckets are sorted on their own (heavy tails)
  for (std::size_t b = 0, first = 0; b < n; first = end[b++]) {
    const std::size_t size = end[b] - first;
    if (size <= kCrowded) continue;
    const std::vector<double> v(values + first, values + end[b]);
    const std::vector<std::uint32_t> o(order + first, order + end[b]);
    const auto [min, max] = std::minmax_element(v.begin(), v.end());
    bucket_sort(v.data(), o.data(), size, *min, *max, values + first, order + first, depth + 1);
  }
  for (std::size_t p = 1; p < n; ++p) {
    const double x = values[p];
    if (!(x < values[p - 1])) continue;
    const std::uint32_t r = order[p];
    std::size_t q = p;
    do {
      values[q] = values[q - 1];
      order[q] = order[q - 1];
      --q;
    } while (q > 0 && x < values[q - 1]);
    values[q] = x;
    order[q] = r;
  }
}

// Column `col` of a row-major matrix (n rows, fewer than 2^32) sorted: values[p] ascending, order[p] its row.
// Equal values are adjacent, in no particular row order.
inline void sort_column(const double* data, std::size_t n, std::size_t stride, std::size_t col, double* values,
                        std::uint32_t* order) {
  if (n == 0) return;
  std::vector<double> column(n);
  double lo = data[col], hi = lo;
  bool finite = true;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = data[i * stride + col];
    column[i] = v;
    finite &= v - v == 0;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  if (finite) {
    bucket_sort(column.data(), nullptr, n, lo, hi, values, order);
  } else {  // infinities and NaNs: by their keys
    radix_sort(data, n, stride, col, values, order);
  }
}

}  // namespace sorting

// One column sorted, to be shared by the spaces that index it (SortedAxis, Grid cells by rank): a KSG estimate
// indexes each column in two or three spaces, and sorting 1e3 values costs more than counting in them.
struct SortedColumn {
  std::vector<double> values;        // ascending
  std::vector<std::uint32_t> order;  // sorted position -> row
  // Column `col` of a row-major matrix of n rows (fewer than 2^32) and row_stride columns.
  SortedColumn(const double* data, std::size_t n, std::size_t row_stride, std::size_t col) : values(n), order(n) {
    sorting::sort_column(data, n, row_stride, col, values.data(), order.data());
  }
};

class SortedAxis {
 public:
  // Columns col..col + dim - 1 (dim 1 or 2) of a row-major matrix of n rows (fewer than 2^32) and row_stride
  // columns, sorted by column col.
  SortedAxis(const double* data, std::size_t n, std::size_t row_stride, std::size_t col, std::size_t dim = 1)
      : n_(n), pad_(window_cap(n)), values_(n + 2 * pad_), order_(n) {
    pad();
    sorting::sort_column(data, n, row_stride, col, values_.data() + pad_, order_.data());
    gather_others(data, row_stride, col, dim);
  }
  // The same from column col already sorted.
  SortedAxis(const SortedColumn& column, const double* data, std::size_t row_stride, std::size_t col,
             std::size_t dim = 1)
      : n_(column.order.size()), pad_(window_cap(n_)), values_(n_ + 2 * pad_), order_(column.order) {
    pad();
    std::copy(column.values.begin(), column.values.end(), values_.begin() + pad_);
    gather_others(data, row_stride, col, dim);
  }

  std::size_t size() const { return n_; }

  // counts[i] = number of points p with max-norm |p - p_i| < radii[i] (strict) or <= radii[i], sample i included.
  // Queries go in sorted order, so the values each one reads are those the previous one read.
  void count_all(const double* radii, bool strict, std::size_t* counts, int workers) const {
    parallel_for(n_, workers, 1024, 2048, [&](std::size_t begin, std::size_t end) {
      if (strict) {
        count_range<true>(begin, end, radii, counts);
      } else {
        count_range<false>(begin, end, radii, counts);
      }
    });
  }

 private:
  // Searches bisect a window of at most this many values a side; the sorted values are padded with as many
  // infinities on either side, so that no probe needs a bounds check.
  static constexpr std::size_t kMaxWindow = 4096;
  static std::size_t window_cap(std::size_t n) {
    std::size_t w = 8;
    while (w < n && w < kMaxWindow) w *= 2;
    return w;
  }

  void pad() {
    std::fill(values_.begin(), values_.begin() + pad_, -HUGE_VAL);
    std::fill(values_.end() - pad_, values_.end(), HUGE_VAL);
  }

  // The column after the sorted one (a 2-D space), in sorted order, padded for a last group of kLanes4.
  void gather_others(const double* data, std::size_t row_stride, std::size_t col, std::size_t dim) {
    if (dim == 1) return;
    other_.resize(n_ + kLanes4);
    for (std::size_t p = 0; p < n_; ++p) other_[p] = data[order_[p] * row_stride + col + 1];
  }

  // Number of positions a..b (inclusive) whose other coordinate is within r of position p's: the strip of the
  // sorted column within r of p, where only that column remains to be checked.
  template <bool Strict>
  std::size_t count_strip(std::size_t p, std::size_t a, std::size_t b, double r) const {
    const double* column = other_.data();
    const double q = column[p];
    std::size_t count = 0;
#ifdef INFOSCOPE_VECTOR_EXT
    const Lanes radius = Lanes{} + r;
    auto in = [&](std::size_t t) {  // -1 per point of t..t + 3 inside
      const Lanes dist = distances4<1>(&column, &q, t);
      return reinterpret_cast<LaneMask>(Strict ? dist < radius : dist <= radius);
    };
    LaneMask inside_lanes{}, inside_more{};  // two chains of additions
    std::size_t t = a;
    for (; t + 2 * kLanes4 <= b + 1; t += 2 * kLanes4) {
      inside_lanes += in(t);
      inside_more += in(t + kLanes4);
    }
    for (; t <= b; t += kLanes4) inside_lanes += in(t) & valid_lanes(t, b + 1, ~std::size_t{0});
    inside_lanes += inside_more;
    for (std::size_t t = 0; t < kLanes4; ++t) count -= static_cast<std::size_t>(inside_lanes[t]);
#else
    for (std::size_t t = a; t <= b; ++t) count += inside<Strict>(abs_diff(column[t], q), r);
#endif
    return count;
  }

  template <bool Strict>
  static bool inside(double dist, double r) {
    return Strict ? dist < r : dist <= r;
  }

  // Each query is two searches, for the last sorted value within its radius on either side: fl(v - values[q])
  // grows monotonically as q moves away from v's position. A search is a branch-free bisection over a window
  // of W values (a galloping search mispredicted a branch at nearly every step), and the searches of kBatch
  // queries run interleaved, so that their chains of dependent loads overlap. W adapts to the counts; a side
  // that reaches past it is searched again, galloping. Measured with the radii of a 2-D k = 3 search (about 30
  // values a side at N = 1e3): 18 us at N = 1e3, 134 us at 1e4, 1.8 ms at 1e5; a galloping search per query
  // took 29 us, 451 us, 7.7 ms.
  template <bool Strict>
  void count_range(std::size_t begin, std::size_t end, const double* radii, std::size_t* counts) const {
    constexpr std::size_t kBatch = 16;
    std::size_t window = std::min<std::size_t>(16, pad_);  // a power of two, at most pad_
    std::size_t p = begin;
    for (; p + kBatch <= end; p += kBatch) {
      const std::size_t widest = count_batch<Strict, kBatch>(p, window, radii, counts);
      // Doubling at once when a side overflows, halving when all are well inside.
      if (widest >= window) {
        window = std::min(pad_, window * 2);
      } else if (4 * widest < window && window > 8) {
        window /= 2;
      }
    }
    for (; p < end; ++p) count_batch<Strict, 1>(p, window, radii, counts);
  }

  // Counts for the queries at positions first..first + B - 1; returns the largest side count found.
  template <bool Strict, std::size_t B>
  std::size_t count_batch(std::size_t first, std::size_t window, const double* radii, std::size_t* counts) const {
    static_assert(2 * B <= 32, "one bit of `redo` per side");
    const double* values = values_.data() + pad_;
    double v[B], r[B];
    std::size_t up[B], down[B];  // values found within the radius above and below
    unsigned redo = 0;           // bit 2j: query j's upper side reaches past the window; bit 2j + 1: its lower side
    for (std::size_t j = 0; j < B; ++j) {
      v[j] = values[first + j];
      r[j] = radii[order_[first + j]];
      up[j] = down[j] = 0;
      // Padding is at infinite distance, outside any radius but a non-strict infinite one.
      const bool everything = !Strict && r[j] == HUGE_VAL;
      redo |= static_cast<unsigned>(everything || inside<Strict>(values[first + j + window] - v[j], r[j])) << (2 * j);
      redo |= static_cast<unsigned>(everything || inside<Strict>(v[j] - values[first + j - window], r[j])) << (2 * j + 1);
    }
    for (std::size_t h = window / 2; h > 0; h /= 2) {
      for (std::size_t j = 0; j < B; ++j) {
        // Masks, not a conditional: GCC turns `inside ? u : up` into a branch that mispredicts half the time.
        up[j] += h & (0 - static_cast<std::size_t>(inside<Strict>(values[first + j + up[j] + h] - v[j], r[j])));
        down[j] += h & (0 - static_cast<std::size_t>(inside<Strict>(v[j] - values[first + j - down[j] - h], r[j])));
      }
    }
    while (redo) {  // rare: those sides again, with bounds, galloping
      const unsigned bit = static_cast<unsigned>(__builtin_ctz(redo));
      redo &= redo - 1;
      const std::size_t j = bit / 2, p = first + j;
      if (bit % 2 == 0) {
        up[j] = gallop(n_ - 1 - p, [&](std::size_t step) { return inside<Strict>(values[p + step] - v[j], r[j]); });
      } else {
        down[j] = gallop(p, [&](std::size_t step) { return inside<Strict>(v[j] - values[p - step], r[j]); });
      }
    }
    std::size_t widest = 0;
    for (std::size_t j = 0; j < B; ++j) {
      const std::size_t p = first + j;
      counts[order_[p]] = other_.empty() ? (inside<Strict>(0.0, r[j]) ? 1 : 0) + up[j] + down[j]
                                          : count_strip<Strict>(p, p - down[j], p + up[j], r[j]);
      widest = std::max(widest, std::max(up[j], down[j]));
    }
    return widest;
  }

  // Largest step in [0, limit] with pred(step) true, given pred monotone (true up to some step, then false).
  template <class Pred>
  static std::size_t gallop(std::size_t limit, Pred pred) {
    std::size_t good = 0, step = 1;
    while (step <= limit && pred(step)) {
      good = step;
      step *= 2;
    }
    std::size_t bad = std::min(step, limit + 1);  // first step known (or assumed past the end) to fail
    while (bad - good > 1) {
      const std::size_t mid = good + (bad - good) / 2;
      (pred(mid) ? good : bad) = mid;
    }
    return good;
  }

  std::size_t n_, pad_;
  std::vector<double> values_;        // pad_ times -inf, the n_ values sorted, pad_ times +inf
  std::vector<std::uint32_t> order_;  // sorted position -> row
  std::vector<double> other_;         // a 2-D space's second column, in sorted order
};

}  // namespace infoscope
