// The rules an estimate's arguments must obey, each checked here once, with one message, for both backends
// (the CUDA backend adds only its own limits). Violations throw std::invalid_argument (ValueError in Python).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/distance.hpp"
#include "core/problem.hpp"

namespace infoscope::rules {

inline void check_k(std::size_t n, std::size_t k) {
  if (k < 1) throw std::invalid_argument("k must be at least 1");
  if (k >= n) {
    throw std::invalid_argument("k must be smaller than the number of samples (k=" + std::to_string(k) +
                                ", n=" + std::to_string(n) + ")");
  }
}

inline void check_columns(std::size_t dx, std::size_t dy) {
  if (dx == 0 || dy == 0) throw std::invalid_argument("x and y need at least one column each");
}

inline void check_algorithm(int algorithm) {
  if (algorithm != 1 && algorithm != 2) throw std::invalid_argument("algorithm must be 1 or 2");
}

// The column counts of the variables of a multi-information: at least two variables, each with a column.
inline void check_variables(const std::vector<std::size_t>& dims) {
  if (dims.size() < 2) {
    throw std::invalid_argument("multi-information needs at least two variables, got " + std::to_string(dims.size()));
  }
  for (std::size_t v = 0; v < dims.size(); ++v) {
    if (dims[v] == 0) throw std::invalid_argument("variable " + std::to_string(v + 1) + " has no columns");
  }
}

// trial_starts ascend from 0 to n (or are empty: one trial), and every sample keeps k neighbours outside its
// Theiler window.
inline void check_window(const TimeWindow& window, std::size_t n, std::size_t k) {
  const auto& starts = window.trial_starts;
  if (!starts.empty() && (starts.size() < 2 || starts.front() != 0 || starts.back() != n ||
                          !std::is_sorted(starts.begin(), starts.end()))) {
    throw std::invalid_argument("trial_starts must ascend from 0 to the number of samples");
  }
  std::size_t longest = starts.empty() ? n : 0;
  for (std::size_t t = 1; t < starts.size(); ++t) longest = std::max(longest, starts[t] - starts[t - 1]);
  const std::size_t window_size = std::min(longest, 2 * std::min(window.theiler, n) + 1);
  if (n - window_size < k) {
    throw std::invalid_argument("k plus the Theiler window leave too few samples: k=" + std::to_string(k) +
                                ", theiler=" + std::to_string(window.theiler) + ", n=" + std::to_string(n));
  }
}

inline void check_permutations(const std::uint32_t* perms, std::size_t count, std::size_t n) {
  for (std::size_t i = 0; i < count * n; ++i) {
    if (perms[i] >= n) throw std::invalid_argument("permutation entries must be row indices below n");
  }
}

// The column sets of many estimates over a table of `cols` columns: estimate e's X, Z and Y are
// columns[bounds[4e]..bounds[4e+1]), [bounds[4e+1]..bounds[4e+2]) and [bounds[4e+2]..bounds[4e+3]).
inline void check_selections(const std::size_t* columns, const std::size_t* bounds, std::size_t count,
                             std::size_t cols) {
  for (std::size_t e = 0; e < count; ++e) {
    const std::size_t* b = bounds + 4 * e;
    if (!(b[0] <= b[1] && b[1] <= b[2] && b[2] <= b[3])) throw std::invalid_argument("bounds must ascend");
    check_columns(b[1] - b[0], b[3] - b[2]);
    for (std::size_t c = b[0]; c < b[3]; ++c) {
      if (columns[c] >= cols) throw std::invalid_argument("column indices must lie below the number of columns");
    }
  }
}

// Estimates that group samples by the classes of their discrete columns need a class with two or more samples:
// a class seen once has no neighbour within it.
inline void check_repeated_class(std::size_t repeated) {
  if (repeated == 0) {
    throw std::invalid_argument("every class of the discrete variable has a single sample: no sample has a neighbour "
                                "in its class (is the variable really discrete?)");
  }
}

inline void check_kernel_variance(double h) {
  // Below the smallest normal double, -1 / (2h) overflows and the kernel of a sample with itself is NaN.
  if (!(h >= std::numeric_limits<double>::min()) || !std::isfinite(h)) {
    throw std::invalid_argument("the kernel variance must be a finite number >= 2.2250738585072014e-308");
  }
}

inline Metric metric_from_name(const std::string& name) {
  if (name == "chebyshev") return Metric::Chebyshev;
  if (name == "euclidean") return Metric::Euclidean;
  throw std::invalid_argument("metric must be 'chebyshev' or 'euclidean', got '" + name + "'");
}

}  // namespace infoscope::rules
