// Exact k-nearest-neighbour search and radius counting in a KD-tree, for the max-norm (and Euclidean kNN).
//
// The tree copies the columns it indexes into tree order (points of one leaf are contiguous), so a search
// touches memory sequentially. Every node keeps the tight bounding box of its points; searches prune with the
// distance from the query to a child's box, computed per metric (the max-norm takes the largest gap, not the
// sum that Euclidean trees use; cf. scipy's dedicated L-infinity policy in ckdtree), and radius counts take a
// whole box at once when its farthest corner is inside. Max-norm k-NN searches filter a leaf's points on byte
// codes on the leaf's own scale, 32 points per instruction, and measure only the points the codes leave open
// (scan_leaf_codes). All comparisons are made on fl(a - b), so results are identical to a brute-force numpy
// reference, ties included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/byte_codes.hpp"
#include "core/distance.hpp"
#include "core/neighbors.hpp"

namespace infoscope {

class KDTree {
 public:
  // Indexes columns [first_col, first_col + dim) of a row-major matrix of n rows and row_stride columns.
  // leaf_size 0 picks a default for the dimension; the build uses up to `workers` threads (-1: all).
  KDTree(const double* data, std::size_t n, std::size_t row_stride, std::size_t first_col, std::size_t dim,
         std::size_t leaf_size = 0, int workers = -1);

  std::size_t size() const { return n_; }
  std::size_t dim() const { return dim_; }
  // Tree position -> original row index; iterating queries in tree order keeps neighbouring queries close.
  std::size_t original_index(std::size_t pos) const { return perm_[pos]; }
  const double* point_at(std::size_t pos) const { return &points_[pos * dim_]; }

  // The k nearest tree points to q, leaving out row `exclude` (pass size() to exclude none), written to
  // out[0..k) in increasing (distance, index) order. Requires k <= size() - (exclude < size()).
  void knn(const double* q, std::size_t exclude, std::size_t k, Metric metric, Ties ties, Neighbor* out) const;

  // The k nearest other tree points to the tree point at position pos.
  void knn_of(std::size_t pos, std::size_t k, Metric metric, Ties ties, Neighbor* out) const {
    knn(point_at(pos), perm_[pos], k, metric, ties, out);
  }

  // Number of tree points p with max-norm |q - p| < r (strict) or <= r; q itself counts when it is a tree point.
  std::size_t count_within(const double* q, double r, bool strict) const;

  // The same count for every tree point as query, radii[i] and counts[i] indexed by original row (each point
  // counts itself unless its radius is 0 and strict). Queries are taken a leaf at a time and the tree is
  // walked once per leaf, testing box against box: neighbouring queries visit nearly the same nodes.
  void count_all(const double* radii, bool strict, std::size_t* counts, int workers) const;

 private:
  struct Node {
    std::size_t begin = 0, end = 0;      // tree positions
    std::int32_t left = -1, right = -1;  // children; -1 for a leaf
    std::size_t block = 0, lanes = 0;    // leaves: offset of the transposed coordinates, padded point count
    std::size_t codes = 0;               // leaves: offset of the byte codes, blocks of kByteLanes points
    double code_scale = 0.0;             // leaves: codes per unit of distance; 0 where the leaf has no codes
  };
  struct Subtree {
    std::size_t begin, end, node;
  };
  static constexpr std::size_t kMaxStackDim = 64;  // queries up to this dimension are padded on the stack

  // Builds `levels` levels below t (all when negative) and appends the subtrees below those to `deferred`.
  void build(const double* by_dim, Subtree t, int levels, std::vector<Subtree>* deferred);
  const double* padded(const double* q, double* stack, std::vector<double>& heap) const;
  template <Metric M, std::size_t D>  // D = 0: any dimension
  double distance_to_box(std::int32_t node, const double* padded_q) const;
  std::uint8_t leaf_code(const Node& leaf, std::size_t d, double v) const;
  template <std::size_t D>
  void scan_leaf_codes(const Node& leaf, const double* padded_q, std::size_t exclude, KBest& s) const;
  template <Metric M, std::size_t D>
  void knn_node(std::int32_t node, double bound, const double* padded_q, std::size_t exclude, KBest& s) const;
  std::size_t count_leaf_fixed_dim(const double* padded_q, const Node& leaf, double r, bool strict) const;
  std::size_t count_node(std::int32_t node, const double* q, double r, bool strict) const;
  struct QueryGroup;
  void count_group(std::int32_t node, QueryGroup& g) const;
  const double* box_low(std::int32_t node) const { return &boxes_[static_cast<std::size_t>(node) * 2 * padded_dim_]; }
  const double* box_high(std::int32_t node) const { return box_low(node) + padded_dim_; }

  std::size_t n_, dim_, padded_dim_, leaf_size_;
  std::vector<std::size_t> perm_;  // tree position -> original row
  std::vector<double> points_;  // n_ x dim_, tree order
  std::vector<double> blocks_;  // leaves' coordinates transposed, see scan_leaf
  std::vector<std::uint8_t> codes_;  // leaves' coordinates as bytes, see scan_leaf_codes
  std::vector<Node> nodes_;
  std::vector<double> boxes_;   // per node: padded_dim_ lows then padded_dim_ highs (tight bounding box)
};

}  // namespace infoscope
