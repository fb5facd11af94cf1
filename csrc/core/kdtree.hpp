// Exact k-nearest-neighbour search and radius counting in a KD-tree, for the max-norm (and Euclidean kNN).
//
// The tree copies the columns it indexes into tree order (points of one leaf are contiguous), so a search
// touches memory sequentially. Pruning uses the max-norm lower bound max(bound, |q_s - split|) when crossing a
// split on dimension s: for the Chebyshev metric this is the exact distance from q to the far cell, unlike the
// additive bound of Euclidean trees (cf. scipy's dedicated L-infinity policy in ckdtree). All comparisons are
// made on fl(a - b), so results are identical to a brute-force numpy reference, ties included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/distance.hpp"

namespace infoscope {

struct Neighbor {
  double dist;
  std::size_t index;  // original row index
};

// How neighbours tied at the k-th distance are chosen. ByIndex keeps the lowest row indices (reproducible sets,
// needed where the identity of the neighbours matters); Any stops at the first k found, which is faster on data
// with many duplicates. The k-th distance is the same either way.
enum class Ties { ByIndex, Any };

class KDTree {
 public:
  // Indexes columns [first_col, first_col + dim) of a row-major matrix of n rows and row_stride columns.
  // leaf_size 0 picks a default for the dimension.
  KDTree(const double* data, std::size_t n, std::size_t row_stride, std::size_t first_col, std::size_t dim,
         std::size_t leaf_size = 0);

  std::size_t size() const { return n_; }
  std::size_t dim() const { return dim_; }
  // Tree position <-> original row index; iterating queries in tree order keeps neighbouring queries close.
  std::size_t original_index(std::size_t pos) const { return perm_[pos]; }
  const double* point_at(std::size_t pos) const { return &points_[pos * dim_]; }
  const double* point(std::size_t index) const { return point_at(pos_[index]); }

  // The k nearest tree points to q, leaving out row `exclude` (pass size() to exclude none), written to
  // out[0..k) in increasing (distance, index) order. Requires k <= size() - (exclude < size()).
  void knn(const double* q, std::size_t exclude, std::size_t k, Metric metric, Ties ties, Neighbor* out) const;

  // Number of tree points p with max-norm |q - p| < r (strict) or <= r; q itself counts when it is a tree point.
  std::size_t count_within(const double* q, double r, bool strict) const;

 private:
  struct Node {
    std::size_t begin, end;  // tree positions
    std::int32_t left = -1, right = -1;
    std::uint32_t split_dim = 0;
    double split = 0.0;
  };
  struct KnnSearch;

  std::int32_t build(const double* data, std::size_t row_stride, std::size_t first_col, std::size_t begin,
                     std::size_t end);
  template <Metric M>
  void knn_node(std::int32_t node, double bound, KnnSearch& s) const;
  std::size_t count_node(std::int32_t node, const double* q, double r, bool strict) const;

  std::size_t n_, dim_, leaf_size_;
  std::vector<std::size_t> perm_, pos_;
  std::vector<double> points_;  // n_ x dim_, tree order
  std::vector<Node> nodes_;
  std::vector<double> boxes_;  // per node: dim_ lows then dim_ highs (tight bounding box)
};

}  // namespace infoscope
