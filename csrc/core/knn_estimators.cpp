#include "core/knn_estimators.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/brute_force.hpp"
#include "core/grid.hpp"
#include "core/kdtree.hpp"
#include "core/local_values.hpp"
#include "core/parallel.hpp"
#include "core/rules.hpp"
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
// below kMinPerThread queries per thread the loop stays on one thread. A chunk is also how long Ctrl-C waits:
// 64 queries of 32 dimensions at N = 1e5 take about 0.2 s.
constexpr std::size_t kChunk = 64;
constexpr std::size_t kLocalsChunk = 4096;  // local values from counts: cheap per sample
constexpr std::size_t kMinPerThread = 512;
using rules::check_k;

// Runs fn(i, neighbours) for every sample, in the index's order, with the k nearest other samples of sample i.
template <class Index, class Fn>
void for_each_knn(const Index& index, std::size_t k, Metric metric, Ties ties, int workers, Fn&& fn) {
  if constexpr (std::is_same_v<Index, BruteForce>) {  // max-norm only (with_joint_index)
    (void)metric;
    index.for_each_knn(k, ties, workers, fn);
  } else {
    parallel_for(index.size(), workers, kChunk, kMinPerThread, [&](std::size_t begin, std::size_t end) {
      std::vector<Neighbor> nb(k);
      for (std::size_t pos = begin; pos < end; ++pos) {
        index.knn_of(pos, k, metric, ties, nb.data());
        fn(index.original_index(pos), nb.data());
      }
    });
  }
}

// Max-norm distance from the point at position pos of index to its k-th nearest other point; nb: room for k.
template <class Index>
double kth_distance(const Index& index, std::size_t pos, std::size_t k, Neighbor* nb) {
  if constexpr (std::is_same_v<Index, Grid>) {
    if (k <= Grid::kSmallK) return index.kth_distance(pos, k);
  }
  index.knn_of(pos, k, Metric::Chebyshev, Ties::Any, nb);
  return nb[k - 1].dist;
}

// Runs fn(index) with a max-norm neighbour index over all columns of data (n x dim) for k-NN searches: a grid in
// up to three dimensions when the points spread well enough over its cells, a tiled scan of all pairs where the
// cost model says it beats a KD-tree (brute_force_pays), a KD-tree otherwise. sorted: as Grid::build's.
template <class Fn>
void with_joint_index(const double* data, std::size_t n, std::size_t dim, int workers, Fn&& fn,
                      const SortedColumn* const* sorted = nullptr) {
  const SearchPath path = forced_search_path(SearchTask::Neighbours);
  std::optional<Grid> grid;
  if (path == SearchPath::Auto || path == SearchPath::Grid) {
    grid = Grid::build(data, n, dim, 0, dim, Grid::kSearchPointsPerCell, sorted);
  }
  if (grid) {
    fn(*grid);
  } else if (brute_force_pays(SearchTask::Neighbours, n, dim) && BruteForce::fits(data, n, dim, 0, dim)) {
    fn(BruteForce(data, n, dim, 0, dim));
  } else {
    fn(KDTree(data, n, dim, 0, dim, 0, workers));
  }
}

// Max-norm distance from every sample to its k-th neighbour in the joint space (n x dim), leaving out the
// samples of a Theiler window. Those are at most 2 * width, so the k-th kept neighbour is among the
// k + 2 * width nearest: whichever of the tied points the search returns, no point outside them is closer.
std::vector<double> kth_distances(const double* data, std::size_t n, std::size_t dim, std::size_t k,
                                  const Excluded& excluded, int workers, const SortedColumn* const* sorted) {
  std::vector<double> eps(n);
  const std::size_t m = std::min(n - 1, k + 2 * excluded.width());
  with_joint_index(data, n, dim, workers, [&](const auto& joint) {
    // Only the sample itself left out: the tree's and grid's own k-th-distance search (the scan has none; the
    // k-NN lists below give it the same distances).
    if constexpr (!std::is_same_v<std::decay_t<decltype(joint)>, BruteForce>) {
      if (excluded.width() == 0) {
        parallel_for(joint.size(), workers, kChunk, kMinPerThread, [&](std::size_t begin, std::size_t end) {
          std::vector<Neighbor> nb(k);
          for (std::size_t pos = begin; pos < end; ++pos) {
            eps[joint.original_index(pos)] = kth_distance(joint, pos, k, nb.data());
          }
        });
        return;
      }
    }
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
  }, sorted);
  return eps;
}

// For every sample, the largest distance in each space (the column ranges of data, n x stride) to its k nearest
// joint neighbours (max-norm over all columns, lowest indices among ties), leaving out the samples of a Theiler
// window: the eps_v,i of KSG algorithm 2. As in kth_distances, the k nearest kept neighbours are among the
// k + 2 * width nearest; with ties broken by index the search returns exactly those, in order.
std::vector<std::vector<double>> neighbour_extents(const double* data, std::size_t n, std::size_t stride,
                                                   const ColumnRanges& ranges, std::size_t k,
                                                   const Excluded& excluded, int workers,
                                                   const SortedColumn* const* sorted) {
  std::vector<std::vector<double>> eps(ranges.size(), std::vector<double>(n, 0.0));
  const std::size_t m = std::min(n - 1, k + 2 * std::min(excluded.width(), n));
  with_joint_index(data, n, stride, workers, [&](const auto& joint) {
    for_each_knn(joint, m, Metric::Chebyshev, Ties::ByIndex, workers, [&](std::size_t i, const Neighbor* nb) {
      const auto [first, last] = excluded.rows(i);
      for (std::size_t j = 0, kept = 0; j < m && kept < k; ++j) {
        const std::size_t r = nb[j].index;
        if (r >= first && r <= last) continue;
        ++kept;
        for (std::size_t v = 0; v < ranges.size(); ++v) {
          const auto [c, dim] = ranges[v];
          eps[v][i] = std::max(eps[v][i], chebyshev(data + i * stride + c, data + r * stride + c, dim));
        }
      }
    });
  }, sorted);
  return eps;
}

// For every sample i, the other samples within eps[i] of it in `space` (strictly closer when strict), leaving out
// the samples of a Theiler window.
std::vector<std::size_t> counts_within(const Marginal& space, const double* eps, bool strict, const Excluded& excluded,
                                       int workers) {
  std::vector<std::size_t> c = space.others_within(eps, strict, workers);
  if (excluded.width() > 0) {
    parallel_for(c.size(), workers, kLocalsChunk, kMinPerThread * 16, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const auto [first, last] = excluded.rows(i);
        for (std::size_t j = first; j <= last; ++j) {
          const double d = space.distance(i, j);
          if (j != i && (strict ? d < eps[i] : d <= eps[i])) --c[i];
        }
      }
    });
  }
  return c;
}

// Inserts v among the k smallest values so far, best[0..found) in increasing order.
inline void keep_smallest(double* best, std::size_t& found, std::size_t k, double v) {
  if (found == k && !(v < best[k - 1])) return;
  std::size_t pos = found < k ? found++ : k - 1;
  for (; pos > 0 && best[pos - 1] > v; --pos) best[pos] = best[pos - 1];
  best[pos] = v;
}

// Frenzel-Pompe counts by scanning all pairs, for joint spaces of 4 or more dimensions (no grid there) and up to
// some ten thousand samples: there the max-norm balls span a third of each axis or more, so a KD-tree's k-NN
// search and its three range counts visit most leaves, and a scan of columns laid out contiguously, in tiles
// that stay in L1 and vector lanes, costs less. Exact, so its estimate is the indexed path's. scan_max_n: the
// largest n at which the scan is the faster, per joint dimension. Measured on 2 cores (AVX2), one estimate of
// Gaussian data, milliseconds scan / trees: 5-D 33/41 at n = 4000 and 110/100 at 8000; 6-D 122/205 at 8000 and
// 510/533 at 16000; 7-D 533/800 at 16000 and 2014/2184 at 32000; 4-D trees faster from 2000 (9/4).
std::size_t scan_max_n(std::size_t joint_dims) {
  return joint_dims <= 3 ? 0 : joint_dims == 4 ? 1024 : joint_dims == 5 ? 6144 : joint_dims == 6 ? 16384 : 32768;
}

struct CmiCounts {
  std::vector<std::size_t> xz, zy, z;
};

CmiCounts zero_counts(std::size_t n) {
  return {std::vector<std::size_t>(n), std::vector<std::size_t>(n), std::vector<std::size_t>(n)};
}

// The samples of a conditional MI as columns laid out contiguously, for scans of all pairs. The padding samples
// lie at infinity, so that every loop runs over whole vector blocks and they are never near.
class PairScan {
 public:
  // The first dx + dz + dy columns (X, Z, Y) of rows (n x stride).
  PairScan(const double* rows, std::size_t n, std::size_t stride, std::size_t dx, std::size_t dz, std::size_t dy)
      : n_(n), padded_((n + kLanes - 1) / kLanes * kLanes), spaces_{{0, dx}, {dx, dz}, {dx + dz, dy}},
        columns_((dx + dz + dy) * padded_, std::numeric_limits<double>::infinity()) {
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t c = 0; c < dx + dz + dy; ++c) at(c, j) = rows[j * stride + c];
    }
  }

  // Column c (X, Z, Y columns in turn) of sample j.
  double& at(std::size_t c, std::size_t j) { return columns_[c * padded_ + j]; }
  double at(std::size_t c, std::size_t j) const { return columns_[c * padded_ + j]; }
  std::size_t dims() const { return spaces_[2][0] + spaces_[2][1]; }

  // Max-norm distance between samples i and j over space s (0: X, 1: Z, 2: Y).
  double distance(std::size_t s, std::size_t i, std::size_t j) const {
    double m = 0.0;
    const auto [first, dims] = spaces_[s];
    for (std::size_t c = first; c < first + dims; ++c) m = std::max(m, abs_diff(at(c, i), at(c, j)));
    return m;
  }

  // The Frenzel-Pompe counts of samples queries[0..count) (sample indices) into out.
  void counts(const std::size_t* queries, std::size_t count, std::size_t k, const Excluded& excluded, int workers,
              CmiCounts& out) const;
  // Every sample's nearest xz_length neighbours in the X-Z space and z_length in the Z space.
  ConditioningNeighbours conditioning(std::size_t xz_length, std::size_t z_length, const Excluded& excluded,
                                      int workers) const;

 private:
  // into[t] = the space-s distance from sample i to sample b + t, t < len: loops that compile to vector
  // operations (the padding samples lie at infinity).
  void distances(double* into, std::size_t s, std::size_t i, std::size_t b, std::size_t len) const {
    const auto [first, dims] = spaces_[s];
    for (std::size_t c = first; c < first + dims; ++c) {
      const double* col = &columns_[c * padded_ + b];
      const double q = at(c, i);
      if (c == first) {
        for (std::size_t t = 0; t < len; ++t) into[t] = std::abs(col[t] - q);
      } else {
        for (std::size_t t = 0; t < len; ++t) into[t] = std::max(into[t], std::abs(col[t] - q));
      }
    }
  }

  std::size_t n_, padded_;
  std::size_t spaces_[3][2];  // X, Z, Y: {first column, dims}
  std::vector<double> columns_;
};

void PairScan::counts(const std::size_t* queries, std::size_t count, std::size_t k, const Excluded& excluded,
                      int workers, CmiCounts& out) const {
  // Queries go in groups that share each tile of the columns while it is in L1 (16 KiB of it): one query at a
  // time would stream all the columns from L3 for every sample.
  constexpr std::size_t kQueries = 16;
  const std::size_t tile = std::max(kLanes, 2048 / dims() / kLanes * kLanes);
  parallel_for(count, workers, kChunk, kMinPerThread / 4, [&](std::size_t begin, std::size_t end) {
    std::vector<double> dist(4 * tile);  // one query's X, Z, Y and joint distances to one tile
    double* to_x = dist.data();
    double* to_z = to_x + tile;
    double* to_y = to_z + tile;
    double* joint = to_y + tile;
    std::vector<double> best(kQueries * k);
    std::vector<std::size_t> found(kQueries);
    auto tile_distances = [&](std::size_t i, std::size_t b, std::size_t len) {
      for (std::size_t s = 0; s < 3; ++s) distances(&dist[s * tile], s, i, b, len);
    };
    for (std::size_t g = begin; g < end; g += kQueries) {
      const std::size_t group = std::min(kQueries, end - g);
      const std::size_t* query = queries + g;
      std::fill(found.begin(), found.end(), 0);
      // Pass 1: eps_i, the k-th smallest joint distance, from the k smallest so far (best[q * k ..]); a tile with
      // none below the k-th (most, once the first tiles are in) costs one vector count.
      for (std::size_t b = 0; b < padded_; b += tile) {
        const std::size_t len = std::min(tile, padded_ - b);
        for (std::size_t q = 0; q < group; ++q) {
          tile_distances(query[q], b, len);
          double* kept = &best[q * k];
          std::size_t& kept_count = found[q];
          const double worst = kept_count < k ? std::numeric_limits<double>::infinity() : kept[k - 1];
          std::size_t below = 0;
          for (std::size_t t = 0; t < len; ++t) {
            joint[t] = std::max(to_z[t], std::max(to_x[t], to_y[t]));
            below += joint[t] < worst;
          }
          if (below == 0) continue;
          const auto [first, last] = excluded.rows(query[q]);  // holds the query itself
          for (std::size_t t = 0; t < len; ++t) {
            const std::size_t j = b + t;
            if (j < n_ && (j < first || j > last)) keep_smallest(kept, kept_count, k, joint[t]);
          }
        }
      }
      // Pass 2: the samples strictly within eps_i in Z, and of those in X and in Y (padding is never within).
      std::size_t in_xz[kQueries] = {}, in_zy[kQueries] = {}, in_z[kQueries] = {};
      for (std::size_t b = 0; b < padded_; b += tile) {
        const std::size_t len = std::min(tile, padded_ - b);
        for (std::size_t q = 0; q < group; ++q) {
          tile_distances(query[q], b, len);
          const double eps = best[q * k + k - 1];
          std::size_t xz = 0, zy = 0, z = 0;
          for (std::size_t t = 0; t < len; ++t) {
            const bool near_z = to_z[t] < eps;
            z += near_z;
            xz += near_z & (to_x[t] < eps);
            zy += near_z & (to_y[t] < eps);
          }
          in_xz[q] += xz, in_zy[q] += zy, in_z[q] += z;
        }
      }
      for (std::size_t q = 0; q < group; ++q) {
        const std::size_t i = query[q];
        const double eps = best[q * k + k - 1];
        const auto [first, last] = excluded.rows(i);
        for (std::size_t j = first; j <= last; ++j) {  // the excluded rows, i among them, do not count
          const bool near_z = distance(1, i, j) < eps;
          in_z[q] -= near_z;
          in_xz[q] -= near_z & (distance(0, i, j) < eps);
          in_zy[q] -= near_z & (distance(2, i, j) < eps);
        }
        out.xz[i] = in_xz[q], out.zy[i] = in_zy[q], out.z[i] = in_z[q];
      }
    }
  });
}

CmiCounts scan_counts(const double* data, std::size_t n, std::size_t dx, std::size_t dz, std::size_t dy,
                      std::size_t k, const Excluded& excluded, int workers) {
  const PairScan scan(data, n, dx + dz + dy, dx, dz, dy);
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), std::size_t{0});
  CmiCounts out = zero_counts(n);
  scan.counts(all.data(), n, k, excluded, workers, out);
  return out;
}

// Conditioning neighbours (ConditioningNeighbours): per sample, the nearest 128 in X-Z and 512 in Z (a surrogate's
// Z count is several times its X-Z count), which hold a surrogate's joint k-th neighbour and its counts for
// nearly every sample; the others are scanned in full (PairScan), so the counts are exact either way. Up to
// kListMaxN samples (400 MB of lists); beyond, the surrogates search the spaces as the estimate does.
constexpr std::size_t kListXZ = 128, kListZ = 512;
constexpr std::size_t kListMaxN = 50000;
// In joint spaces of 4 dimensions the trees and the walk cost the same per surrogate (26 ms at n = 1e4, 2 cores);
// from 5 on the walk wins (15 against 133 ms in 5-D, 7 against 430 ms in 7-D) while the Z counts stay well
// within the Z lists: about n (k / n)^(dz / d) for d joint dimensions (92 against a measured median of 90 in
// 5-D with 3 Z columns; 740 in 6-D with 2, where nearly every sample would be scanned). A surrogate that still
// scans more than 1 sample in kMissesMax in full turns the walk off for the problems sharing the lists (a scan
// costs about 40 times a walk at n = 1e4, the trees some 10 to 30 times).
constexpr std::size_t kWalkMinDims = 5;
constexpr std::size_t kMissesMax = 4;
// With fewer or larger Z counts, from 4 joint dimensions, the walk still gives eps_i and n_xz, and the Z and ZY
// counts come from their spaces: that saves the joint space's KD-tree, most of a 4-D surrogate's time (26 against
// 12 ms at n = 1e4, 2 cores).
constexpr std::size_t kJointWalkMinDims = 4;

ConditioningNeighbours PairScan::conditioning(std::size_t xz_length, std::size_t z_length,
                                              const Excluded& excluded, int workers) const {
  ConditioningNeighbours out;
  for (auto [list, length] : {std::pair{&out.xz, xz_length}, std::pair{&out.z, z_length}}) {
    list->width = std::min(length, n_ - 1);
    list->index.resize(n_ * list->width);
    list->dist.resize(n_ * list->width);
    list->count.resize(n_);
    list->reach.resize(n_);
  }
  parallel_for(n_, workers, kChunk, kMinPerThread / 4, [&](std::size_t begin, std::size_t end) {
    std::vector<double> to_xz(padded_), to_z(padded_);
    std::vector<double> sample((n_ + 7) / 8);
    std::vector<std::pair<double, std::uint32_t>> kept;
    // Sample i's run in list: the list->width nearest of the distances dist (the excluded ones infinite), in
    // increasing order, and the reach of those left out: the width-th smallest distance.
    auto select = [&](const double* dist, std::size_t i, std::size_t others, NeighbourLists* list) {
      const std::size_t width = std::min(list->width, others);
      double cut = std::numeric_limits<double>::infinity();
      kept.clear();
      if (width == others) {  // every sample not excluded
        for (std::size_t j = 0; j < n_; ++j) {
          if (dist[j] < cut) kept.emplace_back(dist[j], static_cast<std::uint32_t>(j));
        }
      } else {
        // The width smallest are sought among the distances within a bound taken from every 8th one (a few
        // times fewer than a selection over all of them costs), or among all when the bound falls short.
        for (std::size_t j = 0, t = 0; j < n_; j += 8, ++t) sample[t] = dist[j];
        const std::size_t rank = std::min(sample.size() - 1, width / 4 + 8);  // twice the width's share
        std::nth_element(sample.begin(), sample.begin() + rank, sample.end());
        const double bound = sample[rank];
        for (std::size_t j = 0; j < n_; ++j) {
          if (dist[j] <= bound) kept.emplace_back(dist[j], static_cast<std::uint32_t>(j));
        }
        if (kept.size() < width) {
          kept.clear();
          for (std::size_t j = 0; j < n_; ++j) kept.emplace_back(dist[j], static_cast<std::uint32_t>(j));
        }
        std::nth_element(kept.begin(), kept.begin() + (width - 1), kept.end());
        cut = kept[width - 1].first;
        kept.resize(width);  // all others lie at cut or beyond
      }
      std::sort(kept.begin(), kept.end());
      for (std::size_t e = 0; e < width; ++e) {
        list->dist[i * list->width + e] = kept[e].first;
        list->index[i * list->width + e] = kept[e].second;
      }
      list->count[i] = static_cast<std::uint32_t>(width);
      list->reach[i] = cut;
    };
    for (std::size_t i = begin; i < end; ++i) {
      distances(to_z.data(), 1, i, 0, padded_);
      distances(to_xz.data(), 0, i, 0, padded_);
      for (std::size_t j = 0; j < padded_; ++j) to_xz[j] = std::max(to_xz[j], to_z[j]);
      const auto [first, last] = excluded.rows(i);
      for (std::size_t j = first; j <= last; ++j) to_xz[j] = to_z[j] = std::numeric_limits<double>::infinity();
      const std::size_t others = n_ - (last - first + 1);
      select(to_xz.data(), i, others, &out.xz);
      if (out.z.width > 0) select(to_z.data(), i, others, &out.z);
    }
  });
  return out;
}

// Asks for the first entries of sample i's runs ahead of their walk, as each run starts on lines not yet cached
// (measured: about 10% less time per surrogate in 5-D at n = 1e4; more lines or samples ahead gained nothing).
void prefetch_runs(const ConditioningNeighbours& nb, std::size_t i) {
#if defined(__GNUC__) || defined(__clang__)
  // 8 distances or 16 indices to a line.
  auto lines = [](const auto* first, std::size_t count, std::size_t per_line) {
    for (std::size_t e = 0; e < count; e += per_line) __builtin_prefetch(first + e);
  };
  lines(&nb.xz.dist[i * nb.xz.width], std::min<std::size_t>(16, nb.xz.width), 8);
  lines(&nb.xz.index[i * nb.xz.width], std::min<std::size_t>(16, nb.xz.width), 16);
  lines(&nb.z.dist[i * nb.z.width], std::min<std::size_t>(16, nb.z.width), 8);
  lines(&nb.z.index[i * nb.z.width], std::min<std::size_t>(16, nb.z.width), 16);
#else
  (void)nb, (void)i;
#endif
}

// eps_i, sample i's joint distance to its k-th neighbour, and n_xz, with Y's rows ys (n x dy), from its X-Z
// neighbours; false when they do not reach eps_i. Walking them by increasing distance, the joint distance is
// max(X-Z distance, Y distance), and no later entry can come closer than the k-th so far once its X-Z distance
// alone reaches it; every sample left out of a run is at least its reach away.
bool walk_joint(const NeighbourLists& a, const double* ys, std::size_t dy, std::size_t i, std::size_t k, double* best,
                double& eps, std::size_t& n_xz) {
  const double* yi = ys + i * dy;
  const std::uint32_t* index = &a.index[i * a.width];
  const double* dist = &a.dist[i * a.width];
  std::size_t found = 0, e = 0;
  for (; e < a.count[i]; ++e) {
    if (found == k && !(dist[e] < best[k - 1])) break;
    keep_smallest(best, found, k, std::max(dist[e], chebyshev(yi, ys + index[e] * dy, dy)));
  }
  if (found < k) return false;
  eps = best[k - 1];
  if (e == a.count[i] && !(eps <= a.reach[i])) return false;
  std::size_t x = 0;  // the entries before e include every one within eps
  while (x < e && dist[x] < eps) ++x;
  n_xz = x;
  return true;
}

// n_z and n_zy of sample i within eps from its Z neighbours, read in order while within eps (typically a few
// dozen); false when they do not reach eps.
bool walk_z(const NeighbourLists& b, const double* ys, std::size_t dy, std::size_t i, double eps, std::size_t& n_zy,
            std::size_t& n_z) {
  const double* yi = ys + i * dy;
  const std::uint32_t* index = &b.index[i * b.width];
  const double* dist = &b.dist[i * b.width];
  std::size_t f = 0, zy = 0;
  for (; f < b.count[i] && dist[f] < eps; ++f) zy += chebyshev(yi, ys + index[f] * dy, dy) < eps;
  if (f == b.count[i] && !(eps <= b.reach[i])) return false;
  n_z = f;
  n_zy = zy;
  return true;
}

// The mean of v, summed in order (the estimate of local values).
double mean_of(const double* v, std::size_t n) {
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += v[i];
  return sum / static_cast<double>(n);
}

// local[i] = fn(i) for every sample, on the worker threads: three digamma calls per sample add up at large n.
template <class Fn>
void fill_locals(std::size_t n, int workers, double* local, Fn&& fn) {
  parallel_for(n, workers, kLocalsChunk, kMinPerThread * 16, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) local[i] = fn(i);
  });
}

// Frenzel-Pompe local values from the counts (n_xz, n_zy, n_z below n; the locals take psi(count + 1)).
void frenzel_pompe_locals(const CmiCounts& c, std::size_t n, std::size_t k, int workers, double* local) {
  const double psi_k = psi(k);
  const PsiTable table(n, [&](auto mark) {
    for (std::size_t i = 0; i < n; ++i) mark(c.xz[i] + 1), mark(c.zy[i] + 1), mark(c.z[i] + 1);
  });
  fill_locals(n, workers, local,
              [&](std::size_t i) { return frenzel_pompe_local(psi_k, c.xz[i], c.zy[i], c.z[i], table); });
}

// KSG local values of the multi-information of the variables at the column ranges of data (n x stride), whose
// marginal spaces (over the same rows) are `spaces`: eq. 11 (algorithm 1) or eq. 12 (algorithm 2) of Kraskov et
// al. 2004, a Theiler window's samples left out of the search and the counts. I(X;Y) is the case of two.
void multi_information_locals(const double* data, std::size_t n, std::size_t stride, const ColumnRanges& ranges,
                              const std::vector<const Marginal*>& spaces, std::size_t k, int algorithm,
                              const Excluded& excluded, const SortedColumn* const* sorted, int workers,
                              double* local) {
  std::vector<std::vector<std::size_t>> counts;
  if (algorithm == 1) {  // strict counts within the k-th joint distance
    const std::vector<double> eps = kth_distances(data, n, stride, k, excluded, workers, sorted);
    for (const Marginal* space : spaces) counts.push_back(counts_within(*space, eps.data(), true, excluded, workers));
  } else {  // non-strict counts within each space's extent of the k neighbours
    const auto eps = neighbour_extents(data, n, stride, ranges, k, excluded, workers, sorted);
    for (std::size_t v = 0; v < spaces.size(); ++v) {
      counts.push_back(counts_within(*spaces[v], eps[v].data(), false, excluded, workers));
    }
  }
  const std::size_t offset = algorithm == 1 ? 1 : 0;  // psi(n_v + 1) or psi(n_v); counts are below n
  const double constant = ksg_multi_constant(k, n, spaces.size(), algorithm);
  const PsiTable table(n, [&](auto mark) {
    for (const auto& c : counts) {
      for (std::size_t v : c) mark(v + offset);
    }
  });
  fill_locals(n, workers, local, [&](std::size_t i) {
    double value = constant;
    for (const auto& c : counts) value -= table(c[i] + offset);
    return value;
  });
}

// The counts of KSG algorithm 2 of I(X;Y|Z): for every sample i, n_z the other samples within eps_z,i of it in Z
// (max-norm, non-strict), and of those n_xz (also within eps_x,i in X) and n_yz (also within eps_y,i in Y),
// leaving out a Theiler window's samples. Z's points are taken from the strip of its first column within eps_z,i
// of sample i, a contiguous run of the sorted column (fl(u - v) is monotone in u) found by bisection.
// xyz: the column ranges of X, Y and Z; eps: their extents (neighbour_extents).
struct BoxCounts {
  std::vector<std::size_t> xz, yz, z;
};

BoxCounts box_counts(const double* data, std::size_t n, std::size_t stride, const ColumnRanges& xyz,
                     const SortedColumn& z_first, const std::vector<std::vector<double>>& eps,
                     const Excluded& excluded, int workers) {
  BoxCounts c{std::vector<std::size_t>(n), std::vector<std::size_t>(n), std::vector<std::size_t>(n)};
  const auto [xc, dx] = xyz[0];
  const auto [yc, dy] = xyz[1];
  const auto [zc, dz] = xyz[2];
  const double* values = z_first.values.data();
  parallel_for(n, workers, kChunk, kMinPerThread, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const double* row = data + i * stride;
      const double v = row[zc], ez = eps[2][i], ex = eps[0][i], ey = eps[1][i];
      const double* lo =
          std::partition_point(values, values + n, [&](double u) { return u < v && abs_diff(u, v) > ez; });
      const double* hi =
          std::partition_point(lo, values + n, [&](double u) { return !(u > v && abs_diff(u, v) > ez); });
      const auto [first, last] = excluded.rows(i);  // i itself and its Theiler window
      std::size_t n_z = 0, n_xz = 0, n_yz = 0;
      for (const double* p = lo; p < hi; ++p) {
        const std::size_t j = z_first.order[static_cast<std::size_t>(p - values)];
        if (j >= first && j <= last) continue;
        const double* other = data + j * stride;
        if (chebyshev(row + zc, other + zc, dz) > ez) continue;
        ++n_z;
        n_xz += chebyshev(row + xc, other + xc, dx) <= ex ? 1 : 0;
        n_yz += chebyshev(row + yc, other + yc, dy) <= ey ? 1 : 0;
      }
      c.z[i] = n_z;
      c.xz[i] = n_xz;
      c.yz[i] = n_yz;
    }
  });
  return c;
}

}  // namespace

namespace {

// The power of two 2^e near the largest magnitude of the data: beyond 2^+-500 distances are computed on the data
// times 2^-e (exact), so that differences cannot overflow and squared Euclidean distances neither overflow nor
// underflow; 0 otherwise (the data as they are). With the Euclidean metric, a column that is still below 2^-500
// after that has squares too small to count beside the others: refused, with what to do.
int distance_exponent(const double* data, std::size_t n, std::size_t d, Metric metric) {
  std::vector<double> largest(d, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t c = 0; c < d; ++c) largest[c] = std::max(largest[c], std::fabs(data[i * d + c]));
  }
  int e = 0;
  std::frexp(*std::max_element(largest.begin(), largest.end()), &e);
  const int shift = std::abs(e) > 500 ? e : 0;
  if (metric == Metric::Euclidean) {
    for (std::size_t c = 0; c < d; ++c) {
      int ec = 0;
      std::frexp(largest[c], &ec);
      if (largest[c] > 0 && ec - shift < -500) {
        throw std::invalid_argument(
            "the columns of x differ in scale by more than 2^500: Euclidean distances cannot resolve column " +
            std::to_string(c) + "; standardise them (normalize=True) or use the max-norm (metric='chebyshev')");
      }
    }
  }
  return shift;
}

}  // namespace

void kl_entropy(const double* data, std::size_t n, std::size_t d, std::size_t k, Metric metric, int workers,
                double* local, const std::vector<double>& weights) {
  check_k(n, k);
  const double dd = static_cast<double>(d);
  const int shift = distance_exponent(data, n, d, metric);
  std::vector<double> scaled;
  if (shift != 0) {
    scaled.resize(n * d);
    for (std::size_t i = 0; i < n * d; ++i) scaled[i] = std::ldexp(data[i], -shift);
    data = scaled.data();
  }
  // local_i = sum_j w_j (constant_j + d log eps_ij), with w = e_k when unweighted; + d e log 2 for the scaling.
  const std::vector<double> w = kl_weights(weights, k);
  const double constant = kl_constant(w, n, d, metric) + dd * shift * std::log(2.0);
  auto fill = [&](const auto& index) {
    for_each_knn(index, k, metric, Ties::Any, workers, [&](std::size_t i, const Neighbor* nb) {
      local[i] = kl_local(constant, w.data(), k, dd, nb);
    });
  };
  if (metric == Metric::Chebyshev) {
    with_joint_index(data, n, d, workers, fill);
  } else {
    fill(KDTree(data, n, d, 0, d, 0, workers));
  }
}

namespace {

// Eigenvectors of the symmetric d x d matrix a (row-major, destroyed) by cyclic Jacobi rotations, into the
// columns of v. d is small here (the joint dimension of an LNC estimate), so O(d^3) sweeps are cheap.
void symmetric_eigenvectors(std::vector<double>& a, std::size_t d, std::vector<double>& v) {
  v.assign(d * d, 0.0);
  for (std::size_t i = 0; i < d; ++i) v[i * d + i] = 1.0;
  for (int sweep = 0; sweep < 64; ++sweep) {
    double off = 0.0, diag = 0.0;
    for (std::size_t p = 0; p < d; ++p) {
      diag += a[p * d + p] * a[p * d + p];
      for (std::size_t q = p + 1; q < d; ++q) off += a[p * d + q] * a[p * d + q];
    }
    if (off <= 1e-30 * diag) return;
    for (std::size_t p = 0; p < d; ++p) {
      for (std::size_t q = p + 1; q < d; ++q) {
        const double apq = a[p * d + q];
        if (apq == 0.0) continue;
        // The rotation that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.5.1).
        const double theta = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (std::size_t r = 0; r < d; ++r) {  // columns p and q
          const double arp = a[r * d + p], arq = a[r * d + q];
          a[r * d + p] = c * arp - s * arq;
          a[r * d + q] = s * arp + c * arq;
        }
        for (std::size_t r = 0; r < d; ++r) {  // rows p and q
          const double apr = a[p * d + r], aqr = a[q * d + r];
          a[p * d + r] = c * apr - s * aqr;
          a[q * d + r] = s * apr + c * aqr;
        }
        for (std::size_t r = 0; r < d; ++r) {
          const double vrp = v[r * d + p], vrq = v[r * d + q];
          v[r * d + p] = c * vrp - s * vrq;
          v[r * d + q] = s * vrp + c * vrq;
        }
      }
    }
  }
}

}  // namespace

void lnc_correction(const double* data, std::size_t n, std::size_t d, std::size_t k, double log_alpha, int workers,
                    double* correction) {
  check_k(n, k);
  if (k < d) {
    throw std::invalid_argument("the LNC correction needs k >= the joint dimension (k=" + std::to_string(k) +
                                ", dimension " + std::to_string(d) + ")");
  }
  with_joint_index(data, n, d, workers, [&](const auto& joint) {
    for_each_knn(joint, k, Metric::Chebyshev, Ties::ByIndex, workers, [&](std::size_t i, const Neighbor* nb) {
      thread_local std::vector<double> offsets, scatter, axes;  // per worker, reused across its samples
      offsets.resize(k * d);
      scatter.resize(d * d);
      const double* p = data + i * d;
      std::fill(scatter.begin(), scatter.end(), 0.0);
      double log_box = 0.0;
      for (std::size_t c = 0; c < d; ++c) {
        double extent = 0.0;
        for (std::size_t j = 0; j < k; ++j) {
          const double o = data[nb[j].index * d + c] - p[c];
          offsets[j * d + c] = o;
          extent = std::max(extent, std::fabs(o));
        }
        log_box += std::log(extent);
      }
      for (std::size_t j = 0; j < k; ++j) {
        const double* o = offsets.data() + j * d;
        for (std::size_t r = 0; r < d; ++r) {
          for (std::size_t c = r; c < d; ++c) scatter[r * d + c] += o[r] * o[c];
        }
      }
      for (std::size_t r = 0; r < d; ++r) {
        for (std::size_t c = 0; c < r; ++c) scatter[r * d + c] = scatter[c * d + r];
      }
      symmetric_eigenvectors(scatter, d, axes);
      double log_principal = 0.0;
      for (std::size_t c = 0; c < d; ++c) {
        double extent = 0.0;
        for (std::size_t j = 0; j < k; ++j) {
          double proj = 0.0;
          for (std::size_t r = 0; r < d; ++r) proj += offsets[j * d + r] * axes[r * d + c];
          extent = std::max(extent, std::fabs(proj));
        }
        log_principal += std::log(extent);
      }
      // A box with a zero side (duplicated neighbours) has no defined ratio: no correction.
      const double log_ratio = log_principal - log_box;
      correction[i] = std::isfinite(log_ratio) && log_ratio < log_alpha ? -log_ratio : 0.0;
    });
  });
}

void ksg_multi_information(const double* data, std::size_t n, const std::vector<std::size_t>& dims, std::size_t k,
                           int algorithm, const TimeWindow& window, int workers, double* local) {
  check_k(n, k);
  rules::check_algorithm(algorithm);
  rules::check_variables(dims);
  rules::check_window(window, n, k);
  ColumnRanges ranges;
  std::size_t stride = 0;
  for (std::size_t d : dims) {
    ranges.push_back({stride, d});
    stride += d;
  }
  const SharedSorts sorted(data, n, stride, ranges);
  const std::vector<Marginal> marginals = build_marginals(data, n, stride, ranges, workers, sorted.columns());
  std::vector<const Marginal*> spaces;
  for (const Marginal& m : marginals) spaces.push_back(&m);
  multi_information_locals(data, n, stride, ranges, spaces, k, algorithm, Excluded(window, n), sorted.columns(),
                           workers, local);
}

void ksg_mutual_info(const double* data, std::size_t n, std::size_t dx, std::size_t dy, std::size_t k,
                     int algorithm, int workers, double* local, const TimeWindow& window) {
  rules::check_columns(dx, dy);
  ksg_multi_information(data, n, {dx, dy}, k, algorithm, window, workers, local);
}

KsgConditionalMI::KsgConditionalMI(const double* data, std::size_t n, std::size_t dx, std::size_t dz,
                                   std::size_t dy, std::size_t k, TimeWindow window, int workers, int algorithm)
    : KsgConditionalMI(std::vector<double>(data, data + n * (dx + dz + dy)), n, dx, dz, dy, k, std::move(window),
                       workers, algorithm) {}

KsgConditionalMI::KsgConditionalMI(std::vector<double> data, std::size_t n, std::size_t dx, std::size_t dz,
                                   std::size_t dy, std::size_t k, TimeWindow window, int workers, int algorithm)
    : data_(std::move(data)),
      n_(n), dx_(dx), dz_(dz), dy_(dy), k_(k), window_(std::move(window)), workers_(workers), algorithm_(algorithm),
      neighbours_(std::make_shared<SharedNeighbours>()) {
  check_k(n, k);
  rules::check_algorithm(algorithm);
  rules::check_columns(dx, dy);
  rules::check_window(window_, n, k);
  if (data_.size() != n * stride()) throw std::invalid_argument("data must hold n rows of dx + dz + dy values");
  if (!counts_in_spaces()) {  // box counts in the strip of Z's first column, sorted once
    if (n > std::numeric_limits<std::uint32_t>::max()) {
      throw std::invalid_argument("algorithm 2 of a conditional MI takes fewer than 2^32 samples");
    }
    z_sorted_.emplace(data_.data(), n, stride(), dx);
    sorted_ = SharedSorts(data_.data(), n, stride(), {});
    return;
  }
  if (scans()) return;  // no index: the pairs are scanned
  ColumnRanges ranges{{0, dx + dz}, {dx, dz + dy}};
  if (dz > 0) ranges.push_back({dx, dz});
  sorted_ = SharedSorts(data_.data(), n, stride(), ranges);
  spaces_ = build_marginals(data_.data(), n, stride(), ranges, workers, sorted_.columns());
}

void KsgConditionalMI::fill(const double* data, const Marginal* zy, const SortedColumn* const* sorted, int workers,
                            double* local) const {
  const Excluded excluded(window_, n_);
  if (dz_ == 0) {  // I(X;Y): the multi-information of two variables, X and Y
    multi_information_locals(data, n_, stride(), {{0, dx_}, {dx_, dy_}}, {&spaces_[0], zy}, k_, algorithm_,
                             excluded, sorted, workers, local);
    return;
  }
  if (algorithm_ == 2) {
    const ColumnRanges xyz{{0, dx_}, {dx_ + dz_, dy_}, {dx_, dz_}};
    const auto eps = neighbour_extents(data, n_, stride(), xyz, k_, excluded, workers, sorted);
    const BoxCounts c = box_counts(data, n_, stride(), xyz, *z_sorted_, eps, excluded, workers);
    const double psi_k2 = psi(k_) - 2.0 / static_cast<double>(k_);
    // Counts are at least k (the neighbours themselves) and below n.
    const PsiTable table(n_, [&](auto mark) {
      for (std::size_t i = 0; i < n_; ++i) mark(c.xz[i]), mark(c.yz[i]), mark(c.z[i]);
    });
    fill_locals(n_, workers, local,
                [&](std::size_t i) { return ksg2_conditional_local(psi_k2, c.xz[i], c.yz[i], c.z[i], table); });
    return;
  }
  CmiCounts c;
  if (scans()) {
    c = scan_counts(data, n_, dx_, dz_, dy_, k_, excluded, workers);
  } else {
    const std::vector<double> eps = kth_distances(data, n_, stride(), k_, excluded, workers, sorted);
    c = {counts_within(spaces_[0], eps.data(), true, excluded, workers),
         counts_within(*zy, eps.data(), true, excluded, workers),
         counts_within(spaces_[2], eps.data(), true, excluded, workers)};
  }
  frenzel_pompe_locals(c, n_, k_, workers, local);
}

void KsgConditionalMI::locals(double* local) const {
  fill(data_.data(), counts_in_spaces() ? &spaces_[1] : nullptr, sorted_.columns(), workers_, local);
}

bool KsgConditionalMI::scans() const {
  return algorithm_ == 1 && dz_ > 0 && n_ <= scan_max_n(stride());
}

bool KsgConditionalMI::walks_neighbours() const {
  if (algorithm_ != 1 || dz_ == 0 || stride() < kJointWalkMinDims || n_ > kListMaxN || !neighbours_->pays) {
    return false;
  }
  return counts_from_lists() || !scans();  // else the scan, whose counts need no index
}

bool KsgConditionalMI::counts_from_lists() const {
  const double n = static_cast<double>(n_);
  const double z_count = n * std::pow(static_cast<double>(k_) / n, static_cast<double>(dz_) / stride());
  return stride() >= kWalkMinDims && z_count <= kListZ / 4;
}

bool KsgConditionalMI::share_conditioning(const KsgConditionalMI& other) {
  if (!walks_neighbours() || !other.walks_neighbours() || other.n_ != n_ || other.dx_ != dx_ ||
      other.dz_ != dz_ || other.algorithm_ != algorithm_ || other.window_.theiler != window_.theiler ||
      other.window_.trial_starts != window_.trial_starts) {
    return false;
  }
  const std::size_t width = dx_ + dz_;
  for (std::size_t i = 0; i < n_; ++i) {
    if (!std::equal(&data_[i * stride()], &data_[i * stride()] + width, &other.data_[i * other.stride()])) return false;
  }
  neighbours_ = other.neighbours_;
  return true;
}

std::size_t KsgConditionalMI::surrogate_batch() const {
  return std::max<std::size_t>(16, 4 * static_cast<std::size_t>(resolve_workers(workers_, ~std::size_t{0}, 1)));
}

void KsgConditionalMI::surrogates(const std::uint32_t* perms, std::size_t count, double* estimates) const {
  rules::check_permutations(perms, count, n_);
  const std::size_t cols = stride(), y0 = dx_ + dz_;
  const std::vector<const SortedColumn*> sorted = sorted_.without(y0, dy_);  // Y is permuted
  const SortedColumn* const* columns = sorted.empty() ? nullptr : sorted.data();
  if (walks_neighbours()) {
    const bool z_walk = counts_from_lists();
    ConditioningNeighbours& lists = neighbours_->lists;
    std::call_once(neighbours_->built, [&] {
      const PairScan conditioning(data_.data(), n_, cols, dx_, dz_, 0);
      lists = conditioning.conditioning(kListXZ, z_walk ? kListZ : 0, Excluded(window_, n_), workers_);
    });
    parallel_for(count, workers_, 1, 1, [&](std::size_t begin, std::size_t end) {
      const Excluded excluded(window_, n_);
      // The surrogate's Y twice: rows (ys) for the walks, a few values per sample read together, and the scan's
      // columns for the samples the lists miss.
      PairScan scan(data_.data(), n_, cols, dx_, dz_, dy_);
      std::vector<double> ys(n_ * dy_), local(n_), best(k_), eps(n_), data;
      if (!z_walk) data = data_;
      std::vector<std::size_t> missed;
      CmiCounts c = zero_counts(n_);
      for (std::size_t s = begin; s < end; ++s) {
        const std::uint32_t* perm = perms + s * n_;
        for (std::size_t i = 0; i < n_; ++i) {
          for (std::size_t v = 0; v < dy_; ++v) ys[i * dy_ + v] = scan.at(y0 + v, i) = data_[perm[i] * cols + y0 + v];
        }
        missed.clear();
        constexpr std::size_t kAhead = 8;  // samples whose runs are being fetched
        for (std::size_t i = 0; i < std::min(kAhead, n_); ++i) prefetch_runs(lists, i);
        for (std::size_t i = 0; i < n_; ++i) {
          if (i + kAhead < n_) prefetch_runs(lists, i + kAhead);
          const bool walked = walk_joint(lists.xz, ys.data(), dy_, i, k_, best.data(), eps[i], c.xz[i]) &&
                              (!z_walk || walk_z(lists.z, ys.data(), dy_, i, eps[i], c.zy[i], c.z[i]));
          if (!walked) {
            missed.push_back(i);
            eps[i] = 0.0;  // counted by the scan below
          }
        }
        if (!z_walk) {  // Z counts in Z's space, ZY counts in the space of the permuted rows
          for (std::size_t i = 0; i < n_; ++i) std::copy_n(&ys[i * dy_], dy_, &data[i * cols + y0]);
          const Marginal zy(data.data(), n_, cols, dx_, dz_ + dy_, 1, columns ? columns + dx_ : nullptr);
          c.zy = counts_within(zy, eps.data(), true, excluded, 1);
          c.z = counts_within(spaces_[2], eps.data(), true, excluded, 1);
        }
        scan.counts(missed.data(), missed.size(), k_, excluded, 1, c);
        if (missed.size() * kMissesMax > n_) neighbours_->pays = false;
        frenzel_pompe_locals(c, n_, k_, 1, local.data());
        estimates[s] = mean_of(local.data(), n_);
      }
    });
    return;
  }
  parallel_for(count, workers_, 1, 1, [&](std::size_t begin, std::size_t end) {
    std::vector<double> data(data_);
    std::vector<double> local(n_);
    for (std::size_t s = begin; s < end; ++s) {
      const std::uint32_t* perm = perms + s * n_;
      for (std::size_t i = 0; i < n_; ++i) {
        std::copy_n(&data_[perm[i] * cols + y0], dy_, &data[i * cols + y0]);
      }
      std::optional<Marginal> zy;  // Y's rows changed: its space is rebuilt
      if (counts_in_spaces() && !scans()) {
        zy.emplace(data.data(), n_, cols, dx_, dz_ + dy_, 1, columns ? columns + dx_ : nullptr);
      }
      fill(data.data(), zy ? &*zy : nullptr, columns, 1, local.data());
      estimates[s] = mean_of(local.data(), n_);
    }
  });
}

void ksg_many(const double* data, std::size_t n, std::size_t cols, const std::size_t* columns,
              const std::size_t* bounds, std::size_t count, std::size_t k, const TimeWindow& window, int workers,
              double* estimates, double* local) {
  rules::check_selections(columns, bounds, count, cols);
  check_k(n, k);
  rules::check_window(window, n, k);
  parallel_for(count, workers, 1, 1, [&](std::size_t begin, std::size_t end) {
    std::vector<double> values(n);
    for (std::size_t e = begin; e < end; ++e) {
      const std::size_t* b = bounds + 4 * e;
      // The columns X, Z, Y side by side, as KsgConditionalMI orders them, handed over without another copy.
      const std::size_t* picked = columns + b[0];
      const std::size_t width = b[3] - b[0];
      std::vector<double> table(n * width);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t c = 0; c < width; ++c) table[i * width + c] = data[i * cols + picked[c]];
      }
      const KsgConditionalMI problem(std::move(table), n, b[1] - b[0], b[2] - b[1], b[3] - b[2], k, window, 1);
      double* out = local ? local + e * n : values.data();
      problem.locals(out);
      estimates[e] = mean_of(out, n);
    }
  });
}

void nearest_neighbours(const double* data, std::size_t n, std::size_t d, std::size_t k, int workers,
                        std::uint32_t* out) {
  if (k == 0 || k >= n) throw std::invalid_argument("k must lie in [1, n)");
  const KDTree tree(data, n, d, 0, d, 0, workers);
  for_each_knn(tree, k, Metric::Chebyshev, Ties::ByIndex, workers, [&](std::size_t i, const Neighbor* nb) {
    for (std::size_t j = 0; j < k; ++j) out[i * k + j] = static_cast<std::uint32_t>(nb[j].index);
  });
}

}  // namespace infoscope
