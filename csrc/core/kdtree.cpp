#include "core/kdtree.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace infoscope {

namespace {

// Leaves of ~16 points keep low-dimensional searches to a few leaves; in high dimension the tree prunes little
// and larger leaves spend less time on node bookkeeping per distance evaluated.
std::size_t default_leaf_size(std::size_t dim) { return dim <= 8 ? 16 : 32; }

inline bool closer(const Neighbor& a, const Neighbor& b) {
  return a.dist < b.dist || (a.dist == b.dist && a.index < b.index);
}

}  // namespace

KDTree::KDTree(const double* data, std::size_t n, std::size_t row_stride, std::size_t first_col, std::size_t dim,
               std::size_t leaf_size)
    : n_(n), dim_(dim), leaf_size_(leaf_size ? leaf_size : default_leaf_size(dim)) {
  if (n == 0) throw std::invalid_argument("KDTree: no points");
  if (dim == 0) throw std::invalid_argument("KDTree: zero dimensions");
  if (first_col + dim > row_stride) throw std::invalid_argument("KDTree: columns outside the row");
  perm_.resize(n);
  std::iota(perm_.begin(), perm_.end(), std::size_t{0});
  nodes_.reserve(2 * (n / leaf_size_ + 1));
  build(data, row_stride, first_col, 0, n);

  points_.resize(n * dim);
  pos_.resize(n);
  for (std::size_t p = 0; p < n; ++p) {
    const double* row = data + perm_[p] * row_stride + first_col;
    std::copy(row, row + dim, &points_[p * dim]);
    pos_[perm_[p]] = p;
  }
}

std::int32_t KDTree::build(const double* data, std::size_t row_stride, std::size_t first_col, std::size_t begin,
                           std::size_t end) {
  const auto id = static_cast<std::int32_t>(nodes_.size());
  nodes_.push_back(Node{begin, end});
  boxes_.resize(boxes_.size() + 2 * dim_);
  double* lo = &boxes_[id * 2 * dim_];
  double* hi = lo + dim_;
  auto coord = [&](std::size_t index, std::size_t d) { return data[index * row_stride + first_col + d]; };
  for (std::size_t d = 0; d < dim_; ++d) lo[d] = hi[d] = coord(perm_[begin], d);
  for (std::size_t p = begin + 1; p < end; ++p) {
    for (std::size_t d = 0; d < dim_; ++d) {
      const double v = coord(perm_[p], d);
      lo[d] = std::min(lo[d], v);
      hi[d] = std::max(hi[d], v);
    }
  }
  std::size_t split_dim = 0;
  for (std::size_t d = 1; d < dim_; ++d) {
    if (hi[d] - lo[d] > hi[split_dim] - lo[split_dim]) split_dim = d;
  }
  // A node of identical points cannot be split; it stays one leaf whatever its size.
  if (end - begin <= leaf_size_ || hi[split_dim] == lo[split_dim]) return id;

  // Median split: left holds coordinates <= split, right >= split, so the far-cell bound |q - split| is exact.
  const std::size_t mid = begin + (end - begin) / 2;
  std::nth_element(perm_.begin() + begin, perm_.begin() + mid, perm_.begin() + end,
                   [&](std::size_t a, std::size_t b) { return coord(a, split_dim) < coord(b, split_dim); });
  const double split = coord(perm_[mid], split_dim);
  const std::int32_t left = build(data, row_stride, first_col, begin, mid);
  const std::int32_t right = build(data, row_stride, first_col, mid, end);
  Node& node = nodes_[id];
  node.left = left;
  node.right = right;
  node.split_dim = static_cast<std::uint32_t>(split_dim);
  node.split = split;
  return id;
}

struct KDTree::KnnSearch {
  const double* q;
  std::size_t exclude, k, found;
  bool by_index;
  Neighbor* best;  // sorted by (dist, index); distances squared for the Euclidean metric
  double* offsets;  // Euclidean only: per-dimension gap from q to the current cell

  double worst() const { return found < k ? std::numeric_limits<double>::infinity() : best[k - 1].dist; }

  void offer(double dist, std::size_t index) {
    const Neighbor cand{dist, index};
    std::size_t pos;
    if (found < k) {
      pos = found++;
    } else if (cand.dist < best[k - 1].dist || (by_index && closer(cand, best[k - 1]))) {
      pos = k - 1;
    } else {
      return;
    }
    while (pos > 0 && closer(cand, best[pos - 1])) {
      best[pos] = best[pos - 1];
      --pos;
    }
    best[pos] = cand;
  }
};

template <Metric M>
void KDTree::knn_node(std::int32_t id, double bound, KnnSearch& s) const {
  // A cell at the current k-th distance can still hold a tie with a lower index, so ByIndex prunes only
  // strictly farther cells.
  if (s.found == s.k && (s.by_index ? bound > s.worst() : bound >= s.worst())) return;
  const Node& node = nodes_[id];
  if (node.left < 0) {
    for (std::size_t p = node.begin; p < node.end; ++p) {
      const std::size_t index = perm_[p];
      if (index == s.exclude) continue;
      const double worst = s.worst();
      if (!s.by_index && worst == 0.0) return;  // nothing beats a zero distance
      const double d = distance_bounded<M>(s.q, point_at(p), dim_, worst);
      if (d <= worst) s.offer(d, index);
    }
    return;
  }
  const double diff = s.q[node.split_dim] - node.split;
  const std::int32_t near_child = diff < 0 ? node.left : node.right;
  const std::int32_t far_child = diff < 0 ? node.right : node.left;
  knn_node<M>(near_child, bound, s);
  const double gap = diff < 0 ? -diff : diff;
  if constexpr (M == Metric::Chebyshev) {
    knn_node<M>(far_child, std::max(bound, gap), s);
  } else {
    // Incremental squared distance to the far cell (Arya & Mount 1993); shrunk by a few ulp so that rounding in
    // the update never prunes a cell holding a point at exactly the k-th distance.
    double& off = s.offsets[node.split_dim];
    const double old = off;
    off = gap;
    knn_node<M>(far_child, (bound - old * old + gap * gap) * (1.0 - 1e-12), s);
    off = old;
  }
}

void KDTree::knn(const double* q, std::size_t exclude, std::size_t k, Metric metric, Ties ties, Neighbor* out) const {
  const std::size_t available = n_ - (exclude < n_ ? 1 : 0);
  if (k == 0 || k > available) throw std::invalid_argument("KDTree::knn: k must be between 1 and the number of other points");
  KnnSearch s{q, exclude, k, 0, ties == Ties::ByIndex, out, nullptr};
  if (metric == Metric::Chebyshev) {
    knn_node<Metric::Chebyshev>(0, 0.0, s);
  } else {
    std::vector<double> offsets(dim_, 0.0);
    s.offsets = offsets.data();
    knn_node<Metric::Euclidean>(0, 0.0, s);
    for (std::size_t i = 0; i < k; ++i) out[i].dist = std::sqrt(out[i].dist);
  }
}

std::size_t KDTree::count_node(std::int32_t id, const double* q, double r, bool strict) const {
  const Node& node = nodes_[id];
  const double* lo = &boxes_[id * 2 * dim_];
  const double* hi = lo + dim_;
  // Nearest and farthest max-norm distance from q to the node's bounding box, computed with the same
  // fl(a - b) as point distances, so that "all inside" and "all outside" are decided exactly.
  double near_dist = 0.0, far_dist = 0.0;
  for (std::size_t d = 0; d < dim_; ++d) {
    const double below = lo[d] - q[d], above = q[d] - hi[d];
    near_dist = std::max(near_dist, std::max(below, above));
    far_dist = std::max(far_dist, std::max(abs_diff(q[d], lo[d]), abs_diff(q[d], hi[d])));
  }
  if (strict ? near_dist >= r : near_dist > r) return 0;
  if (strict ? far_dist < r : far_dist <= r) return node.end - node.begin;
  if (node.left < 0) {
    std::size_t count = 0;
    for (std::size_t p = node.begin; p < node.end; ++p) {
      const double d = chebyshev_bounded(q, point_at(p), dim_, r);
      count += strict ? (d < r) : (d <= r);
    }
    return count;
  }
  return count_node(node.left, q, r, strict) + count_node(node.right, q, r, strict);
}

std::size_t KDTree::count_within(const double* q, double r, bool strict) const {
  return count_node(0, q, r, strict);
}

}  // namespace infoscope
