// C++-only tests of the core: KD-tree k-NN and radius counts against brute force, ties included, the parallel
// loop carrying an exception out, and binning keys (CPU loops and the CUDA kernel's arithmetic) against the rules'
// definitions. Build with -DINFOSCOPE_BUILD_TESTS=ON, run with ctest.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "core/binning_codes.hpp"
#include "core/gaussian.hpp"
#include "core/grid.hpp"
#include "core/histogram.hpp"
#include "core/kernel_density.hpp"
#include "core/kdtree.hpp"
#include "core/knn_estimators.hpp"
#include "core/marginal.hpp"
#include "core/mixed_estimators.hpp"
#include "core/parallel.hpp"
#include "core/permutations.hpp"
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
      for (std::size_t kk = 1; kk <= Grid::kSmallK; ++kk) CHECK(grid->kth_distance(grid_pos[i], kk) == all[kk - 1].dist);
    }
    if (count_grid) {
      CHECK(grid_strict[i] == strict - (r > 0 ? 0 : 1));
      CHECK(grid_loose[i] == loose);
    }
  }
}

// Marginal radius counts (1-D and 2-D strips of a sorted column, grids, trees by size) against brute force: radii
// that put points exactly on the boundary (each point's distance to its j-th neighbour), zero and infinite radii,
// and ties; with the first column's sort made here or handed over.
static void check_marginal(std::size_t n, std::size_t dim, double spacing, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  const std::size_t stride = dim + 1;  // one column before the space's
  std::vector<double> x(n * stride);
  for (double& v : x) v = spacing > 0 ? std::round(normal(rng) / spacing) * spacing : normal(rng);
  std::vector<double> radii(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> dist;
    for (std::size_t j = 0; j < n; ++j) dist.push_back(chebyshev(&x[i * stride + 1], &x[j * stride + 1], dim));
    std::sort(dist.begin(), dist.end());
    radii[i] = i % 17 == 0 ? 0.0 : i % 29 == 0 ? HUGE_VAL : dist[std::min(n - 1, 1 + i % 40)];
  }
  const SortedColumn sorted(x.data(), n, stride, 1);
  const SortedColumn* const given[] = {&sorted, nullptr};
  for (const SortedColumn* const* s : {static_cast<const SortedColumn* const*>(nullptr), &given[0]}) {
    const Marginal space(x.data(), n, stride, 1, dim, 2, s);
    for (bool strict : {true, false}) {
      const std::vector<std::size_t> got = space.others_within(radii.data(), strict, 2);
      for (std::size_t i = 0; i < n; ++i) {
        std::size_t expected = 0;
        for (std::size_t j = 0; j < n; ++j) {
          const double d = chebyshev(&x[i * stride + 1], &x[j * stride + 1], dim);
          expected += j != i && (strict ? d < radii[i] : d <= radii[i]);
        }
        CHECK(got[i] == expected);
      }
    }
  }
}

// Binning keys. The CUDA keys kernel's arithmetic run on the host: lane l of a row's warp folds columns l,
// l + 32, ... through element_code, and the lanes' sums meet as __shfl_down_sync adds them (lane 0 ends with
// the key).
template <class T>
static Key warp_key(const BinningView& view, const T* row, std::size_t d, bool& nonfinite, bool& outside) {
  std::uint64_t lane_lo[32] = {}, lane_hi[32] = {};
  for (std::size_t lane = 0; lane < 32; ++lane) {
    for (std::size_t j = lane; j < d; j += 32) {
      ElementCode c;
      if constexpr (std::is_integral_v<T>) {
        c = element_code(view, j, static_cast<std::int64_t>(row[j]));
      } else {
        c = element_code(view, j, static_cast<double>(row[j]));
      }
      nonfinite |= c.nonfinite;
      outside |= c.outside;
      lane_lo[lane] += c.code * view.mul_lo[j];
      lane_hi[lane] += c.code * view.mul_hi[j];
    }
  }
  for (std::size_t offset = 16; offset > 0; offset /= 2) {
    for (std::size_t lane = 0; lane + offset < 32; ++lane) {  // ascending: lane + offset still holds its old sum
      lane_lo[lane] += lane_lo[lane + offset];
      lane_hi[lane] += lane_hi[lane + offset];
    }
  }
  return {lane_lo[0], lane_hi[0]};
}

// Column j's code of v written out from the rules' definitions (histogram.hpp) with std::floor, std::upper_bound
// and offset-binary integers, and what is wrong with v. A non-finite value's code is left unchecked (never used).
static std::uint64_t reference_code(const Binning& b, std::size_t j, double v, bool& nonfinite, bool& outside) {
  nonfinite |= !std::isfinite(v);
  if (b.rule == Binning::Rule::Edges) {
    return static_cast<std::uint64_t>(std::upper_bound(b.edges[j].begin(), b.edges[j].end(), v) - b.edges[j].begin());
  }
  outside |= !(b.lo[j] <= v && v <= b.hi[j]);
  const double clipped = std::min(std::max(v, b.lo[j]), b.hi[j]);
  const std::int64_t code = static_cast<std::int64_t>(std::floor((clipped - b.origin[j]) * b.scale[j])) - b.shift[j];
  return static_cast<std::uint64_t>(std::clamp<std::int64_t>(code, 0, static_cast<std::int64_t>(b.count[j]) - 1));
}

static std::uint64_t reference_code(const Binning& b, std::size_t j, std::int64_t v, bool&, bool& outside) {
  // v + 2^63 - (shift + 2^63): the int64 values in order as unsigned numbers, their difference taken mod 2^64.
  constexpr std::uint64_t half = std::uint64_t{1} << 63;
  const std::uint64_t code = (static_cast<std::uint64_t>(v) ^ half) - (static_cast<std::uint64_t>(b.shift[j]) ^ half);
  outside |= b.count[j] != std::numeric_limits<std::uint64_t>::max() && code >= b.count[j];
  return code;
}

// The keys of the rows of data (n x d) under b: the emulated warp, the CPU key loops and the reference must give
// the same keys, bit for bit, and the same problems; row_symbols must fail as check_key_problems says for those
// problems, or number those keys.
template <class T>
static void check_keys(const std::vector<T>& data, std::size_t d, const Binning& b) {
  const std::size_t n = data.size() / d;
  const KeyMultipliers m = key_multipliers(b.count);
  const FlatBinning flat = flat_binning(b, m);  // the arrays cuda::row_keys copies to the device
  std::vector<Key> warp(n), host(n);
  bool warp_nonfinite = false, warp_outside = false, ref_nonfinite = false, ref_outside = false;
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < n; ++i) {
    warp[i] = warp_key(flat.view(), &data[i * d], d, warp_nonfinite, warp_outside);
    Key ref{0, 0};
    bool row_nonfinite = false;
    for (std::size_t j = 0; j < d; ++j) {
      const std::uint64_t code = reference_code(b, j, data[i * d + j], row_nonfinite, ref_outside);
      ref.lo += code * m.lo[j];
      ref.hi += code * m.hi[j];
    }
    mismatches += !row_nonfinite && !(warp[i] == ref);
    ref_nonfinite |= row_nonfinite;
  }
  CHECK(mismatches == 0);
  CHECK(warp_nonfinite == ref_nonfinite && warp_outside == ref_outside);
  bool host_nonfinite = false, host_outside = false;
  row_keys(data.data(), n, d, b, m, 2, host.data(), &host_nonfinite, &host_outside);
  CHECK(host == warp);
  CHECK(host_nonfinite == ref_nonfinite && host_outside == ref_outside);
  std::string expected_error, error;
  try {
    check_key_problems(b, ref_nonfinite, ref_outside);
  } catch (const std::invalid_argument& e) {
    expected_error = e.what();
  }
  Symbols s;
  try {
    s = row_symbols(data.data(), n, d, b, 2);
  } catch (const std::invalid_argument& e) {
    error = e.what();
  }
  CHECK(error == expected_error);
  if (error.empty()) {
    const Symbols expected = number_keys(warp, m);
    CHECK(s.ids == expected.ids && s.n_symbols == expected.n_symbols);
  }
}

// Uniform bins of the given widths over [lo_j, hi_j], as the Python side lays them out: origin 0, shift the code of
// lo_j, and `spare` codes fewer than needed for hi_j (spare 1: hi_j clamps into the last bin).
static Binning uniform_binning(const std::vector<double>& lo, const std::vector<double>& hi,
                               const std::vector<double>& width, bool clip, std::int64_t spare) {
  Binning b;
  b.clip = clip;
  b.lo = lo;
  b.hi = hi;
  for (std::size_t j = 0; j < lo.size(); ++j) {
    b.origin.push_back(0.0);
    b.scale.push_back(1.0 / width[j]);
    b.shift.push_back(static_cast<std::int64_t>(std::floor(lo[j] / width[j])));
    const std::int64_t last = static_cast<std::int64_t>(std::floor(hi[j] / width[j])) - b.shift[j];
    b.count.push_back(static_cast<std::uint64_t>(std::max<std::int64_t>(1, last + 1 - spare)));
  }
  return b;
}

// n rows of Gaussian values scaled per column, with some entries replaced by `special` values (bin boundaries,
// range ends, values outside the range, ...).
template <class T>
static std::vector<T> gaussian_rows(std::size_t n, const std::vector<double>& spread,
                                    const std::vector<double>& special, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<std::size_t> pick(0, 3 * special.size());
  const std::size_t d = spread.size();
  std::vector<T> data(n * d);
  for (std::size_t i = 0; i < n * d; ++i) {
    const std::size_t s = pick(rng);
    data[i] = static_cast<T>(s < special.size() ? special[s] * spread[i % d] : normal(rng) * spread[i % d]);
  }
  return data;
}

static void check_binning_keys() {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  // Uniform: in range (boundaries of widths 0.25 and 0.1 included), then with a non-finite value or a value
  // outside, with and without clipping; hashed keys for 40 columns (lanes fold two columns each).
  const std::vector<double> spread = {1.0, 0.3, 100.0};
  const std::vector<double> on_grid = {-3.0, -2.5, -0.25, -0.0, 0.0, 0.1, 0.2, 0.3, 0.7, 1.0, 2.75, 3.0};
  for (bool clip : {false, true}) {
    for (std::int64_t spare : {0, 1}) {
      const Binning b = uniform_binning({-3.0, -0.9, -300.0}, {3.0, 0.9, 300.0}, {0.25, 0.1, 7.0}, clip, spare);
      std::vector<double> in_range = gaussian_rows<double>(3000, spread, on_grid, 5);
      for (std::size_t i = 0; i < in_range.size(); ++i) {
        in_range[i] = std::clamp(in_range[i], b.lo[i % 3], b.hi[i % 3]);
      }
      check_keys(in_range, 3, b);
      check_keys(gaussian_rows<float>(3000, spread, on_grid, 6), 3, b);  // some outside
      for (double bad : {nan, inf, -inf, 4.0, -1e300}) {
        std::vector<double> data = in_range;
        data[1234] = bad;
        check_keys(data, 3, b);
      }
    }
  }
  const std::vector<double> wide(40, 1.0);
  check_keys(gaussian_rows<float>(2000, wide, {-0.5, 0.0, 0.5}, 7), 40,
             uniform_binning(std::vector<double>(40, -2.0), std::vector<double>(40, 2.0), std::vector<double>(40, 0.25),
                             true, 0));
  // Edges, tied among themselves and with the values; a column of no edges (one code).
  Binning edges;
  edges.rule = Binning::Rule::Edges;
  edges.edges = {{-1.0, 0.0, 0.0, 0.0, 0.5, 2.0}, {}, {1.0, 1.0, 1.0}};
  for (const auto& e : edges.edges) edges.count.push_back(e.size() + 1);
  const std::vector<double> on_edges = {-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, 3.0};
  for (double bad : {0.0, nan, inf, -inf}) {
    std::vector<double> data = gaussian_rows<double>(3000, {1.0, 1.0, 1.0}, on_edges, 8);
    data[77] = bad;
    check_keys(data, 3, edges);
  }
  check_keys(gaussian_rows<float>(3000, {1.0, 1.0, 1.0}, on_edges, 9), 3, edges);
  Binning wide_edges;
  wide_edges.rule = Binning::Rule::Edges;
  wide_edges.edges.assign(40, {-1.0, -0.5, 0.0, 0.0, 0.5, 1.0});
  wide_edges.count.assign(40, 7);
  check_keys(gaussian_rows<double>(2000, wide, {-1.0, 0.0, 0.5}, 10), 40, wide_edges);
  // Symbols near the int64 limits: all 2^64 codes (shift INT64_MIN), a small range, and a range ending at
  // INT64_MAX; then symbols below shift (codes wrap past 2^63) and at shift + count.
  constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min(), max = std::numeric_limits<std::int64_t>::max();
  Binning symbols;
  symbols.rule = Binning::Rule::Symbols;
  symbols.shift = {min, -5, max - 3};
  symbols.count = {std::numeric_limits<std::uint64_t>::max(), 11, 4};
  const std::vector<std::int64_t> firsts = {min, min + 1, -1, 0, 1, max - 1, max};
  std::mt19937_64 rng(11);
  std::vector<std::int64_t> data(3 * 3000);
  for (std::size_t i = 0; i < 3000; ++i) {
    data[3 * i] = firsts[rng() % firsts.size()];
    data[3 * i + 1] = static_cast<std::int64_t>(rng() % 11) - 5;
    data[3 * i + 2] = max - static_cast<std::int64_t>(rng() % 4);
  }
  check_keys(data, 3, symbols);  // hashed: (2^64 - 1) * 44 codes
  Binning exact = symbols;
  exact.shift.erase(exact.shift.begin());
  exact.count.erase(exact.count.begin());
  std::vector<std::int64_t> narrow;
  for (std::size_t i = 0; i < 3000; ++i) narrow.insert(narrow.end(), {data[3 * i + 1], data[3 * i + 2]});
  check_keys(narrow, 2, exact);
  for (std::int64_t bad : {min, std::int64_t{-6}, std::int64_t{6}}) {  // min - (max - 3) wraps to 4: just past
    for (std::size_t j : {0, 1}) {
      std::vector<std::int64_t> outside = narrow;
      outside[2 * 1500 + j] = bad;
      check_keys(outside, 2, exact);
    }
  }
}

// Multi-information: two variables are KsgConditionalMI without Z (the problem permutation tests use), to the bit,
// with and without a Theiler window, both algorithms; and the rules of the variables and the algorithm.
static void check_multi_information() {
  std::mt19937_64 rng(31);
  std::normal_distribution<double> normal;
  const std::size_t n = 600, k = 4;
  std::vector<double> data(n * 3);
  for (std::size_t i = 0; i < n; ++i) {
    const double common = normal(rng);
    for (std::size_t c = 0; c < 3; ++c) data[i * 3 + c] = common + normal(rng);
  }
  std::vector<double> multi(n), problem(n);
  for (int algorithm : {1, 2}) {
    for (std::size_t theiler : {std::size_t{0}, std::size_t{5}}) {
      const TimeWindow window{{}, theiler};
      ksg_multi_information(data.data(), n, {1, 2}, k, algorithm, window, 2, multi.data());
      KsgConditionalMI(data.data(), n, 1, 0, 2, k, window, 2, algorithm).locals(problem.data());
      CHECK(multi == problem);
    }
  }
  bool caught = false;
  try {
    ksg_multi_information(data.data(), n, {3}, k, 1, TimeWindow{}, 1, multi.data());
  } catch (const std::invalid_argument& e) {
    caught = std::string(e.what()).find("at least two variables") != std::string::npos;
  }
  CHECK(caught);
  caught = false;
  try {
    ksg_multi_information(data.data(), n, {1, 2}, k, 3, TimeWindow{}, 1, multi.data());
  } catch (const std::invalid_argument& e) {
    caught = std::string(e.what()) == "algorithm must be 1 or 2";
  }
  CHECK(caught);
}

// Within-trial shuffles: each map permutes every trial's own rows, maps differ, the same seed repeats them (also
// on another thread count); the Gaussian surrogates' cross-products equal the direct sums over the permuted rows.
static void check_surrogate_maps() {
  const std::int64_t starts[] = {0, 7, 8, 30};
  const std::size_t n = 30, count = 40;
  std::vector<std::uint32_t> maps(count * n), again(count * n);
  shuffle_within_trials(starts, 3, count, 99, 2, maps.data());
  shuffle_within_trials(starts, 3, count, 99, 1, again.data());
  CHECK(maps == again);
  std::size_t moved = 0;
  for (std::size_t s = 0; s < count; ++s) {
    for (std::size_t t = 0; t < 3; ++t) {
      std::vector<std::uint32_t> rows(maps.begin() + s * n + starts[t], maps.begin() + s * n + starts[t + 1]);
      std::sort(rows.begin(), rows.end());
      for (std::size_t i = 0; i < rows.size(); ++i) CHECK(rows[i] == starts[t] + i);
    }
    for (std::size_t i = 0; i < n; ++i) moved += maps[s * n + i] != i;
  }
  CHECK(moved > count * n / 2);
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  const std::size_t a = 3, dy = 2;
  std::vector<double> wt(a * n), y(n * dy), out(count * a * dy);
  for (double& v : wt) v = normal(rng);
  for (double& v : y) v = normal(rng);
  permuted_cross_products(wt.data(), a, n, y.data(), dy, maps.data(), count, 2, out.data());
  for (std::size_t s = 0; s < count; ++s)
    for (std::size_t j = 0; j < a; ++j)
      for (std::size_t d = 0; d < dy; ++d) {
        double sum = 0.0;
        for (std::size_t i = 0; i < n; ++i) sum += wt[j * n + i] * y[maps[s * n + i] * dy + d];
        CHECK(std::abs(out[(s * a + j) * dy + d] - sum / n) < 1e-14);
      }
}

int main() {
  check_multi_information();
  check_surrogate_maps();
  for (std::size_t dim : {1, 2, 5, 9, 17}) {
    check_tree(300, dim, 0.0, 1);
    check_tree(300, dim, 0.5, 2);  // exact ties
  }
  for (std::size_t dim : {1, 2, 3}) {  // large enough for a grid
    check_tree(1500, dim, 0.0, 3);
    check_tree(1500, dim, 0.25, 4);
    check_tree(Grid::kMinPoints, dim, 0.05, 12);  // the smallest grid, with ties
  }
  for (double spacing : {0.0, 0.25, 1.0}) {
    for (std::size_t n : {std::size_t{40}, std::size_t{700}, Marginal::kStripMax, Marginal::kStripMax + 1}) {
      check_marginal(n, 1, spacing, 20);
      check_marginal(n, 2, spacing, 21);
    }
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
  windowed_transfer_entropy({src.data(), 400, 1, 2}, {tgt.data(), 400, 1, 2}, pair, 1, 100, 100, {1}, {1},
                            Correction::PlugIn, 2, te.data());
  for (double v : te) CHECK(std::abs(v - std::log(2.0)) < 1e-3);

  // Mixed estimators. Classes: rows equal in every column share one, numbered in sorted order.
  const double rows[] = {1.0, 2.0, 0.0, 5.0, 1.0, 2.0, -0.0, 5.0};
  const Classes cls = classes_of(rows, 4, 2, 0, 2);
  CHECK(cls.size.size() == 2 && cls.id[0] == 1 && cls.id[1] == 0 && cls.id[2] == 1 && cls.id[3] == 0);
  // Gao et al. on discrete data whose every cell holds more than k samples: each rho_i is 0, so
  // I_i = psi(c_xy - 1) + log N - log c_x - log c_y from the cell and marginal counts c (the point itself included).
  std::vector<double> xy;
  const int cell_counts[2][2] = {{7, 3}, {4, 9}};
  for (int a = 0; a < 2; ++a) {
    for (int b = 0; b < 2; ++b) {
      for (int r = 0; r < cell_counts[a][b]; ++r) xy.insert(xy.end(), {double(a), double(b)});
    }
  }
  std::vector<double> gao(xy.size() / 2);
  gao_mutual_info(xy.data(), gao.size(), 1, 1, 2, 1, gao.data());
  const double n_all = 23.0;
  const double expected_00 = digamma(6.0) + std::log(n_all) - std::log(10.0) - std::log(11.0);
  CHECK(std::abs(gao[0] - expected_00) < 1e-13);
  // Mixed entropy without continuous columns is the plug-in entropy of the classes.
  std::vector<double> h(gao.size());
  mixed_entropy(xy.data(), h.size(), 2, 0, 3, 1, h.data());
  CHECK(std::abs(h[0] - std::log(n_all / 7.0)) < 1e-13);
  bool refused = false;
  try {
    const double unique[] = {0.0, 0.1, 1.0, 0.2, 2.0, 0.3};
    double out[3];
    ross_mutual_info(unique, 3, 1, 1, 1, 1, out);
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  CHECK(refused);

  check_binning_keys();
  std::printf("%s\n", failures ? "core tests FAILED" : "core tests passed");
  return failures ? 1 : 0;
}
