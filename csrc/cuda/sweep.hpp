// The per-query work of the CUDA k-NN kernels: exact max-norm (or Euclidean) neighbour searches and radius
// counts by a sorted sweep. Plain C++ marked INFOSCOPE_HD: each CUDA thread runs one query, and the C++ tests
// run every query on the host against the CPU core (csrc/tests/core_tests.cpp), so the logic is checked
// without a GPU.
//
// The points of a space are kept sorted by its first column. From a query's position the sweep visits
// candidates in order of their gap |c_0 - q_0| along that column, nearest gap first on either side. The gap
// never exceeds the full distance (for the max-norm fl(|c_0 - q_0|) is one of the terms of the maximum; for the
// Euclidean norm its square is the first term of the sum, which rounding never decreases), so a search stops
// exactly when the next gap can no longer change its result, and the result equals a brute-force scan's.
// Neighbouring queries sweep neighbouring memory, which keeps a GPU warp's reads together.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "core/distance.hpp"
#include "core/hd.hpp"
#include "core/neighbors.hpp"

namespace infoscope::sweep {

// n points of dim coordinates, rows (stride values apart) in ascending order of column 0; row[p] is the sample
// at position p. A space of the leading columns of another shares its coordinates with a larger stride.
struct Space {
  const double* coords;
  const std::uint32_t* row;
  std::size_t n, dim, stride;
};

// The samples [first, last] (original order) left out of a query's neighbours: itself and its Theiler window.
struct Excluded {
  std::size_t first, last;
  INFOSCOPE_HD bool contains(std::size_t r) const { return r >= first && r <= last; }
};

// Sample i's exclusion: the samples of its trial at most `theiler` steps away. starts: n_starts ascending
// offsets from 0 to n (trial t is rows starts[t]..starts[t + 1] - 1).
INFOSCOPE_HD inline Excluded excluded_rows(const std::uint64_t* starts, std::size_t n_starts, std::size_t theiler,
                                           std::size_t i) {
  std::size_t a = 0, b = n_starts - 1;  // starts[a] <= i < starts[b]
  while (b - a > 1) {
    const std::size_t mid = (a + b) / 2;
    if (starts[mid] <= i) {
      a = mid;
    } else {
      b = mid;
    }
  }
  const std::size_t begin = starts[a], end = starts[b];
  const std::size_t first = i - (i - begin < theiler ? i - begin : theiler);
  const std::size_t last = end - 1 - i < theiler ? end - 1 : i + theiler;
  return {first, last};
}

// Max-norm distance, or squared Euclidean distance, from a to b; stops early once it exceeds bound (the partial
// value returned is then above bound too).
template <Metric M>
INFOSCOPE_HD inline double distance_within(const double* a, const double* b, std::size_t dim, double bound) {
  double acc = 0.0;
  for (std::size_t j = 0; j < dim; ++j) {
    const double t = abs_diff(b[j], a[j]);
    if constexpr (M == Metric::Chebyshev) {
      acc = acc > t ? acc : t;
    } else {
      acc += t * t;
    }
    if (acc > bound) return acc;
  }
  return acc;
}

// Offers every sample of s, other than the query at position p and its exclusion, to best (distances squared
// for the Euclidean norm), stopping once no further candidate can change the k best.
template <Metric M>
INFOSCOPE_HD inline void knn(const Space& s, std::size_t p, Excluded excluded, KBest& best) {
  const double* q = s.coords + p * s.stride;
  const double inf = std::numeric_limits<double>::infinity();
  std::size_t left = p, right = p + 1;  // next candidates: left - 1 and right
  while (left > 0 || right < s.n) {
    const double gap_left = left > 0 ? abs_diff(q[0], s.coords[(left - 1) * s.stride]) : inf;
    const double gap_right = right < s.n ? abs_diff(s.coords[right * s.stride], q[0]) : inf;
    std::size_t c;
    double gap;
    if (right < s.n && !(gap_left <= gap_right && left > 0)) {
      c = right++;
      gap = gap_right;
    } else {
      c = --left;
      gap = gap_left;
    }
    // Every remaining candidate, on either side, is at least this gap away.
    if (best.settled(M == Metric::Chebyshev ? gap : gap * gap)) return;
    const std::size_t r = s.row[c];
    if (excluded.contains(r)) continue;
    best.offer(distance_within<M>(q, s.coords + c * s.stride, s.dim, best.worst()), r);
  }
}

// Number of samples of s within max-norm distance radius of the query at position p (strictly closer when
// strict), its exclusion left out.
INFOSCOPE_HD inline std::size_t count(const Space& s, std::size_t p, double radius, bool strict, Excluded excluded) {
  const double* q = s.coords + p * s.stride;
  std::size_t inside = 0;
  auto visit = [&](std::size_t c) {  // false once c and everything beyond it on its side is outside
    const double gap = abs_diff(s.coords[c * s.stride], q[0]);
    if (strict ? !(gap < radius) : !(gap <= radius)) return false;
    if (!excluded.contains(s.row[c])) {
      const double d = distance_within<Metric::Chebyshev>(q, s.coords + c * s.stride, s.dim, radius);
      inside += strict ? (d < radius) : (d <= radius);
    }
    return true;
  };
  for (std::size_t c = p + 1; c < s.n && visit(c); ++c) {
  }
  for (std::size_t c = p; c > 0 && visit(c - 1); --c) {
  }
  return inside;
}

// The Y count of KSG MI (no Z) for sample i when row j holds the Y of row perm[j] (perm null: of row j). The Y
// space is not copied per surrogate (sorted by Y's own column, it would need sorting again): it holds the values
// of Y whatever the permutation, so the count is taken around row m = perm[i], leaving out only that row, and
// the other samples of i's window, which hold rows perm[j], are taken off one by one. data: the unpermuted rows
// (stride values apart), Y in columns [y0, y0 + dy); rank: position of each row in y.
INFOSCOPE_HD inline std::size_t count_y(const Space& y, const std::uint32_t* rank, const double* data,
                                        std::size_t stride, std::size_t y0, const std::uint32_t* perm, std::size_t i,
                                        Excluded window, double eps) {
  const std::size_t m = perm ? perm[i] : i;
  std::size_t inside = count(y, rank[m], eps, true, Excluded{m, m});
  const double* ym = data + m * stride + y0;
  for (std::size_t j = window.first; j <= window.last; ++j) {
    if (j == i) continue;
    const std::size_t r = perm ? perm[j] : j;
    inside -= chebyshev(data + r * stride + y0, ym, y.dim) < eps;
  }
  return inside;
}

}  // namespace infoscope::sweep
