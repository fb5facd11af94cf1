// Exact max-norm k-nearest-neighbour search and radius counts on a grid of cells, for one to three dimensions.
//
// In low dimension a KD-tree query spends most of its time descending the tree; a grid finds the query's cell
// directly and scans a growing block of cells around it until no unscanned cell can hold a closer point (the
// box-assisted search of Kraskov et al.'s own KSG code). Cell edges are the quantiles of each coordinate, so
// cells hold about the same number of points along every axis whatever the marginal distributions. Strongly
// dependent coordinates crowd points into few cells; `Grid::build` measures that and declines (returns no grid)
// when a query would scan too many points, and the caller falls back to the KD-tree.
//
// As in the KD-tree, all comparisons are made on fl(a - b), so neighbours and distances are exactly those of a
// brute-force search, ties included.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/distance.hpp"
#include "core/neighbors.hpp"
#include "core/sorted_axis.hpp"

namespace infoscope {

class Grid {
 public:
  static constexpr std::size_t kMaxDim = 3;
  // Cell sizes, in mean points per cell. k-NN searches (2-D and 3-D Gaussians, correlated, k = 3 and 4, N = 1e3
  // and 1e4): 1 point per cell was fastest in 2-D, within 5% of the best in 3-D; 0.5 and 2 cost 10-15% more in
  // 2-D. Radius counts scan a box of several cells, whose rows cost more than their points: 2-D counts of a TE
  // at N = 1e5 took 12% less time with 4 points per cell than 1.
  static constexpr double kSearchPointsPerCell = 1.0;
  static constexpr double kCountPointsPerCell = 4.0;

  // Below this many points there is no grid. The grid is faster than the KD-tree down to a few dozen points
  // (2-D, k = 3, all queries: N = 100, 11 us against 55; N = 500, 59 against 390), but the C++ tests expect
  // none at N = 300.
  static constexpr std::size_t kMinPoints = 512;
  // Up to this many points cells are cut at the ranks of the sorted columns, which may be given.
  static constexpr std::size_t kRankedMax = std::size_t{1} << 15;

  // Whether a grid over n points in dim dimensions would sort its columns (cells cut at ranks).
  static bool sorts_columns(std::size_t n, std::size_t dim) {
    return dim > 0 && dim <= kMaxDim && n >= kMinPoints && n <= kRankedMax;
  }

  // A grid over columns [first_col, first_col + dim) of a row-major matrix of n rows and row_stride columns,
  // or nothing when dim > kMaxDim, a value is not finite, or the points are too concentrated for cells to help.
  // sorted, when given, holds the dim columns already sorted (null entries are sorted here).
  static std::optional<Grid> build(const double* data, std::size_t n, std::size_t row_stride, std::size_t first_col,
                                   std::size_t dim, double points_per_cell = kSearchPointsPerCell,
                                   const SortedColumn* const* sorted = nullptr);

  std::size_t size() const { return perm_.size(); }
  std::size_t original_index(std::size_t pos) const { return perm_[pos]; }

  // The k nearest other points to the point at position pos, as KDTree::knn_of; the metric must be Chebyshev
  // (the block bounds are max-norm bounds).
  void knn_of(std::size_t pos, std::size_t k, Metric metric, Ties ties, Neighbor* out) const;

  // Max-norm distance from the point at position pos to its k-th nearest other point, for k <= kSmallK: as
  // knn_of's k-th distance, without keeping the neighbours.
  static constexpr std::size_t kSmallK = 4;
  double kth_distance(std::size_t pos, std::size_t k) const;

  // counts[i] = the number of points p with max-norm |p - x_i| < radii[i] (strict) or <= radii[i], point i
  // included, for every point i (indexed by original row), as KDTree::count_all.
  void count_all(const double* radii, bool strict, std::size_t* counts, int workers) const;

 private:
  struct Axis;  // one coordinate, sorted or sampled (grid.cpp)
  Grid(const double* data, std::size_t n, std::size_t row_stride, std::size_t first_col, std::size_t dim,
       std::size_t cells_per_dim, const std::vector<Axis>& axes);
  // Mean number of points in a point's own cell: the work of a query is a small multiple of it.
  double mean_own_cell() const;
  std::size_t slot(std::size_t d, double v) const;
  std::size_t cell_coord(std::size_t d, double v) const;
  // Coordinates of the cell of the point at position pos.
  template <std::size_t D>
  void cell_of(std::size_t pos, std::size_t* c) const;
  // The search with the dimension as a constant (distance loops of 1-3 terms unrolled), keeping the best
  // neighbours in `Best` (grid.cpp).
  template <std::size_t D, class Best>
  void search(std::size_t pos, Best& best) const;
  template <std::size_t D, bool Strict>
  void count_range(std::size_t begin, std::size_t end, const double* radii, std::size_t* counts) const;

  std::size_t dim_, cells_;  // cells_ per dimension
  // lower_[d][c], c = 0..cells_: every point of a cell below c along d is < lower_[d][c], every point of cell c or
  // above is >= it; -inf at 0 and +inf at cells_.
  std::array<std::vector<double>, kMaxDim> lower_;
  // Cells located by value (grids over a sample of a large column): bisection among the edges mispredicts a branch
  // per step; a uniform table over the edges' range narrows it to the few edges of one slot first.
  // slot_first_[d][s]: edges in slots before s.
  std::array<std::vector<std::uint32_t>, kMaxDim> slot_first_;
  std::array<double, kMaxDim> slot_origin_{}, slot_scale_{};
  std::vector<std::uint32_t> start_;  // first position of each cell, then n
  std::vector<std::uint32_t> perm_;   // position -> original row
  std::vector<std::uint32_t> cell_;   // position -> cell id
  // Coordinates in cell order, one array per dimension (four distances per vector operation), padded so that
  // a group of four read from any position stays inside.
  std::array<std::vector<double>, kMaxDim> cols_;
};

}  // namespace infoscope
