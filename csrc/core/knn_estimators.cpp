#include "core/knn_estimators.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/kdtree.hpp"
#include "core/parallel.hpp"
#include "core/special.hpp"

namespace infoscope {

namespace {

// Queries are handed out in chunks of consecutive tree positions (neighbouring points, warm cache lines);
// below kMinPerThread queries per thread the loop stays on one thread.
constexpr std::size_t kChunk = 256;
constexpr std::size_t kMinPerThread = 512;

void check_k(std::size_t n, std::size_t k) {
  if (k < 1) throw std::invalid_argument("k must be at least 1");
  if (k >= n) {
    throw std::invalid_argument("k must be smaller than the number of samples (k=" + std::to_string(k) +
                                ", n=" + std::to_string(n) + ")");
  }
}

// Neighbours of sample i other than itself within r; the sample itself is inside unless r = 0 and strict.
std::size_t others_within(const KDTree& tree, std::size_t i, double r, bool strict) {
  return tree.count_within(tree.point(i), r, strict) - ((strict && !(r > 0)) ? 0 : 1);
}

// Runs fn(i, neighbours) for every sample, in the joint tree's order, with the k joint neighbours of sample i.
template <class Fn>
void for_each_knn(const KDTree& joint, std::size_t k, Ties ties, int workers, Fn&& fn) {
  parallel_for(joint.size(), workers, kChunk, kMinPerThread, [&](std::size_t begin, std::size_t end) {
    std::vector<Neighbor> nb(k);
    for (std::size_t pos = begin; pos < end; ++pos) {
      const std::size_t i = joint.original_index(pos);
      joint.knn(joint.point_at(pos), i, k, Metric::Chebyshev, ties, nb.data());
      fn(i, nb.data());
    }
  });
}

}  // namespace

void kl_entropy(const double* data, std::size_t n, std::size_t d, std::size_t k, Metric metric, int workers,
                double* local) {
  check_k(n, k);
  const KDTree tree(data, n, d, 0, d);
  const double dd = static_cast<double>(d);
  const double log_cd = metric == Metric::Chebyshev
                            ? 0.0
                            : 0.5 * dd * std::log(M_PI) - std::lgamma(1.0 + 0.5 * dd) - dd * std::log(2.0);
  const double constant = -digamma(static_cast<double>(k)) + digamma(static_cast<double>(n)) + log_cd;
  parallel_for(n, workers, kChunk, kMinPerThread, [&](std::size_t begin, std::size_t end) {
    std::vector<Neighbor> nb(k);
    for (std::size_t pos = begin; pos < end; ++pos) {
      const std::size_t i = tree.original_index(pos);
      tree.knn(tree.point_at(pos), i, k, metric, Ties::Any, nb.data());
      local[i] = constant + dd * std::log(2.0 * nb[k - 1].dist);
    }
  });
}

void ksg_mutual_info(const double* data, std::size_t n, std::size_t dx, std::size_t dy, std::size_t k,
                     int algorithm, int workers, double* local) {
  check_k(n, k);
  if (algorithm != 1 && algorithm != 2) throw std::invalid_argument("algorithm must be 1 or 2");
  if (dx == 0 || dy == 0) throw std::invalid_argument("x and y need at least one column each");
  const std::size_t stride = dx + dy;
  const KDTree joint(data, n, stride, 0, stride);
  const KDTree xs(data, n, stride, 0, dx);
  const KDTree ys(data, n, stride, dx, dy);
  const double psi_k = digamma(static_cast<double>(k));
  const double psi_n = digamma(static_cast<double>(n));

  if (algorithm == 1) {
    for_each_knn(joint, k, Ties::Any, workers, [&](std::size_t i, const Neighbor* nb) {
      const double eps = nb[k - 1].dist;
      const auto nx = static_cast<double>(others_within(xs, i, eps, true));
      const auto ny = static_cast<double>(others_within(ys, i, eps, true));
      local[i] = psi_k + psi_n - digamma(nx + 1) - digamma(ny + 1);
    });
  } else {
    // Which points are the k neighbours matters here, so ties are broken by index (reproducible).
    for_each_knn(joint, k, Ties::ByIndex, workers, [&](std::size_t i, const Neighbor* nb) {
      double eps_x = 0.0, eps_y = 0.0;
      for (std::size_t j = 0; j < k; ++j) {
        eps_x = std::max(eps_x, chebyshev(xs.point(i), xs.point(nb[j].index), dx));
        eps_y = std::max(eps_y, chebyshev(ys.point(i), ys.point(nb[j].index), dy));
      }
      const auto nx = static_cast<double>(others_within(xs, i, eps_x, false));
      const auto ny = static_cast<double>(others_within(ys, i, eps_y, false));
      local[i] = psi_k - 1.0 / static_cast<double>(k) + psi_n - digamma(nx) - digamma(ny);
    });
  }
}

void ksg_conditional_mutual_info(const double* data, std::size_t n, std::size_t dx, std::size_t dz, std::size_t dy,
                                 std::size_t k, int workers, double* local) {
  check_k(n, k);
  if (dx == 0 || dy == 0 || dz == 0) throw std::invalid_argument("x, y and z need at least one column each");
  const std::size_t stride = dx + dz + dy;
  const KDTree joint(data, n, stride, 0, stride);
  const KDTree xz(data, n, stride, 0, dx + dz);
  const KDTree zs(data, n, stride, dx, dz);
  const KDTree zy(data, n, stride, dx, dz + dy);
  const double psi_k = digamma(static_cast<double>(k));
  for_each_knn(joint, k, Ties::Any, workers, [&](std::size_t i, const Neighbor* nb) {
    const double eps = nb[k - 1].dist;
    const auto n_xz = static_cast<double>(others_within(xz, i, eps, true));
    const auto n_zy = static_cast<double>(others_within(zy, i, eps, true));
    const auto n_z = static_cast<double>(others_within(zs, i, eps, true));
    local[i] = psi_k - digamma(n_xz + 1) - digamma(n_zy + 1) + digamma(n_z + 1);
  });
}

}  // namespace infoscope
