// Host emulation of the CUDA k-NN kernels (csrc/cuda/knn.cu): spaces sorted as the kernels sort them, every
// query run through the per-thread code of csrc/cuda/sweep.hpp, and the local values compared with the CPU
// core's, exactly, on data with many ties, trials and Theiler windows. This checks the kernels' logic on a
// machine without a GPU; the launches themselves are checked by the GPU tests of tests/test_cuda.py.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include "core/knn_estimators.hpp"
#include "core/local_values.hpp"
#include "cuda/sweep.hpp"

#include "tests/check.hpp"

using namespace infoscope;

// As sort_by_column in knn.cu: a stable sort of the samples by column `key`, keeping columns [first, first + cols).
struct Sorted {
  std::vector<std::uint32_t> order, rank;
  std::vector<double> coords;
  sweep::Space space(std::size_t dim, std::size_t stride) const {
    return {coords.data(), order.data(), order.size(), dim, stride};
  }
};

static Sorted sort_by_column(const std::vector<double>& data, std::size_t n, std::size_t stride, std::size_t key,
                             std::size_t first, std::size_t cols) {
  Sorted s{std::vector<std::uint32_t>(n), std::vector<std::uint32_t>(n), std::vector<double>(n * cols)};
  std::iota(s.order.begin(), s.order.end(), 0u);
  std::stable_sort(s.order.begin(), s.order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return data[a * stride + key] < data[b * stride + key]; });
  for (std::size_t p = 0; p < n; ++p) {
    s.rank[s.order[p]] = static_cast<std::uint32_t>(p);
    for (std::size_t c = 0; c < cols; ++c) s.coords[p * cols + c] = data[s.order[p] * stride + first + c];
  }
  return s;
}

static std::vector<double> tied_data(std::size_t n, std::size_t cols, double spacing, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> x(n * cols);
  for (std::size_t i = 0; i < n; ++i) {
    const double common = normal(rng);  // dependence between the columns
    for (std::size_t c = 0; c < cols; ++c) {
      const double v = 0.7 * common + normal(rng);
      x[i * cols + c] = spacing > 0 ? std::round(v / spacing) * spacing : v;
    }
  }
  return x;
}

// cmi_kernel for every thread, with Y replaced by the rows of perm (identity when empty).
static std::vector<double> emulate_cmi(const std::vector<double>& data, std::size_t n, std::size_t dx, std::size_t dz,
                                       std::size_t dy, std::size_t k, const std::vector<std::uint64_t>& starts,
                                       std::size_t theiler, const std::vector<std::uint32_t>& perm) {
  const std::size_t stride = dx + dz + dy, zy_stride = dz + dy, y0 = dx + dz;
  const Sorted joint0 = sort_by_column(data, n, stride, 0, 0, stride);
  const Sorted zy0 = sort_by_column(data, n, stride, dx, dx, zy_stride);
  Sorted joint = joint0, zy = zy0;
  if (!perm.empty()) {  // permute_kernel
    for (std::size_t p = 0; p < n; ++p) {
      for (std::size_t c = 0; c < dy; ++c) joint.coords[p * stride + y0 + c] = data[perm[joint.order[p]] * stride + y0 + c];
      if (dz > 0) {
        for (std::size_t c = 0; c < dy; ++c) zy.coords[p * zy_stride + dz + c] = data[perm[zy.order[p]] * stride + y0 + c];
      }
    }
  }
  std::vector<double> local(n);
  std::vector<Neighbor> nb(k);
  for (std::size_t t = 0; t < n; ++t) {
    const std::size_t i = joint.order[t];
    const sweep::Excluded excluded = sweep::excluded_rows(starts.data(), starts.size(), theiler, i);
    KBest best(k, Ties::Any, nb.data());
    sweep::knn<Metric::Chebyshev>(joint.space(stride, stride), t, excluded, best);
    const double eps = best.worst();
    const std::size_t n_xz = sweep::count(joint.space(dx + dz, stride), t, eps, true, excluded);
    if (dz > 0) {
      const std::size_t p = zy.rank[i];
      local[i] = frenzel_pompe_local(psi(k), n_xz, sweep::count(zy.space(zy_stride, zy_stride), p, eps, true, excluded),
                                     sweep::count(zy.space(dz, zy_stride), p, eps, true, excluded));
    } else {
      local[i] = ksg1_local(psi(k), psi(n), n_xz,
                            sweep::count_y(zy.space(zy_stride, zy_stride), zy.rank.data(), data.data(), stride, y0,
                                           perm.empty() ? nullptr : perm.data(), i, excluded, eps));
    }
  }
  return local;
}

static void check_cmi(std::size_t n, std::size_t dx, std::size_t dz, std::size_t dy, std::size_t k, double spacing,
                      std::vector<std::uint64_t> starts, std::size_t theiler, unsigned seed) {
  const std::size_t stride = dx + dz + dy;
  const std::vector<double> data = tied_data(n, stride, spacing, seed);
  TimeWindow window{std::vector<std::size_t>(starts.begin(), starts.end()), theiler};
  const KsgConditionalMI cpu(data.data(), n, dx, dz, dy, k, window, 2);
  std::vector<double> expected(n);
  cpu.locals(expected.data());
  CHECK(emulate_cmi(data, n, dx, dz, dy, k, starts, theiler, {}) == expected);
  // Surrogates: the emulated mean of each permutation's local values against the core's estimate.
  std::mt19937 rng(seed + 1);
  std::vector<std::uint32_t> perms(3 * n);
  for (std::size_t s = 0; s < 3; ++s) {
    std::iota(perms.begin() + s * n, perms.begin() + (s + 1) * n, 0u);
    std::shuffle(perms.begin() + s * n, perms.begin() + (s + 1) * n, rng);
  }
  std::vector<double> estimates(3);
  cpu.surrogates(perms.data(), 3, estimates.data());
  for (std::size_t s = 0; s < 3; ++s) {
    const std::vector<std::uint32_t> perm(perms.begin() + s * n, perms.begin() + (s + 1) * n);
    const std::vector<double> local = emulate_cmi(data, n, dx, dz, dy, k, starts, theiler, perm);
    double sum = 0.0;
    for (double v : local) sum += v;
    CHECK(sum / static_cast<double>(n) == estimates[s]);
  }
}

static void check_ksg2(std::size_t n, std::size_t dx, std::size_t dy, std::size_t k, double spacing, unsigned seed) {
  const std::size_t stride = dx + dy;
  const std::vector<double> data = tied_data(n, stride, spacing, seed);
  std::vector<double> expected(n), local(n);
  ksg_mutual_info(data.data(), n, dx, dy, k, 2, 2, expected.data());
  const Sorted joint = sort_by_column(data, n, stride, 0, 0, stride);
  const Sorted y = sort_by_column(data, n, stride, dx, dx, dy);
  std::vector<Neighbor> nb(k);
  for (std::size_t t = 0; t < n; ++t) {  // ksg2_kernel
    const std::size_t i = joint.order[t];
    KBest best(k, Ties::ByIndex, nb.data());
    sweep::knn<Metric::Chebyshev>(joint.space(stride, stride), t, sweep::Excluded{i, i}, best);
    double eps_x = 0.0, eps_y = 0.0;
    for (std::size_t j = 0; j < k; ++j) {
      eps_x = std::max(eps_x, chebyshev(&data[i * stride], &data[nb[j].index * stride], dx));
      eps_y = std::max(eps_y, chebyshev(&data[i * stride + dx], &data[nb[j].index * stride + dx], dy));
    }
    local[i] = ksg2_local(psi(k) - 1.0 / static_cast<double>(k), psi(n),
                          sweep::count(joint.space(dx, stride), t, eps_x, false, sweep::Excluded{i, i}),
                          sweep::count(y.space(dy, dy), y.rank[i], eps_y, false, sweep::Excluded{i, i}));
  }
  CHECK(local == expected);
}

static void check_kl(std::size_t n, std::size_t d, std::size_t k, Metric metric, double spacing, unsigned seed) {
  const std::vector<double> data = tied_data(n, d, spacing, seed);
  std::vector<double> w(k, 0.0);
  w[k - 1] = 0.75;
  w[0] = 0.25;  // weights on two neighbours, so that the whole list matters
  std::vector<double> expected(n), local(n);
  kl_entropy(data.data(), n, d, k, metric, 2, expected.data(), w);
  const double constant = kl_constant(w, n, d, metric);
  const Sorted space = sort_by_column(data, n, d, 0, 0, d);
  std::vector<Neighbor> nb(k);
  for (std::size_t t = 0; t < n; ++t) {  // kl_kernel
    const std::size_t i = space.order[t];
    KBest best(k, Ties::Any, nb.data());
    if (metric == Metric::Chebyshev) {
      sweep::knn<Metric::Chebyshev>(space.space(d, d), t, sweep::Excluded{i, i}, best);
    } else {
      sweep::knn<Metric::Euclidean>(space.space(d, d), t, sweep::Excluded{i, i}, best);
      for (auto& v : nb) v.dist = std::sqrt(v.dist);
    }
    local[i] = kl_local(constant, w.data(), k, static_cast<double>(d), nb.data());
  }
  CHECK(local == expected);
}

int main() {
  for (double spacing : {0.0, 0.25, 1.0}) {  // continuous, tied, heavily tied
    check_cmi(700, 1, 0, 1, 3, spacing, {0, 700}, 0, 1);            // KSG MI, algorithm 1
    check_cmi(700, 2, 0, 3, 5, spacing, {0, 700}, 0, 2);            // wider X and Y
    check_cmi(600, 1, 2, 1, 4, spacing, {0, 600}, 0, 3);            // CMI
    check_cmi(600, 1, 2, 2, 4, spacing, {0, 250, 600}, 3, 4);       // trials and a Theiler window
    check_cmi(600, 1, 0, 1, 4, spacing, {0, 250, 600}, 3, 10);      // MI with trials and a Theiler window
    check_cmi(400, 2, 0, 1, 3, spacing, {0, 400}, 5, 11);
    check_cmi(500, 1, 1, 1, 20, spacing, {0, 100, 300, 500}, 0, 5);  // k above the small capacity
    // Around the sizes where the core changes its spaces: grids from Grid::kMinPoints, sorted 2-D strips up to
    // Marginal::kStripMax.
    check_cmi(512, 1, 0, 1, 3, spacing, {0, 512}, 0, 12);
    check_cmi(2048, 1, 1, 1, 4, spacing, {0, 2048}, 0, 13);
    check_cmi(2049, 1, 1, 1, 4, spacing, {0, 1000, 2049}, 2, 14);
    check_ksg2(600, 1, 1, 3, spacing, 6);
    check_ksg2(600, 2, 3, 6, spacing, 7);
    check_kl(600, 3, 4, Metric::Chebyshev, spacing > 0 ? 0.05 : 0.0, 8);  // coarse ties would give -inf
    check_kl(600, 3, 4, Metric::Euclidean, spacing > 0 ? 0.05 : 0.0, 9);
  }
  std::printf("%s\n", failures ? "sweep tests FAILED" : "sweep tests passed");
  return failures ? 1 : 0;
}
