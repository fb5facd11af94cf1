// A marginal space of a k-NN estimate: a contiguous range of columns in which neighbours are counted within
// per-sample radii (the n_x, n_y, n_z of the KSG and Frenzel-Pompe formulas).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "core/brute_force.hpp"
#include "core/distance.hpp"
#include "core/grid.hpp"
#include "core/kdtree.hpp"
#include "core/parallel.hpp"
#include "core/sorted_axis.hpp"

namespace infoscope {

// A sorted copy for one variable or a small 2-D space, a grid of cells for two or three when the points spread
// over its cells, a tiled scan of all pairs where the cost model says it beats a tree (brute_force_pays), a
// KD-tree otherwise. `data` must outlive the Marginal (the scan and distance() read it).
class Marginal {
 public:
  // Radius counts cover hundreds of points per query; leaves of 128 spend less on node visits than they lose on
  // scanning (measured, one thread, N = 1e5, radii from the 2d-D joint space, leaves of 32 / 64 / 128 / 256:
  // 4-D 0.34 / 0.29 / 0.26 / 0.27 s; 2-D 0.072 / 0.053 / 0.046 / 0.048 s; 8-D 3.2 / 2.5 / 2.2 / 2.1 s).
  static constexpr std::size_t kCountLeafSize = 128;
  // Up to this many points a 2-D space counts in the strip of its sorted first column (SortedAxis): the strip
  // holds a few times more points than the grid's box of cells, but it is found by two bisections and scanned
  // four points to a vector operation, and no grid is built. A whole 1+1+1 CMI (radii of a 3-D joint space):
  // 2.95 M instructions against 3.28 M with grids at N = 1e3, the same at 2e3, 9% more at 4e3.
  static constexpr std::size_t kStripMax = 2048;

  // How many of its leading columns a space of dim columns over n points sorts.
  static std::size_t sorted_columns(std::size_t n, std::size_t dim) {
    if (n > std::numeric_limits<std::uint32_t>::max()) return 0;
    if (strip(n, dim)) return 1;
    return Grid::sorts_columns(n, dim) ? dim : 0;
  }

  // sorted, when given, holds columns first..first + dim - 1 already sorted (entries may be null).
  Marginal(const double* data, std::size_t n, std::size_t stride, std::size_t first, std::size_t dim, int workers,
           const SortedColumn* const* sorted = nullptr)
      : data_(data), n_(n), stride_(stride), first_(first), dim_(dim) {
    const SearchPath path = forced_search_path(SearchTask::Counts);
    if (path == SearchPath::Auto && strip(n, dim) && n <= std::numeric_limits<std::uint32_t>::max()) {
      if (sorted && sorted[0]) {
        axis_.emplace(*sorted[0], data, stride, first, dim);
      } else {
        axis_.emplace(data, n, stride, first, dim);
      }
      return;
    }
    if (path == SearchPath::Auto || path == SearchPath::Grid) {
      if ((grid_ = Grid::build(data, n, stride, first, dim, Grid::kCountPointsPerCell, sorted))) return;
    }
    if (brute_force_pays(SearchTask::Counts, n, dim) && BruteForce::fits(data, n, stride, first, dim)) {
      brute_.emplace(data, n, stride, first, dim);
    } else {
      tree_.emplace(data, n, stride, first, dim, kCountLeafSize, workers);
    }
  }

  // For every sample i, the number of other samples within max-norm distance radii[i] (strictly closer when
  // strict; sample i itself is inside its radius unless that is 0 and strict).
  std::vector<std::size_t> others_within(const double* radii, bool strict, int workers) const {
    std::vector<std::size_t> counts(n_);
    if (axis_) {
      axis_->count_all(radii, strict, counts.data(), workers);
    } else if (grid_) {
      grid_->count_all(radii, strict, counts.data(), workers);
    } else if (brute_) {
      brute_->count_all(radii, strict, counts.data(), workers);
    } else {
      tree_->count_all(radii, strict, counts.data(), workers);
    }
    for (std::size_t i = 0; i < n_; ++i) counts[i] -= (strict && !(radii[i] > 0)) ? 0 : 1;
    return counts;
  }

  double distance(std::size_t i, std::size_t j) const { return chebyshev(row(i), row(j), dim_); }

 private:
  static bool strip(std::size_t n, std::size_t dim) { return dim == 1 || (dim == 2 && n <= kStripMax); }

  const double* row(std::size_t i) const { return data_ + i * stride_ + first_; }

  const double* data_;
  std::size_t n_, stride_, first_, dim_;
  std::optional<SortedAxis> axis_;
  std::optional<Grid> grid_;
  std::optional<BruteForce> brute_;
  std::optional<KDTree> tree_;
};

using ColumnRanges = std::vector<std::pair<std::size_t, std::size_t>>;  // {first, dim} of each space

// Sorted copies of the columns that several spaces over one table would each sort (Marginal::sorted_columns,
// Grid::sorts_columns), made once for all of them: a KSG estimate indexes each column in its joint space and in
// one or two marginal spaces, and sorting 1e3 values costs more than counting in them. The spaces: the marginal
// ones over column ranges {first, dim} and the joint one, a grid over all the columns.
class SharedSorts {
 public:
  SharedSorts() = default;
  SharedSorts(const double* data, std::size_t n, std::size_t stride, const ColumnRanges& marginals)
      : sorted_(stride), columns_(stride, nullptr) {
    if (n > std::numeric_limits<std::uint32_t>::max()) return;
    std::vector<std::size_t> uses(stride, 0);
    for (const auto& [first, dim] : marginals) {
      for (std::size_t c = first; c < first + Marginal::sorted_columns(n, dim); ++c) ++uses[c];
    }
    if (Grid::sorts_columns(n, stride)) {
      for (std::size_t c = 0; c < stride; ++c) ++uses[c];
    }
    for (std::size_t c = 0; c < stride; ++c) {
      if (uses[c] > 1) columns_[c] = &sorted_[c].emplace(data, n, stride, c);
    }
  }
  SharedSorts(SharedSorts&&) = default;  // the columns stay where they are
  SharedSorts& operator=(SharedSorts&&) = default;

  // One entry per column of the table, null where not sorted; none at all for an empty SharedSorts.
  const SortedColumn* const* columns() const { return columns_.empty() ? nullptr : columns_.data(); }
  // The same with columns [first, first + count) left out (their values changed, as a surrogate's Y).
  std::vector<const SortedColumn*> without(std::size_t first, std::size_t count) const {
    std::vector<const SortedColumn*> kept(columns_);
    if (!kept.empty()) std::fill(kept.begin() + first, kept.begin() + first + count, nullptr);
    return kept;
  }

 private:
  std::vector<std::optional<SortedColumn>> sorted_;
  std::vector<const SortedColumn*> columns_;
};

// The marginal spaces over column ranges {first, dim} of data, built concurrently: a sort or a tree build is
// mostly serial work, and the spaces are independent. sorted holds the stride columns of data already sorted
// (SharedSorts; entries may be null).
inline std::vector<Marginal> build_marginals(const double* data, std::size_t n, std::size_t stride,
                                             const ColumnRanges& ranges, int workers,
                                             const SortedColumn* const* sorted) {
  std::vector<std::optional<Marginal>> built(ranges.size());
  parallel_for(ranges.size(), n < kParallelBuildMin ? 1 : workers, 1, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t t = begin; t < end; ++t) {
      built[t].emplace(data, n, stride, ranges[t].first, ranges[t].second, workers,
                       sorted ? sorted + ranges[t].first : nullptr);
    }
  });
  std::vector<Marginal> marginals;
  marginals.reserve(built.size());
  for (auto& m : built) marginals.push_back(std::move(*m));
  return marginals;
}

}  // namespace infoscope
