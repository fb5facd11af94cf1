// Exact max-norm k-NN search and radius counts by a tiled scan of all pairs, for high-dimensional spaces where a
// KD-tree's boxes no longer prune and its search visits nearly every leaf anyway.
//
// The coordinates are quantised to one byte on a common scale (255 codes across the widest column) and stored
// in blocks of 32 points, one AVX2 register per coordinate, the coordinates of a block contiguous. A query's code
// distances to a block are accumulated a coordinate at a time, stopping as soon as no lane is within the query's
// bound (the max-norm only grows). Queries go in groups that share each tile of blocks while it is in L2. The
// codes only filter: a code distance is within one unit of the true distance, and every pair the codes cannot
// decide is decided on the float64 coordinates, with fl(a - b) as the KD-tree and the numpy reference compute
// it, so neighbours, distances and counts are exactly theirs, ties included.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/byte_codes.hpp"
#include "core/neighbors.hpp"
#include "core/parallel.hpp"

namespace infoscope {

// Which search the spaces of an estimate use, for their two tasks: the k-NN search of the joint space and the
// radius counts of the marginal spaces. Auto lets the cost model choose (brute_force_pays and the grid's and
// sorted strip's own rules); the others force one path wherever it can be built, so that tests compare every
// path with the reference at the sizes where they differ. Process-wide.
enum class SearchPath { Auto, Grid, Tree, Brute };
enum class SearchTask { Neighbours, Counts };
void force_search_path(SearchTask task, SearchPath path);
SearchPath forced_search_path(SearchTask task);

// The cost model: whether a tiled scan beats a KD-tree for the task in a max-norm space of dim columns over n
// points. Measured on 2 cores (AVX2); see brute_force.cpp.
bool brute_force_pays(SearchTask task, std::size_t n, std::size_t dim);

class BruteForce {
 public:
  // Whether columns [first, first + dim) of data (n rows of stride columns) can be scanned: at least one, all
  // values finite, and the widest column's spread 0 or between 1e-30 and 1e30 (else a KD-tree searches them).
  static bool fits(const double* data, std::size_t n, std::size_t stride, std::size_t first, std::size_t dim);

  // Indexes columns [first, first + dim) of data, which must outlive the index (the exact distances read it).
  BruteForce(const double* data, std::size_t n, std::size_t stride, std::size_t first, std::size_t dim);

  std::size_t size() const { return n_; }
  std::size_t dim() const { return dim_; }
  // Queries are the points in row order; kept for the interface the KD-tree and the grid share.
  std::size_t original_index(std::size_t pos) const { return pos; }

  // fn(i, nb) for every point i with its k nearest other points nb[0..k) in increasing (distance, index) order;
  // ties as `ties` says (neighbors.hpp). Calls come from the worker threads, a group of queries at a time.
  template <class Fn>
  void for_each_knn(std::size_t k, Ties ties, int workers, Fn&& fn) const {
    parallel_for(n_, workers, kQueries, min_queries_per_thread(), [&](std::size_t begin, std::size_t end) {
      std::vector<Neighbor> nb((end - begin) * k);
      knn_group(begin, end, k, ties, nb.data());
      for (std::size_t i = begin; i < end; ++i) fn(i, &nb[(i - begin) * k]);
    });
  }

  // counts[i] = the number of points p with max-norm |p_i - p| < radii[i] (strict) or <= radii[i], point i
  // included, as KDTree::count_all counts.
  void count_all(const double* radii, bool strict, std::size_t* counts, int workers) const;

  // Queries per group: each tile of points is read once per group, and 32 queries share it long enough to repay
  // its trip from L3 (a group is also how long Ctrl-C waits: some 5 ms in 32 dimensions at N = 1e5).
  static constexpr std::size_t kQueries = 32;

  static constexpr std::size_t kLanes = kByteLanes;  // points per block

  // Queries a second thread must get before it is woken: some 4 million pairs (a millisecond or two), since a
  // wake-up can cost a scheduler tick on a busy machine.
  std::size_t min_queries_per_thread() const { return std::max<std::size_t>(kQueries, (std::size_t{1} << 22) / n_); }

 private:
  void knn_group(std::size_t begin, std::size_t end, std::size_t k, Ties ties, Neighbor* out) const;
  std::uint8_t code(double v, std::size_t d) const;
  // The largest code distance of a pair that may lie within radius, and the largest of one surely strictly
  // within it (-1: none).
  int codes_within(double radius) const;
  int codes_inside(double radius) const;
  double exact_distance(std::size_t i, std::size_t j) const;
  // The float32 distance, within margin32_ of the exact one: decides most pairs the codes leave open.
  float rough_distance(std::size_t i, std::size_t j) const;
  // The lanes of block b that hold points (the last block is padded).
  std::uint32_t real_lanes(std::size_t b) const;
  const std::uint8_t* block(std::size_t b) const { return &blocks_[b * dim_ * kLanes]; }

  const double* data_;
  std::size_t n_, stride_, first_, dim_, blocks_count_, tile_blocks_;
  double scale_;                     // codes per unit of distance
  float margin32_;                   // bound on |float32 distance - float64 distance|
  std::vector<double> low_;          // per coordinate, the value coded 0
  std::vector<std::uint8_t> blocks_;  // blocks_count_ x dim_ x 32 codes
  std::vector<float> rows32_;         // n_ x dim_, centred
};

}  // namespace infoscope
