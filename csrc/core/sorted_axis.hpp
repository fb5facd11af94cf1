// Radius counts on one variable by a sorted copy: the points within r of a sample are a contiguous run around
// its own rank, found by galloping outwards and then bisecting, O(log count) and cache-friendly -- faster than
// any tree in one dimension, where KSG spends most of its time on marginal counts.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "core/distance.hpp"

namespace infoscope {

class SortedAxis {
 public:
  // Column `col` of a row-major matrix of n rows and row_stride columns.
  SortedAxis(const double* data, std::size_t n, std::size_t row_stride, std::size_t col) : values_(n), rank_(n) {
    // Sorting (value, row) pairs reads contiguous memory; an index sort would chase strided rows.
    std::vector<std::pair<double, std::size_t>> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = {data[i * row_stride + col], i};
    std::sort(order.begin(), order.end());
    for (std::size_t p = 0; p < n; ++p) {
      values_[p] = order[p].first;
      rank_[order[p].second] = p;
    }
  }

  // Number of values v with |v - v_i| < r (strict) or <= r, sample i itself included.
  std::size_t count_within(std::size_t i, double r, bool strict) const {
    const std::size_t p = rank_[i];
    const double v = values_[p];
    auto inside = [&](double dist) { return strict ? dist < r : dist <= r; };
    // Distances fl(v - values[q]) grow monotonically as q moves away from p, on each side.
    const std::size_t below = gallop(p, [&](std::size_t step) { return step <= p && inside(v - values_[p - step]); });
    const std::size_t above =
        gallop(values_.size() - 1 - p, [&](std::size_t step) { return inside(values_[p + step] - v); });
    return (inside(0.0) ? 1 : 0) + below + above;
  }

 private:
  // Largest step in [0, limit] with pred(step) true, given pred monotone (true up to some step, then false).
  template <class Pred>
  static std::size_t gallop(std::size_t limit, Pred pred) {
    std::size_t good = 0, step = 1;
    while (step <= limit && pred(step)) {
      good = step;
      step *= 2;
    }
    std::size_t bad = std::min(step, limit + 1);  // first step known (or assumed past the end) to fail
    while (bad - good > 1) {
      const std::size_t mid = good + (bad - good) / 2;
      (pred(mid) ? good : bad) = mid;
    }
    return good;
  }

  std::vector<double> values_;
  std::vector<std::size_t> rank_;
};

}  // namespace infoscope
