#include "core/knn_estimators.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/grid.hpp"
#include "core/kdtree.hpp"
#include "core/parallel.hpp"
#include "core/sorted_axis.hpp"
#include "core/special.hpp"

namespace infoscope {

namespace {

// Queries are handed out in chunks of consecutive tree positions (neighbouring points, warm cache lines);
// below kMinPerThread queries per thread the loop stays on one thread.
constexpr std::size_t kChunk = 256;
constexpr std::size_t kMinPerThread = 512;
// Radius counts cover hundreds of points per query; leaves of 64 spend less on node visits than they lose on
// scanning (measured: 4-D marginal counts at N = 1e5, 0.53 s with 64 against 0.64 s with 32).
constexpr std::size_t kCountLeafSize = 64;
// Below this many samples, building the marginal spaces on separate threads costs more than it saves.
void check_k(std::size_t n, std::size_t k) {
  if (k < 1) throw std::invalid_argument("k must be at least 1");
  if (k >= n) {
    throw std::invalid_argument("k must be smaller than the number of samples (k=" + std::to_string(k) +
                                ", n=" + std::to_string(n) + ")");
  }
}

// A marginal space (a contiguous range of columns) in which neighbours are counted: a sorted copy for one
// variable, a KD-tree for several.
class Marginal {
 public:
  Marginal(const double* data, std::size_t n, std::size_t stride, std::size_t first, std::size_t dim, int workers)
      : data_(data), n_(n), stride_(stride), first_(first), dim_(dim) {
    if (dim == 1 && n <= std::numeric_limits<std::uint32_t>::max()) {
      axis_.emplace(data, n, stride, first);
    } else {
      tree_.emplace(data, n, stride, first, dim, kCountLeafSize, workers);
    }
  }

  // For every sample i, the number of other samples within max-norm distance radii[i] (strictly closer when
  // strict; sample i itself is inside its radius unless that is 0 and strict).
  std::vector<std::size_t> others_within(const std::vector<double>& radii, bool strict, int workers) const {
    std::vector<std::size_t> counts(n_);
    if (axis_) {
      axis_->count_all(radii.data(), strict, counts.data(), workers);
    } else {
      tree_->count_all(radii.data(), strict, counts.data(), workers);
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
  std::optional<KDTree> tree_;
};

// The marginal spaces over column ranges {first, dim} of data, built concurrently: a sort or a tree build is
// mostly serial work, and the spaces are independent.
std::vector<Marginal> build_marginals(const double* data, std::size_t n, std::size_t stride,
                                      const std::vector<std::pair<std::size_t, std::size_t>>& ranges, int workers) {
  std::vector<std::optional<Marginal>> built(ranges.size());
  parallel_for(ranges.size(), n < kParallelBuildMin ? 1 : workers, 1, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t t = begin; t < end; ++t) built[t].emplace(data, n, stride, ranges[t].first, ranges[t].second, workers);
  });
  std::vector<Marginal> marginals;
  for (auto& m : built) marginals.push_back(std::move(*m));
  return marginals;
}

// Runs fn(i, neighbours) for every sample, in the index's order, with the k nearest other samples of sample i.
template <class Index, class Fn>
void for_each_knn(const Index& index, std::size_t k, Metric metric, Ties ties, int workers, Fn&& fn) {
  parallel_for(index.size(), workers, kChunk, kMinPerThread, [&](std::size_t begin, std::size_t end) {
    std::vector<Neighbor> nb(k);
    for (std::size_t pos = begin; pos < end; ++pos) {
      index.knn_of(pos, k, metric, ties, nb.data());
      fn(index.original_index(pos), nb.data());
    }
  });
}

// Runs fn(index) with a max-norm neighbour index over all columns of data (n x dim): a grid in up to three
// dimensions when the points spread well enough over its cells, a KD-tree otherwise.
template <class Fn>
void with_joint_index(const double* data, std::size_t n, std::size_t dim, int workers, Fn&& fn) {
  if (const std::optional<Grid> grid = Grid::build(data, n, dim, 0, dim)) {
    fn(*grid);
  } else {
    fn(KDTree(data, n, dim, 0, dim, 0, workers));
  }
}

// Max-norm distance from every sample to its k-th neighbour in the joint space (n x dim).
std::vector<double> kth_distances(const double* data, std::size_t n, std::size_t dim, std::size_t k, int workers) {
  std::vector<double> eps(n);
  with_joint_index(data, n, dim, workers, [&](const auto& joint) {
    for_each_knn(joint, k, Metric::Chebyshev, Ties::Any, workers,
                 [&](std::size_t i, const Neighbor* nb) { eps[i] = nb[k - 1].dist; });
  });
  return eps;
}

// local[i] = fn(i) for every sample, on the worker threads: three digamma calls per sample add up at large n.
template <class Fn>
void fill_locals(std::size_t n, int workers, double* local, Fn&& fn) {
  parallel_for(n, workers, kChunk * 16, kMinPerThread * 16, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) local[i] = fn(i);
  });
}

double psi(std::size_t count) { return digamma(static_cast<double>(count)); }

}  // namespace

void kl_entropy(const double* data, std::size_t n, std::size_t d, std::size_t k, Metric metric, int workers,
                double* local) {
  check_k(n, k);
  const double dd = static_cast<double>(d);
  const double log_cd = metric == Metric::Chebyshev
                            ? 0.0
                            : 0.5 * dd * std::log(M_PI) - std::lgamma(1.0 + 0.5 * dd) - dd * std::log(2.0);
  const double constant = -psi(k) + psi(n) + log_cd;
  auto fill = [&](const auto& index) {
    for_each_knn(index, k, metric, Ties::Any, workers, [&](std::size_t i, const Neighbor* nb) {
      local[i] = constant + dd * std::log(2.0 * nb[k - 1].dist);
    });
  };
  if (metric == Metric::Chebyshev) {
    with_joint_index(data, n, d, workers, fill);
  } else {
    fill(KDTree(data, n, d, 0, d, 0, workers));
  }
}

void ksg_mutual_info(const double* data, std::size_t n, std::size_t dx, std::size_t dy, std::size_t k,
                     int algorithm, int workers, double* local) {
  check_k(n, k);
  if (algorithm != 1 && algorithm != 2) throw std::invalid_argument("algorithm must be 1 or 2");
  if (dx == 0 || dy == 0) throw std::invalid_argument("x and y need at least one column each");
  const std::size_t stride = dx + dy;
  const std::vector<Marginal> marginals = build_marginals(data, n, stride, {{0, dx}, {dx, dy}}, workers);
  const Marginal& xs = marginals[0];
  const Marginal& ys = marginals[1];
  const double psi_k = psi(k);
  const double psi_n = psi(n);

  if (algorithm == 1) {
    const std::vector<double> eps = kth_distances(data, n, stride, k, workers);
    const auto nx = xs.others_within(eps, true, workers);
    const auto ny = ys.others_within(eps, true, workers);
    fill_locals(n, workers, local, [&](std::size_t i) { return psi_k + psi_n - psi(nx[i] + 1) - psi(ny[i] + 1); });
  } else {
    // Which points are the k neighbours matters here, so ties are broken by index (reproducible).
    std::vector<double> eps_x(n), eps_y(n);
    with_joint_index(data, n, stride, workers, [&](const auto& joint) {
      for_each_knn(joint, k, Metric::Chebyshev, Ties::ByIndex, workers, [&](std::size_t i, const Neighbor* nb) {
        for (std::size_t j = 0; j < k; ++j) {
          eps_x[i] = std::max(eps_x[i], xs.distance(i, nb[j].index));
          eps_y[i] = std::max(eps_y[i], ys.distance(i, nb[j].index));
        }
      });
    });
    const auto nx = xs.others_within(eps_x, false, workers);
    const auto ny = ys.others_within(eps_y, false, workers);
    const double psi_k2 = psi_k - 1.0 / static_cast<double>(k);
    fill_locals(n, workers, local, [&](std::size_t i) { return psi_k2 + psi_n - psi(nx[i]) - psi(ny[i]); });
  }
}

void ksg_conditional_mutual_info(const double* data, std::size_t n, std::size_t dx, std::size_t dz, std::size_t dy,
                                 std::size_t k, int workers, double* local) {
  check_k(n, k);
  if (dx == 0 || dy == 0 || dz == 0) throw std::invalid_argument("x, y and z need at least one column each");
  const std::size_t stride = dx + dz + dy;
  const std::vector<Marginal> marginals =
      build_marginals(data, n, stride, {{0, dx + dz}, {dx, dz}, {dx, dz + dy}}, workers);
  const Marginal& xz = marginals[0];
  const Marginal& zs = marginals[1];
  const Marginal& zy = marginals[2];
  const double psi_k = psi(k);
  const std::vector<double> eps = kth_distances(data, n, stride, k, workers);
  const auto n_xz = xz.others_within(eps, true, workers);
  const auto n_zy = zy.others_within(eps, true, workers);
  const auto n_z = zs.others_within(eps, true, workers);
  fill_locals(n, workers, local,
              [&](std::size_t i) { return psi_k - psi(n_xz[i] + 1) - psi(n_zy[i] + 1) + psi(n_z[i] + 1); });
}

}  // namespace infoscope
