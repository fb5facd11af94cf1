#include "core/knn_estimators.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/grid.hpp"
#include "core/kdtree.hpp"
#include "core/parallel.hpp"
#include "core/special.hpp"

namespace infoscope {

// Which samples a Theiler window leaves out of sample i's neighbours: the rows rows(i).first..rows(i).second of
// its trial, i included.
class Excluded {
 public:
  Excluded(const TimeWindow& w, std::size_t n) : starts_(w.trial_starts), width_(w.theiler), n_(n) {}
  std::size_t width() const { return width_; }
  std::pair<std::size_t, std::size_t> rows(std::size_t i) const {
    std::size_t begin = 0, end = n_;
    if (!starts_.empty()) {
      const auto next = std::upper_bound(starts_.begin(), starts_.end(), i);
      begin = *(next - 1);
      end = *next;
    }
    return {std::max(begin, i - std::min(i, width_)), std::min(end - 1, i + width_)};
  }

 private:
  const std::vector<std::size_t>& starts_;
  std::size_t width_, n_;
};

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

// Max-norm distance from every sample to its k-th neighbour in the joint space (n x dim), leaving out the
// samples of a Theiler window. Those are at most 2 * width, so the k-th kept neighbour is among the
// k + 2 * width nearest: whichever of the tied points the search returns, no point outside them is closer.
std::vector<double> kth_distances(const double* data, std::size_t n, std::size_t dim, std::size_t k,
                                  const Excluded& excluded, int workers) {
  std::vector<double> eps(n);
  const std::size_t m = std::min(n - 1, k + 2 * excluded.width());
  with_joint_index(data, n, dim, workers, [&](const auto& joint) {
    for_each_knn(joint, m, Metric::Chebyshev, Ties::Any, workers, [&](std::size_t i, const Neighbor* nb) {
      const auto [first, last] = excluded.rows(i);
      std::size_t kept = 0;
      for (std::size_t j = 0; j < m; ++j) {
        if (nb[j].index >= first && nb[j].index <= last) continue;
        if (++kept == k) {
          eps[i] = nb[j].dist;
          break;
        }
      }
    });
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
  if (algorithm == 1) {
    KsgConditionalMI(data, n, dx, 0, dy, k, TimeWindow{}, workers).locals(workers, local);
    return;
  }
  const std::size_t stride = dx + dy;
  const std::vector<Marginal> marginals = build_marginals(data, n, stride, {{0, dx}, {dx, dy}}, workers);
  const Marginal& xs = marginals[0];
  const Marginal& ys = marginals[1];
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
  const auto nx = xs.others_within(eps_x.data(), false, workers);
  const auto ny = ys.others_within(eps_y.data(), false, workers);
  const double psi_k2 = psi(k) - 1.0 / static_cast<double>(k);
  const double psi_n = psi(n);
  fill_locals(n, workers, local, [&](std::size_t i) { return psi_k2 + psi_n - psi(nx[i]) - psi(ny[i]); });
}

KsgConditionalMI::KsgConditionalMI(const double* data, std::size_t n, std::size_t dx, std::size_t dz,
                                   std::size_t dy, std::size_t k, TimeWindow window, int workers)
    : data_(data, data + n * (dx + dz + dy)), n_(n), dx_(dx), dz_(dz), dy_(dy), k_(k), window_(std::move(window)) {
  check_k(n, k);
  if (dx == 0 || dy == 0) throw std::invalid_argument("x and y need at least one column each");
  const auto& starts = window_.trial_starts;
  if (!starts.empty() && (starts.front() != 0 || starts.back() != n || !std::is_sorted(starts.begin(), starts.end()))) {
    throw std::invalid_argument("trial_starts must ascend from 0 to the number of samples");
  }
  // Every sample must keep k neighbours outside its window.
  std::size_t longest = starts.empty() ? n : 0;
  for (std::size_t t = 1; t < starts.size(); ++t) longest = std::max(longest, starts[t] - starts[t - 1]);
  const std::size_t window_size = std::min(longest, 2 * window_.theiler + 1);
  if (n - window_size < k) {
    throw std::invalid_argument("k plus the Theiler window leave too few samples: k=" + std::to_string(k) +
                                ", theiler=" + std::to_string(window_.theiler) + ", n=" + std::to_string(n));
  }
  std::vector<std::pair<std::size_t, std::size_t>> ranges{{0, dx + dz}, {dx, dz + dy}};
  if (dz > 0) ranges.push_back({dx, dz});
  spaces_ = build_marginals(data_.data(), n, stride(), ranges, workers);
}

std::vector<std::size_t> KsgConditionalMI::counts(const Marginal& space, const std::vector<double>& eps,
                                                  const Excluded& excluded, int workers) const {
  std::vector<std::size_t> c = space.others_within(eps.data(), true, workers);
  if (excluded.width() > 0) {
    parallel_for(n_, workers, kChunk * 16, kMinPerThread * 16, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const auto [first, last] = excluded.rows(i);
        for (std::size_t j = first; j <= last; ++j) {
          if (j != i && space.distance(i, j) < eps[i]) --c[i];
        }
      }
    });
  }
  return c;
}

void KsgConditionalMI::fill(const double* data, const Marginal& zy, int workers, double* local) const {
  const Excluded excluded(window_, n_);
  const std::vector<double> eps = kth_distances(data, n_, stride(), k_, excluded, workers);
  const auto n_xz = counts(spaces_[0], eps, excluded, workers);
  const auto n_zy = counts(zy, eps, excluded, workers);
  const double psi_k = psi(k_);
  if (dz_ == 0) {  // KSG algorithm 1, eq. 8
    const double psi_n = psi(n_);
    fill_locals(n_, workers, local,
                [&](std::size_t i) { return psi_k + psi_n - psi(n_xz[i] + 1) - psi(n_zy[i] + 1); });
    return;
  }
  const auto n_z = counts(spaces_[2], eps, excluded, workers);
  fill_locals(n_, workers, local,
              [&](std::size_t i) { return psi_k - psi(n_xz[i] + 1) - psi(n_zy[i] + 1) + psi(n_z[i] + 1); });
}

void KsgConditionalMI::locals(int workers, double* local) const { fill(data_.data(), spaces_[1], workers, local); }

void KsgConditionalMI::surrogates(const std::uint32_t* perms, std::size_t count, int workers,
                                  double* estimates) const {
  for (std::size_t i = 0; i < count * n_; ++i) {
    if (perms[i] >= n_) throw std::invalid_argument("permutation entries must be row indices below n");
  }
  const std::size_t cols = stride(), y0 = dx_ + dz_;
  parallel_for(count, workers, 1, 1, [&](std::size_t begin, std::size_t end) {
    std::vector<double> data(data_);
    std::vector<double> local(n_);
    for (std::size_t s = begin; s < end; ++s) {
      const std::uint32_t* perm = perms + s * n_;
      for (std::size_t i = 0; i < n_; ++i) {
        std::copy_n(&data_[perm[i] * cols + y0], dy_, &data[i * cols + y0]);
      }
      const Marginal zy(data.data(), n_, cols, dx_, dz_ + dy_, 1);
      fill(data.data(), zy, 1, local.data());
      double sum = 0.0;
      for (double v : local) sum += v;
      estimates[s] = sum / static_cast<double>(n_);
    }
  });
}

}  // namespace infoscope
