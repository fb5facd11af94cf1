#include "core/kdtree.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/parallel.hpp"

namespace infoscope {

namespace {

// Leaves hold ~32 points (four 8-lane blocks): the vector leaf scan is cheap, so fewer, larger leaves beat
// more node visits; in one or two dimensions smaller leaves prune better.
std::size_t default_leaf_size(std::size_t dim) { return dim <= 2 ? 16 : 32; }

std::size_t round_up(std::size_t v, std::size_t m) { return (v + m - 1) / m * m; }

// Nodes in the subtree over `count` points: median splits make the shape a function of the count alone, which
// lets subtrees be built in parallel into preassigned slots of the node array.
std::size_t subtree_nodes(std::size_t count, std::size_t leaf_size) {
  if (count <= leaf_size) return 1;
  return 1 + subtree_nodes(count / 2, leaf_size) + subtree_nodes(count - count / 2, leaf_size);
}

}  // namespace

KDTree::KDTree(const double* data, std::size_t n, std::size_t row_stride, std::size_t first_col, std::size_t dim,
               std::size_t leaf_size, int workers)
    : n_(n), dim_(dim), padded_dim_(round_up(dim, kLanes)), leaf_size_(leaf_size ? leaf_size : default_leaf_size(dim)) {
  if (n == 0) throw std::invalid_argument("KDTree: no points");
  if (dim == 0) throw std::invalid_argument("KDTree: zero dimensions");
  if (first_col + dim > row_stride) throw std::invalid_argument("KDTree: columns outside the row");
  perm_.resize(n);
  std::iota(perm_.begin(), perm_.end(), std::size_t{0});
  nodes_.resize(subtree_nodes(n, leaf_size_));
  boxes_.resize(nodes_.size() * 2 * padded_dim_);

  // The build reads one coordinate of scattered points at a time: a per-dimension copy keeps those reads in
  // one contiguous array instead of strided rows.
  std::vector<double> by_dim(n * dim);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t d = 0; d < dim; ++d) by_dim[d * n + i] = data[i * row_stride + first_col + d];
  }
  // The top levels are split here; the subtrees below them are built in parallel.
  std::vector<Subtree> subtrees;
  build(by_dim.data(), Subtree{0, n, 0}, 3, &subtrees);
  // Small trees build on one thread (see kParallelBuildMin).
  parallel_for(subtrees.size(), n < kParallelBuildMin ? 1 : workers, 1, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t t = begin; t < end; ++t) build(by_dim.data(), subtrees[t], -1, nullptr);
  });

  points_.resize(n * dim);
  for (std::size_t p = 0; p < n; ++p) {
    const double* row = data + perm_[p] * row_stride + first_col;
    std::copy(row, row + dim, &points_[p * dim]);
  }
  for (Node& node : nodes_) {
    if (node.left >= 0 || node.end == node.begin) continue;  // inner node, or slot of an unsplittable node
    node.block = blocks_.size();
    node.lanes = round_up(node.end - node.begin, kLanes);
    blocks_.resize(blocks_.size() + node.lanes * dim, std::numeric_limits<double>::infinity());
    for (std::size_t p = node.begin; p < node.end; ++p) {
      for (std::size_t d = 0; d < dim; ++d) blocks_[node.block + d * node.lanes + (p - node.begin)] = points_[p * dim + d];
    }
  }
}

void KDTree::build(const double* by_dim, Subtree t, int levels, std::vector<Subtree>* deferred) {
  if (levels == 0) {
    deferred->push_back(t);
    return;
  }
  const auto [begin, end, id] = t;
  Node& node = nodes_[id];
  node.begin = begin;
  node.end = end;
  double* lo = &boxes_[id * 2 * padded_dim_];
  double* hi = lo + padded_dim_;
  auto coord = [&](std::size_t index, std::size_t d) { return by_dim[d * n_ + index]; };
  for (std::size_t d = 0; d < padded_dim_; ++d) {
    if (d >= dim_) {  // padding dimensions: a box that no query is ever outside
      lo[d] = -std::numeric_limits<double>::infinity();
      hi[d] = std::numeric_limits<double>::infinity();
      continue;
    }
    double l = coord(perm_[begin], d), h = l;
    for (std::size_t p = begin + 1; p < end; ++p) {
      const double v = coord(perm_[p], d);
      l = std::min(l, v);
      h = std::max(h, v);
    }
    lo[d] = l;
    hi[d] = h;
  }
  std::size_t split_dim = 0;
  for (std::size_t d = 1; d < dim_; ++d) {
    if (hi[d] - lo[d] > hi[split_dim] - lo[split_dim]) split_dim = d;
  }
  // A node of identical points cannot be split; it stays one leaf whatever its size (its preassigned
  // descendant slots stay empty).
  if (end - begin <= leaf_size_ || hi[split_dim] == lo[split_dim]) return;

  // Median split on the widest dimension: balanced, so the depth stays log2(n / leaf_size).
  const std::size_t mid = begin + (end - begin) / 2;
  std::nth_element(perm_.begin() + begin, perm_.begin() + mid, perm_.begin() + end,
                   [&](std::size_t a, std::size_t b) { return coord(a, split_dim) < coord(b, split_dim); });
  const std::size_t left = id + 1;
  const std::size_t right = left + subtree_nodes(mid - begin, leaf_size_);
  node.left = static_cast<std::int32_t>(left);
  node.right = static_cast<std::int32_t>(right);
  build(by_dim, Subtree{begin, mid, left}, levels - 1, deferred);
  build(by_dim, Subtree{mid, end, right}, levels - 1, deferred);
}

template <Metric M>
double KDTree::distance_to_box(std::int32_t id, const double* padded_q) const {
  const double* lo = &boxes_[static_cast<std::size_t>(id) * 2 * padded_dim_];
  return box_distance<M>(padded_q, lo, lo + padded_dim_, padded_dim_);
}

template <Metric M>
void KDTree::knn_node(std::int32_t id, double bound, const double* q, std::size_t exclude, KBest& s) const {
  if (s.settled(bound)) return;
  const Node& node = nodes_[id];
  if (node.left < 0) {
    scan_leaf<M>(
        q, &blocks_[node.block], dim_, node.lanes,
        [&] {
          const double worst = s.worst();
          return (!s.by_index && worst == 0.0) ? -1.0 : worst;  // nothing beats a zero distance
        },
        [&](std::size_t j, double dist) {
          const std::size_t index = perm_[node.begin + j];
          if (index != exclude) s.offer(dist, index);
        });
    return;
  }
  // Nearer child first: it tightens the k-th distance before the other is considered.
  const double to_left = distance_to_box<M>(node.left, q);
  const double to_right = distance_to_box<M>(node.right, q);
  if (to_left <= to_right) {
    knn_node<M>(node.left, to_left, q, exclude, s);
    knn_node<M>(node.right, to_right, q, exclude, s);
  } else {
    knn_node<M>(node.right, to_right, q, exclude, s);
    knn_node<M>(node.left, to_left, q, exclude, s);
  }
}

void KDTree::knn(const double* q, std::size_t exclude, std::size_t k, Metric metric, Ties ties, Neighbor* out) const {
  const std::size_t available = n_ - (exclude < n_ ? 1 : 0);
  if (k == 0 || k > available) throw std::invalid_argument("KDTree::knn: k must be between 1 and the number of other points");
  double padded_q[kMaxStackDim];
  std::vector<double> heap_q;
  const double* pq = padded(q, padded_q, heap_q);
  KBest s(k, ties, out);
  if (metric == Metric::Chebyshev) {
    knn_node<Metric::Chebyshev>(0, 0.0, pq, exclude, s);
  } else {
    knn_node<Metric::Euclidean>(0, 0.0, pq, exclude, s);
    for (std::size_t i = 0; i < k; ++i) out[i].dist = std::sqrt(out[i].dist);
  }
}

const double* KDTree::padded(const double* q, double* stack, std::vector<double>& heap) const {
  double* dst = stack;
  if (padded_dim_ > kMaxStackDim) {
    heap.resize(padded_dim_);
    dst = heap.data();
  }
  std::copy(q, q + dim_, dst);
  std::fill(dst + dim_, dst + padded_dim_, 0.0);
  return dst;
}

std::size_t KDTree::count_node(std::int32_t id, const double* q, double r, bool strict) const {
  const double near_dist = distance_to_box<Metric::Chebyshev>(id, q);
  if (strict ? near_dist >= r : near_dist > r) return 0;
  const Node& node = nodes_[id];
  // Farthest corner of the box, with the same fl(a - b) as point distances: inside means every point is.
  const double* lo = &boxes_[static_cast<std::size_t>(id) * 2 * padded_dim_];
  const double* hi = lo + padded_dim_;
  double far_dist = 0.0;
  for (std::size_t d = 0; d < dim_; ++d) far_dist = std::max(far_dist, std::max(abs_diff(q[d], lo[d]), abs_diff(q[d], hi[d])));
  if (strict ? far_dist < r : far_dist <= r) return node.end - node.begin;
  if (node.left < 0) return count_leaf(q, &blocks_[node.block], dim_, node.lanes, r, strict);
  return count_node(node.left, q, r, strict) + count_node(node.right, q, r, strict);
}

std::size_t KDTree::count_within(const double* q, double r, bool strict) const {
  double padded_q[kMaxStackDim];
  std::vector<double> heap_q;
  return count_node(0, padded(q, padded_q, heap_q), r, strict);
}

// The queries of one leaf, walked through the tree together.
struct KDTree::QueryGroup {
  std::int32_t leaf;
  std::size_t size;
  const double* queries;  // size x padded_dim_, padded copies
  const double* radii;    // size
  double r_min, r_max;
  bool strict;
  std::size_t* counts;  // size
};

void KDTree::count_group(std::int32_t id, QueryGroup& g) const {
  const double* lo = box_low(id);
  const double* hi = box_high(id);
  const double* g_lo = box_low(g.leaf);
  const double* g_hi = box_high(g.leaf);
  // Nearest and farthest max-norm distance between a point of the query box and one of the node's box, with
  // fl(a - b) as for points, so "none inside" and "all inside" are decided exactly for every query at once.
  double near_dist = 0.0, far_dist = 0.0;
  for (std::size_t d = 0; d < dim_; ++d) {
    near_dist = std::max(near_dist, std::max(lo[d] - g_hi[d], g_lo[d] - hi[d]));
    far_dist = std::max(far_dist, std::max(hi[d] - g_lo[d], g_hi[d] - lo[d]));
  }
  if (g.strict ? near_dist >= g.r_max : near_dist > g.r_max) return;
  const Node& node = nodes_[id];
  if (g.strict ? far_dist < g.r_min : far_dist <= g.r_min) {
    for (std::size_t j = 0; j < g.size; ++j) g.counts[j] += node.end - node.begin;
    return;
  }
  if (node.left >= 0) {
    count_group(node.left, g);
    count_group(node.right, g);
    return;
  }
  for (std::size_t j = 0; j < g.size; ++j) g.counts[j] += count_node(id, g.queries + j * padded_dim_, g.radii[j], g.strict);
}

void KDTree::count_all(const double* radii, bool strict, std::size_t* counts, int workers) const {
  std::vector<std::int32_t> leaves;
  for (std::size_t id = 0; id < nodes_.size(); ++id) {
    if (nodes_[id].left < 0 && nodes_[id].end > nodes_[id].begin) leaves.push_back(static_cast<std::int32_t>(id));
  }
  // Two leaves per chunk: a few hundred queries at most, so that Ctrl-C is noticed within a fraction of a second.
  parallel_for(leaves.size(), workers, 2, 16, [&](std::size_t begin, std::size_t end) {
    std::vector<double> queries, group_radii;
    std::vector<std::size_t> group_counts;
    for (std::size_t l = begin; l < end; ++l) {
      const Node& leaf = nodes_[leaves[l]];
      const std::size_t size = leaf.end - leaf.begin;
      queries.assign(size * padded_dim_, 0.0);
      group_radii.resize(size);
      group_counts.assign(size, 0);
      for (std::size_t j = 0; j < size; ++j) {
        std::copy(point_at(leaf.begin + j), point_at(leaf.begin + j) + dim_, &queries[j * padded_dim_]);
        group_radii[j] = radii[perm_[leaf.begin + j]];
      }
      const auto [r_min, r_max] = std::minmax_element(group_radii.begin(), group_radii.end());
      QueryGroup g{leaves[l], size, queries.data(), group_radii.data(), *r_min, *r_max, strict, group_counts.data()};
      count_group(0, g);
      for (std::size_t j = 0; j < size; ++j) counts[perm_[leaf.begin + j]] = group_counts[j];
    }
  });
}

}  // namespace infoscope
