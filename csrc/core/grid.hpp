// Exact max-norm k-nearest-neighbour search on a grid of cells, for one to three dimensions.
//
// In low dimension a KD-tree query spends most of its time descending the tree; a grid finds the query's cell
// directly and scans the rings of cells around it until no unscanned cell can hold a closer point (the
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

namespace infoscope {

class Grid {
 public:
  static constexpr std::size_t kMaxDim = 3;
  // Cell sizes, in mean points per cell. k-NN searches: measured on 2-D Gaussians at N = 1e5, k = 3, 20 ms with
  // 1 point per cell, 22 with 2, 25 with 4 (a KD-tree 38). Radius counts scan a box of several cells, whose rows
  // cost more than their points: 2-D counts of a TE at N = 1e5 took 12% less time with 4 points per cell than 1.
  static constexpr double kSearchPointsPerCell = 1.0;
  static constexpr double kCountPointsPerCell = 4.0;

  // A grid over columns [first_col, first_col + dim) of a row-major matrix of n rows and row_stride columns,
  // or nothing when dim > kMaxDim or the points are too concentrated for cells to help (see above).
  static std::optional<Grid> build(const double* data, std::size_t n, std::size_t row_stride, std::size_t first_col,
                                   std::size_t dim, double points_per_cell = kSearchPointsPerCell);

  std::size_t size() const { return perm_.size(); }
  std::size_t original_index(std::size_t pos) const { return perm_[pos]; }
  const double* point_at(std::size_t pos) const { return &points_[pos * dim_]; }

  // The k nearest other points to the point at position pos, as KDTree::knn_of; the metric must be Chebyshev
  // (the ring bounds are max-norm bounds).
  void knn_of(std::size_t pos, std::size_t k, Metric metric, Ties ties, Neighbor* out) const;

  // counts[i] = the number of points p with max-norm |p - x_i| < radii[i] (strict) or <= radii[i], point i
  // included, for every point i (indexed by original row), as KDTree::count_all.
  void count_all(const double* radii, bool strict, std::size_t* counts, int workers) const;

 private:
  Grid(const double* data, std::size_t n, std::size_t row_stride, std::size_t first_col, std::size_t dim,
       std::size_t cells_per_dim);
  // Mean number of points in a point's own cell: the work of a query is a small multiple of it.
  double mean_own_cell() const;
  std::size_t slot(std::size_t d, double v) const;
  std::size_t cell_coord(std::size_t d, double v) const;
  // The searches with the dimension as a constant: distance loops of 1-3 terms unrolled.
  template <std::size_t D>
  void knn_in(std::size_t pos, std::size_t k, Ties ties, Neighbor* out) const;
  template <std::size_t D, bool Strict>
  void count_range(std::size_t begin, std::size_t end, const double* radii, std::size_t* counts) const;
  template <std::size_t D, bool Strict>
  std::size_t count_around(std::size_t pos, double r) const;

  std::size_t dim_, cells_;                                // cells_ per dimension
  std::array<std::vector<double>, kMaxDim> edges_;         // cells_ - 1 edges per dimension; see grid.cpp
  // Locating a value among the edges by bisection mispredicts a branch per step; a uniform table over the edges'
  // range narrows it to the few edges of one slot first. slot_first_[d][s]: edges in slots before s.
  std::array<std::vector<std::uint32_t>, kMaxDim> slot_first_;
  std::array<double, kMaxDim> slot_origin_{}, slot_scale_{};
  std::vector<std::uint32_t> start_;                       // first position of each cell, then n
  std::vector<std::size_t> perm_;                          // position -> original row
  std::vector<std::uint32_t> cell_;                        // position -> cell id
  std::vector<double> points_;                             // n x dim_, cell order
};

}  // namespace infoscope
