// C++-only tests of the core: KD-tree k-NN and radius counts against brute force, ties included, and the
// parallel loop carrying an exception out. Build with -DINFOSCOPE_BUILD_TESTS=ON, run with ctest.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <vector>

#include "core/grid.hpp"
#include "core/histogram.hpp"
#include "core/kernel_density.hpp"
#include "core/kdtree.hpp"
#include "core/parallel.hpp"
#include "core/special.hpp"

#include "tests/check.hpp"

using namespace infoscope;

static void check_tree(std::size_t n, std::size_t dim, double spacing, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> x(n * dim);
  for (double& v : x) v = spacing > 0 ? std::round(normal(rng) / spacing) * spacing : normal(rng);
  const KDTree tree(x.data(), n, dim, 0, dim, 0, 2);
  const std::optional<Grid> grid = Grid::build(x.data(), n, dim, 0, dim);
  // Continuous data spread over the cells; heavily tied data may be declined (too many points per cell).
  if (spacing == 0) CHECK(grid.has_value() == (dim <= Grid::kMaxDim && n >= 1024));
  std::vector<std::size_t> grid_pos(n);  // row -> position in the grid
  for (std::size_t pos = 0; grid && pos < n; ++pos) grid_pos[grid->original_index(pos)] = pos;
  const std::size_t k = 4;
  std::vector<Neighbor> got(k);
  // Radii for the grid's counts: each point's k-th distance, so that points lie exactly on the boundary.
  std::vector<double> radii(n);
  std::vector<std::size_t> grid_strict(n), grid_loose(n);
  const std::optional<Grid> count_grid = Grid::build(x.data(), n, dim, 0, dim, Grid::kCountPointsPerCell);
  if (spacing == 0) CHECK(count_grid.has_value() == grid.has_value());
  if (count_grid) {
    for (std::size_t i = 0; i < n; ++i) {
      tree.knn(&x[i * dim], i, k, Metric::Chebyshev, Ties::Any, got.data());
      radii[i] = got[k - 1].dist;
    }
    count_grid->count_all(radii.data(), true, grid_strict.data(), 2);
    count_grid->count_all(radii.data(), false, grid_loose.data(), 2);
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<Neighbor> all;
    for (std::size_t j = 0; j < n; ++j) {
      if (j != i) all.push_back({chebyshev(&x[i * dim], &x[j * dim], dim), j});
    }
    std::sort(all.begin(), all.end(), [](const Neighbor& a, const Neighbor& b) {
      return a.dist < b.dist || (a.dist == b.dist && a.index < b.index);
    });
    tree.knn(&x[i * dim], i, k, Metric::Chebyshev, Ties::ByIndex, got.data());
    for (std::size_t t = 0; t < k; ++t) CHECK(got[t].index == all[t].index && got[t].dist == all[t].dist);
    tree.knn(&x[i * dim], i, k, Metric::Chebyshev, Ties::Any, got.data());
    CHECK(got[k - 1].dist == all[k - 1].dist);
    const double r = all[k - 1].dist;
    std::size_t strict = 1, loose = 1;  // the query point itself
    for (const Neighbor& nb : all) {
      strict += nb.dist < r;
      loose += nb.dist <= r;
    }
    CHECK(tree.count_within(&x[i * dim], r, true) == strict - (r > 0 ? 0 : 1));
    CHECK(tree.count_within(&x[i * dim], r, false) == loose);
    if (grid) {
      grid->knn_of(grid_pos[i], k, Metric::Chebyshev, Ties::ByIndex, got.data());
      for (std::size_t t = 0; t < k; ++t) CHECK(got[t].index == all[t].index && got[t].dist == all[t].dist);
      grid->knn_of(grid_pos[i], k, Metric::Chebyshev, Ties::Any, got.data());
      CHECK(got[k - 1].dist == all[k - 1].dist);
    }
    if (count_grid) {
      CHECK(grid_strict[i] == strict - (r > 0 ? 0 : 1));
      CHECK(grid_loose[i] == loose);
    }
  }
}

int main() {
  for (std::size_t dim : {1, 2, 5, 9, 17}) {
    check_tree(300, dim, 0.0, 1);
    check_tree(300, dim, 0.5, 2);  // exact ties
  }
  for (std::size_t dim : {1, 2, 3}) {  // large enough for a grid
    check_tree(1500, dim, 0.0, 3);
    check_tree(1500, dim, 0.25, 4);
  }
  // psi(1) = -Euler's gamma; psi(x + 1) = psi(x) + 1/x.
  CHECK(std::abs(digamma(1.0) + 0.57721566490153286) < 1e-15);
  CHECK(std::abs(digamma(12345.5) - digamma(12344.5) - 1.0 / 12344.5) < 1e-12);
  bool caught = false;
  try {
    parallel_for(10000, 2, 16, 1, [](std::size_t begin, std::size_t) {
      if (begin >= 5000) throw std::invalid_argument("boom");
    });
  } catch (const std::invalid_argument&) {
    caught = true;
  }
  CHECK(caught);

  // Kernel term: for two points a distance r apart, log((1 + exp(-r^2 / 2h)) / 2) at both.
  const double pts[] = {0.0, 0.0, 3.0, 4.0};
  double term[2];
  gaussian_kernel_log_mean(pts, 2, 2, 2.0, 1, term);
  const double expected = std::log((1.0 + std::exp(-25.0 / 4.0)) / 2.0);
  CHECK(std::abs(term[0] - expected) < 1e-15 && std::abs(term[1] - expected) < 1e-15);

  // Windowed TE: the target copies the source's previous value; the source repeats 0,0,1,1, so the target's own
  // past leaves one bit open and TE is log 2, up to the few counts a window leaves unbalanced.
  std::vector<std::int64_t> src(400), tgt(400, 0);
  for (std::size_t t = 0; t < 400; ++t) src[t] = (t / 2) % 2;
  for (std::size_t t = 1; t < 400; ++t) tgt[t] = src[t - 1];
  const std::uint32_t pair[] = {0, 0};
  std::vector<double> te(4);
  windowed_transfer_entropy({src.data(), 400, 1, 2}, {tgt.data(), 400, 1, 2}, pair, 1, 100, 100, 1, 1, 1,
                            Correction::PlugIn, 2, te.data());
  for (double v : te) CHECK(std::abs(v - std::log(2.0)) < 1e-3);
  std::printf("%s\n", failures ? "core tests FAILED" : "core tests passed");
  return failures ? 1 : 0;
}
