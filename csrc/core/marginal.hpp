// A marginal space of a k-NN estimate: a contiguous range of columns in which neighbours are counted within
// per-sample radii (the n_x, n_y, n_z of the KSG and Frenzel-Pompe formulas).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "core/distance.hpp"
#include "core/grid.hpp"
#include "core/kdtree.hpp"
#include "core/parallel.hpp"
#include "core/sorted_axis.hpp"

namespace infoscope {

// A sorted copy for one variable, a grid of cells for two or three when the points spread over its cells, a
// KD-tree otherwise. All copy the coordinates they index; `data` must outlive the Marginal only for distance().
class Marginal {
 public:
  // Radius counts cover hundreds of points per query; leaves of 64 spend less on node visits than they lose on
  // scanning (measured: 4-D marginal counts at N = 1e5, 0.53 s with 64 against 0.64 s with 32).
  static constexpr std::size_t kCountLeafSize = 64;

  // sorted, when given, holds columns first..first + dim - 1 already sorted (entries may be null).
  Marginal(const double* data, std::size_t n, std::size_t stride, std::size_t first, std::size_t dim, int workers,
           const SortedColumn* const* sorted = nullptr)
      : data_(data), n_(n), stride_(stride), first_(first), dim_(dim) {
    if (dim == 1 && n <= std::numeric_limits<std::uint32_t>::max()) {
      if (sorted && sorted[0]) {
        axis_.emplace(*sorted[0]);
      } else {
        axis_.emplace(data, n, stride, first);
      }
    } else if (!(grid_ = Grid::build(data, n, stride, first, dim, Grid::kCountPointsPerCell, sorted))) {
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
    } else {
      tree_->count_all(radii, strict, counts.data(), workers);
    }
    for (std::size_t i = 0; i < n_; ++i) counts[i] -= (strict && !(radii[i] > 0)) ? 0 : 1;
    return counts;
  }

  double distance(std::size_t i, std::size_t j) const { return chebyshev(row(i), row(j), dim_); }

 private:
  const double* row(std::size_t i) const { return data_ + i * stride_ + first_; }

  const double* data_;
  std::size_t n_, stride_, first_, dim_;
  std::optional<SortedAxis> axis_;
  std::optional<Grid> grid_;
  std::optional<KDTree> tree_;
};

// The marginal spaces over column ranges {first, dim} of data, built concurrently: a sort or a tree build is
// mostly serial work, and the spaces are independent. A column that several spaces index (Z in a CMI) is sorted
// once for all of them, when they would sort it (up to Grid::kRankedMax points; 1-D spaces at any size).
// sorted, when given, holds the stride columns of data already sorted (entries may be null).
inline std::vector<Marginal> build_marginals(const double* data, std::size_t n, std::size_t stride,
                                             const std::vector<std::pair<std::size_t, std::size_t>>& ranges,
                                             int workers, const SortedColumn* const* sorted = nullptr) {
  std::vector<std::optional<SortedColumn>> shared(stride);
  std::vector<const SortedColumn*> columns(stride, nullptr);
  std::vector<std::size_t> uses(stride, 0);
  for (const auto& [first, dim] : ranges) {
    for (std::size_t c = first; c < first + dim; ++c) uses[c] += (dim == 1 || n <= Grid::kRankedMax) ? 1 : 0;
  }
  for (std::size_t c = 0; c < stride; ++c) {
    if (sorted && sorted[c]) {
      columns[c] = sorted[c];
    } else if (uses[c] > 1 && n <= std::numeric_limits<std::uint32_t>::max()) {
      columns[c] = &shared[c].emplace(data, n, stride, c);
    }
  }
  std::vector<std::optional<Marginal>> built(ranges.size());
  parallel_for(ranges.size(), n < kParallelBuildMin ? 1 : workers, 1, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t t = begin; t < end; ++t) {
      built[t].emplace(data, n, stride, ranges[t].first, ranges[t].second, workers, columns.data() + ranges[t].first);
    }
  });
  std::vector<Marginal> marginals;
  marginals.reserve(built.size());
  for (auto& m : built) marginals.push_back(std::move(*m));
  return marginals;
}

}  // namespace infoscope
