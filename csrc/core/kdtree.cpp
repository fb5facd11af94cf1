#include "core/kdtree.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "core/parallel.hpp"

namespace infoscope {

namespace {

// Leaf sizes for k-NN searches. A max-norm leaf scan tests 32 points per instruction on byte codes, so from five
// dimensions, where a search visits many leaves, fewer and larger leaves beat more node visits; in one or two
// dimensions smaller leaves prune better. Measured (one thread, N = 1e5 Gaussian, k = 3, seconds for leaves of
// 32 / 64 / 128 / 256 / 512): 4-D 0.11 / 0.11 / 0.12 / 0.16 / 0.22; 6-D 0.41 / 0.38 / 0.37 / 0.40 / 0.55;
// 8-D 1.04 / 0.73 / 0.64 / 0.59 / 0.68; 12-D 3.8 / 2.8 / 2.4 / 2.0 / 2.0; 16-D 9.6 / 6.9 / 5.3 / 4.3 / 3.9.
// Euclidean searches (no codes) change by less than 10% between 32 and 256.
std::size_t default_leaf_size(std::size_t dim) {
  if (dim <= 2) return 16;
  if (dim <= 4) return 32;
  if (dim == 5) return 64;
  if (dim <= 7) return 128;
  return dim < 16 ? 256 : 512;
}

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
    // Byte codes on the leaf's own scale: 255 codes across its widest side, measured from its box's low corner.
    const double* lo = box_low(static_cast<std::int32_t>(&node - nodes_.data()));
    const double* hi = lo + padded_dim_;
    double widest = 0.0;
    for (std::size_t d = 0; d < dim; ++d) widest = std::max(widest, hi[d] - lo[d]);
    const double scale = 255.0 / widest;
    // No codes for a leaf of one point repeated, extreme spreads, or beyond kMaxStackDim dimensions.
    if (!(scale > 0.0 && scale < std::numeric_limits<double>::infinity()) || dim > kMaxStackDim) continue;
    node.code_scale = scale;
    node.codes = codes_.size();
    codes_.resize(codes_.size() + round_up(node.end - node.begin, kByteLanes) * dim, 0);
    for (std::size_t p = node.begin; p < node.end; ++p) {
      const std::size_t j = p - node.begin;
      std::uint8_t* block = &codes_[node.codes + (j / kByteLanes) * dim * kByteLanes + j % kByteLanes];
      for (std::size_t d = 0; d < dim; ++d) block[d * kByteLanes] = leaf_code(node, d, points_[p * dim + d]);
    }
  }
}

// The code of coordinate d of a point of the leaf, or of a query clamped to the leaf's box: floor of the distance
// from the box's low side in units of 1 / code_scale. Monotone in v; clamping a query into the box only brings it
// closer to every point of the leaf, so code distances stay lower bounds (see scan_leaf_codes).
std::uint8_t KDTree::leaf_code(const Node& leaf, std::size_t d, double v) const {
  const double* lo = box_low(static_cast<std::int32_t>(&leaf - nodes_.data()));
  const double* hi = lo + padded_dim_;
  const double c = (std::min(std::max(v, lo[d]), hi[d]) - lo[d]) * leaf.code_scale;
  return static_cast<std::uint8_t>(std::min(c, 255.0));
}

// The max-norm k-NN scan of a leaf on its byte codes. Codes g(v) = (v - lo) * code_scale, floored, are monotone;
// codes c(x) and c(q) that differ by t in a coordinate mean g(x) - g(q) > t - 1 there, and g is (x - lo) in code
// units up to rounding far below 1e-9 of a code, so fl|x - q| <= bound implies t <= bound * code_scale + 1 in
// every coordinate. Points past that are skipped; the others are measured on their float64 coordinates, as
// scan_leaf measures them, and offered: the result is scan_leaf's, with 32 points tested per instruction where
// doubles test four.
template <std::size_t D>
void KDTree::scan_leaf_codes(const Node& leaf, const double* q, std::size_t exclude, KBest& s) const {
  const std::size_t dims = D ? D : dim_;
  const std::size_t size = leaf.end - leaf.begin;
  Bytes qc[D ? D : kMaxStackDim];  // leaves have codes up to kMaxStackDim dimensions
  for (std::size_t d = 0; d < dims; ++d) qc[d] = splat_byte(leaf_code(leaf, d, q[d]));
  for (std::size_t j0 = 0; j0 < size; j0 += kByteLanes) {
    const double worst = s.worst();
    if (!s.by_index && worst == 0.0) return;  // nothing beats a zero distance
    std::uint32_t open = size - j0 < kByteLanes ? (std::uint32_t{1} << (size - j0)) - 1 : ~std::uint32_t{0};
    const double limit = worst * leaf.code_scale * (1.0 + 1e-12) + (1.0 + 1e-9);
    if (limit < 255.0) {  // else every code passes: measure every point
      const Bytes bound = splat_byte(static_cast<std::uint8_t>(limit));
      // All coordinates, no early exit: leaves are visited because their box is within the bound, and whether a
      // block's partial distances already exceed it is a coin toss whose mispredicted branch costs more than the
      // coordinates it saves (8-D k-NN at N = 1e5: 0.62 s with a test every 4 coordinates, 0.48 s without; 24-D:
      // 7.9 s against 6.5 s).
      open &= at_most(block_distances_all(&codes_[leaf.codes + j0 * dims], qc, dims), bound);
    }
    for (; open != 0; open &= open - 1) {
      const std::size_t pos = leaf.begin + j0 + static_cast<std::size_t>(__builtin_ctz(open));
      const double dist = chebyshev(q, point_at(pos), dims);
      if (dist > s.worst()) continue;  // the row index only for a point that can enter (it is a random read)
      const std::size_t index = perm_[pos];
      if (index != exclude) s.offer(dist, index);
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

template <Metric M, std::size_t D>
double KDTree::distance_to_box(std::int32_t id, const double* padded_q) const {
  const double* lo = &boxes_[static_cast<std::size_t>(id) * 2 * padded_dim_];
  constexpr std::size_t kPaddedDim = (D + kLanes - 1) / kLanes * kLanes;  // a constant when D is
  return box_distance<M>(padded_q, lo, lo + padded_dim_, D ? kPaddedDim : padded_dim_);
}

template <Metric M, std::size_t D>
void KDTree::knn_node(std::int32_t id, double bound, const double* q, std::size_t exclude, KBest& s) const {
  if (s.settled(bound)) return;
  const Node& node = nodes_[id];
  if (node.left < 0) {
    if (M == Metric::Chebyshev && node.code_scale > 0.0) return scan_leaf_codes<D>(node, q, exclude, s);
    const std::size_t size = node.end - node.begin;
    scan_leaf<M, D>(
        q, &blocks_[node.block], dim_, node.lanes,
        [&] {
          const double worst = s.worst();
          return (!s.by_index && worst == 0.0) ? -1.0 : worst;  // nothing beats a zero distance
        },
        [&](std::size_t j, double dist) {
          if (j >= size) return;  // a padding lane, offered while fewer than k points are found
          const std::size_t index = perm_[node.begin + j];
          if (index != exclude) s.offer(dist, index);
        });
    return;
  }
  // Nearer child first: it tightens the k-th distance before the other is considered. The farther child is
  // often pruned by then: tested before the call.
  const double to_left = distance_to_box<M, D>(node.left, q);
  const double to_right = distance_to_box<M, D>(node.right, q);
  const bool left_first = to_left <= to_right;
  knn_node<M, D>(left_first ? node.left : node.right, left_first ? to_left : to_right, q, exclude, s);
  const double to_far = left_first ? to_right : to_left;
  if (!s.settled(to_far)) knn_node<M, D>(left_first ? node.right : node.left, to_far, q, exclude, s);
}

void KDTree::knn(const double* q, std::size_t exclude, std::size_t k, Metric metric, Ties ties, Neighbor* out) const {
  const std::size_t available = n_ - (exclude < n_ ? 1 : 0);
  if (k == 0 || k > available) throw std::invalid_argument("KDTree::knn: k must be between 1 and the number of other points");
  double padded_q[kMaxStackDim];
  std::vector<double> heap_q;
  const double* pq = padded(q, padded_q, heap_q);
  KBest s(k, ties, out);
  // The dimension fixed at compile time up to 8: the leaf scans unroll over it.
  if (metric == Metric::Chebyshev) {
    with_fixed_dim(dim_, [&](auto d) { knn_node<Metric::Chebyshev, d>(0, 0.0, pq, exclude, s); });
  } else {
    with_fixed_dim(dim_, [&](auto d) { knn_node<Metric::Euclidean, d>(0, 0.0, pq, exclude, s); });
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

std::size_t KDTree::count_leaf_fixed_dim(const double* q, const Node& leaf, double r, bool strict) const {
  const double* block = &blocks_[leaf.block];
  return with_fixed_dim(dim_, [&](auto d) { return count_leaf<d>(q, block, dim_, leaf.lanes, r, strict); });
}

std::size_t KDTree::count_node(std::int32_t id, const double* q, double r, bool strict) const {
  const double near_dist = distance_to_box<Metric::Chebyshev, 0>(id, q);
  if (strict ? near_dist >= r : near_dist > r) return 0;
  const Node& node = nodes_[id];
  // Farthest corner of the box, with the same fl(a - b) as point distances: inside means every point is.
  const double* lo = &boxes_[static_cast<std::size_t>(id) * 2 * padded_dim_];
  const double* hi = lo + padded_dim_;
  double far_dist = 0.0;
  for (std::size_t d = 0; d < dim_; ++d) far_dist = std::max(far_dist, std::max(abs_diff(q[d], lo[d]), abs_diff(q[d], hi[d])));
  if (strict ? far_dist < r : far_dist <= r) return node.end - node.begin;
  if (node.left < 0) return count_leaf_fixed_dim(q, node, r, strict);
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
  std::size_t size, stride;  // queries; stride: size rounded up to whole four-lane groups
  const double* queries;     // size x padded_dim_, padded copies
  const double* transposed;  // dim_ x stride: coordinate d of query j at d * stride + j
  const double* radii;       // stride (the padding repeats the last radius)
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
  const std::size_t size = node.end - node.begin;
  if (g.strict ? far_dist < g.r_min : far_dist <= g.r_min) {
    for (std::size_t j = 0; j < g.size; ++j) g.counts[j] += size;
    return;
  }
  if (node.left >= 0) {
    count_group(node.left, g);
    count_group(node.right, g);
    return;
  }
  // A leaf: each query's own nearest and farthest distance to its box (count_node's tests, four queries per
  // vector). Most queries of the group find the leaf wholly outside their radius.
#ifdef INFOSCOPE_VECTOR_EXT
  for (std::size_t j0 = 0; j0 < g.size; j0 += kLanes4) {
    Lanes near_q{}, far_q{};
    for (std::size_t d = 0; d < dim_; ++d) {
      Lanes q;
      std::memcpy(&q, g.transposed + d * g.stride + j0, sizeof q);
      const Lanes to_lo = q - lo[d], to_hi = q - hi[d];  // fl(q - lo) = -fl(lo - q)
      const Lanes gap = -to_lo > to_hi ? -to_lo : to_hi;
      near_q = near_q > gap ? near_q : gap;
      const Lanes a = abs_lanes(to_lo), b = abs_lanes(to_hi);
      const Lanes corner = a > b ? a : b;
      far_q = far_q > corner ? far_q : corner;
    }
    Lanes r;
    std::memcpy(&r, g.radii + j0, sizeof r);
    const unsigned valid = (1u << std::min(kLanes4, g.size - j0)) - 1;
    const unsigned outside = lane_bits(g.strict ? near_q >= r : near_q > r);
    const unsigned inside = lane_bits(g.strict ? far_q < r : far_q <= r) & valid & ~outside;
    for (unsigned t = inside; t != 0; t &= t - 1) g.counts[j0 + __builtin_ctz(t)] += size;
    for (unsigned t = valid & ~outside & ~inside; t != 0; t &= t - 1) {
      const std::size_t j = j0 + static_cast<std::size_t>(__builtin_ctz(t));
      g.counts[j] += count_leaf_fixed_dim(g.queries + j * padded_dim_, node, g.radii[j], g.strict);
    }
  }
#else
  for (std::size_t j = 0; j < g.size; ++j) g.counts[j] += count_node(id, g.queries + j * padded_dim_, g.radii[j], g.strict);
#endif
}

void KDTree::count_all(const double* radii, bool strict, std::size_t* counts, int workers) const {
  std::vector<std::int32_t> leaves;
  for (std::size_t id = 0; id < nodes_.size(); ++id) {
    if (nodes_[id].left < 0 && nodes_[id].end > nodes_[id].begin) leaves.push_back(static_cast<std::int32_t>(id));
  }
  // Two leaves per chunk: a few hundred queries at most, so that Ctrl-C is noticed within a fraction of a second.
  parallel_for(leaves.size(), workers, 2, 16, [&](std::size_t begin, std::size_t end) {
    std::vector<double> queries, transposed, group_radii;
    std::vector<std::size_t> group_counts;
    for (std::size_t l = begin; l < end; ++l) {
      const Node& leaf = nodes_[leaves[l]];
      const std::size_t size = leaf.end - leaf.begin, stride = round_up(size, kLanes4);
      queries.assign(size * padded_dim_, 0.0);
      transposed.assign(dim_ * stride, 0.0);
      group_radii.resize(stride);
      group_counts.assign(size, 0);
      for (std::size_t j = 0; j < stride; ++j) {
        const std::size_t pos = leaf.begin + std::min(j, size - 1);
        for (std::size_t d = 0; d < dim_; ++d) transposed[d * stride + j] = point_at(pos)[d];
        group_radii[j] = radii[perm_[pos]];
        if (j < size) std::copy(point_at(pos), point_at(pos) + dim_, &queries[j * padded_dim_]);
      }
      const auto [r_min, r_max] = std::minmax_element(group_radii.begin(), group_radii.end());
      QueryGroup g{leaves[l], size, stride, queries.data(), transposed.data(), group_radii.data(),
                   *r_min, *r_max, strict, group_counts.data()};
      count_group(0, g);
      for (std::size_t j = 0; j < size; ++j) counts[perm_[leaf.begin + j]] = group_counts[j];
    }
  });
}

}  // namespace infoscope
