#include "core/brute_force.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "core/byte_codes.hpp"
#include "core/distance.hpp"

namespace infoscope {

namespace {

// Tiles of blocks of this size stay in L2 (512 KiB per core here) beside the query group and its lists.
constexpr std::size_t kTileBytes = 128 * 1024;
constexpr std::size_t kLanes = BruteForce::kLanes;
constexpr std::size_t kBoundBlocks = 16;  // blocks (512 points) that set a query's first bound

inline int lowest_lane(std::uint32_t bits) { return __builtin_ctz(bits); }

// A query's codes, one splat per coordinate, read from its own block (lane `lane` of the dim rows of `block`).
void query_codes(const std::uint8_t* block, std::size_t lane, std::size_t dim, Bytes* out) {
  for (std::size_t d = 0; d < dim; ++d) out[d] = splat_byte(block[d * kLanes + lane]);
}

std::atomic<SearchPath> forced[2] = {SearchPath::Auto, SearchPath::Auto};  // by SearchTask

}  // namespace

void force_search_path(SearchTask task, SearchPath path) { forced[static_cast<int>(task)].store(path); }
SearchPath forced_search_path(SearchTask task) { return forced[static_cast<int>(task)].load(); }

namespace {

// The largest n at which the scan beats a KD-tree, by dimension, from benchmarks/search_paths.py (2 AVX2 cores,
// Gaussian pairs with correlation 0.6, k = 3; results/search_paths.md). Since the tree's leaves filter on byte
// codes (kdtree.cpp), its k-NN search wins up to 16 dimensions at every measured n; seconds tree / scan:
//   k-NN search: 12-D 1.0 / 2.0 and 16-D 4.7 / 5.9 at n = 1e5, 0.134 / 0.136 at 2e4; 24-D 0.23 / 0.17 at 2e4
//   and 4.0 / 4.0 at 1e5; 32-D 5.5 / 5.1 at 1e5.
//   radius counts (two spaces of d columns, radii from their 2d-D joint space): 6-D 0.94 / 3.9 and 8-D
//   2.2 / 5.0 at 1e5; 12-D 0.67 / 0.28 at 2e4 and 10.8 / 7.1 at 1e5; 16-D 19.8 / 9.1 at 1e5.
// Between the measured dimensions the limits are interpolated; the tree's cost grows with n more slowly than
// the scan's n^2 but climbs steeply with the dimension. Past 20 (k-NN) or 14 (counts) dimensions the scan is
// also the safer choice: its cost does not depend on how the data are spread, a tree's does.
std::size_t brute_force_max_n(SearchTask task, std::size_t dim) {
  static constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();
  if (task == SearchTask::Neighbours) return dim >= 20 ? kUnlimited : 0;
  static constexpr std::size_t table[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 20000, 50000, 100000, 400000, 1000000};
  return dim < std::size(table) ? table[dim] : kUnlimited;
}

}  // namespace

bool brute_force_pays(SearchTask task, std::size_t n, std::size_t dim) {
  const SearchPath path = forced_search_path(task);
  if (path != SearchPath::Auto) return path == SearchPath::Brute;
  return n <= brute_force_max_n(task, dim);
}

namespace {

// Each column's smallest value and the widest column's spread (infinite with a non-finite value).
std::pair<std::vector<double>, double> column_lows(const double* data, std::size_t n, std::size_t stride,
                                                   std::size_t first, std::size_t dim) {
  std::vector<double> low(dim);
  double widest = 0.0;
  bool finite = true;
  for (std::size_t d = 0; d < dim; ++d) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t j = 0; j < n; ++j) {
      const double v = data[j * stride + first + d];
      lo = std::min(lo, v), hi = std::max(hi, v);
      finite &= std::isfinite(v);
    }
    low[d] = lo;
    widest = std::max(widest, hi - lo);
  }
  return {low, finite ? widest : std::numeric_limits<double>::infinity()};
}

}  // namespace

bool BruteForce::fits(const double* data, std::size_t n, std::size_t stride, std::size_t first, std::size_t dim) {
  // The codes' scale and the float32 copies need a spread float32 resolves: below 1e-30 its subnormals lose the
  // relative precision the margin assumes, beyond 1e30 the copies overflow (non-finite values spread infinitely).
  const double widest = column_lows(data, n, stride, first, dim).second;
  return dim > 0 && (widest == 0.0 || (widest > 1e-30 && widest < 1e30));
}

BruteForce::BruteForce(const double* data, std::size_t n, std::size_t stride, std::size_t first, std::size_t dim)
    : data_(data), n_(n), stride_(stride), first_(first), dim_(dim), blocks_count_((n + kLanes - 1) / kLanes),
      tile_blocks_(std::max<std::size_t>(1, kTileBytes / (dim * kLanes))) {
  if (dim == 0) throw std::invalid_argument("BruteForce: a space needs at least one column");
  // One scale for all coordinates (the max-norm compares them), 255 codes across the widest.
  double widest;
  std::tie(low_, widest) = column_lows(data, n, stride, first, dim);
  scale_ = widest > 0 ? 255.0 / widest : 1.0;
  // float32 copies centred on the codes' middle: a pair's float32 distance is within 2M (2^-23 + 3 * 2^-53) of
  // fl(a - b), M = widest / 2 the largest centred magnitude (one rounding of the centred value, one of the
  // difference); 2^-20 M holds that with a factor of 3 to spare.
  margin32_ = static_cast<float>(std::ldexp(widest / 2, -20));
  blocks_.assign(blocks_count_ * dim * kLanes, 0);
  rows32_.resize(n * dim);
  for (std::size_t j = 0; j < n; ++j) {
    std::uint8_t* b = &blocks_[(j / kLanes) * dim * kLanes + j % kLanes];
    for (std::size_t d = 0; d < dim; ++d) {
      const double v = data[j * stride + first + d];
      b[d * kLanes] = code(v, d);
      rows32_[j * dim + d] = static_cast<float>(v - (low_[d] + widest / 2));
    }
  }
}

std::uint8_t BruteForce::code(double v, std::size_t d) const {
  return static_cast<std::uint8_t>(std::min(255.0, std::max(0.0, std::nearbyint((v - low_[d]) * scale_))));
}

// Each code is within half a unit (1 / scale_) of its coordinate, up to float64 rounding of some 1e-13 units, so
// a pair's code distance is within 1 + 1e-9 units of its float64 distance fl(a - b) scaled.
constexpr double kSlack = 1.0 + 1e-9;

int BruteForce::codes_within(double radius) const {
  return static_cast<int>(std::min(255.0, std::floor(radius * scale_ + kSlack)));
}

int BruteForce::codes_inside(double radius) const {
  return static_cast<int>(std::min(255.0, std::ceil(radius * scale_ - kSlack) - 1.0));
}

double BruteForce::exact_distance(std::size_t i, std::size_t j) const {
  return chebyshev(data_ + i * stride_ + first_, data_ + j * stride_ + first_, dim_);
}

float BruteForce::rough_distance(std::size_t i, std::size_t j) const {
  const float* a = &rows32_[i * dim_];
  const float* b = &rows32_[j * dim_];
  float m = 0.0f;
  for (std::size_t d = 0; d < dim_; ++d) m = std::max(m, std::fabs(a[d] - b[d]));
  return m;
}

std::uint32_t BruteForce::real_lanes(std::size_t b) const {
  const std::size_t real = std::min(kLanes, n_ - b * kLanes);
  return real == kLanes ? ~std::uint32_t{0} : (std::uint32_t{1} << real) - 1;
}

void BruteForce::knn_group(std::size_t begin, std::size_t end, std::size_t k, Ties ties, Neighbor* out) const {
  const std::size_t count = end - begin;
  if (k == 0 || k >= n_) throw std::invalid_argument("BruteForce: k must be between 1 and the number of other points");
  std::vector<Bytes> q(count * dim_);
  std::vector<std::uint8_t> bound(count, 255);
  // A first bound for each query: the k-th smallest code distance to the first blocks of its tile, by a histogram
  // of the codes. Without it every point of the first tile scanned would be confirmed.
  auto first_bound = [&](const Bytes* q, std::size_t i) -> std::uint8_t {
    std::uint32_t histogram[256] = {};
    const std::size_t b_begin = i / kLanes / tile_blocks_ * tile_blocks_;
    const std::size_t b_end = std::min(blocks_count_, b_begin + kBoundBlocks);
    for (std::size_t b = b_begin; b < b_end; ++b) {
      const Bytes acc = block_distances_all(block(b), q, dim_);
      std::uint8_t codes[kLanes];
      std::memcpy(codes, &acc, kLanes);
      const std::size_t real = std::min(kLanes, n_ - b * kLanes);
      for (std::size_t l = 0; l < real; ++l) histogram[codes[l]] += (b * kLanes + l != i);
    }
    std::size_t seen = 0;
    for (int c = 0; c < 256; ++c) {
      seen += histogram[c];
      // The k nearest lie within (c + 1) / scale of i, so no pair more than c + 2 codes apart is among them.
      if (seen >= k) return static_cast<std::uint8_t>(std::min(255, c + 2));
    }
    return 255;
  };

  std::vector<KBest> best;
  best.reserve(count);
  for (std::size_t t = 0; t < count; ++t) {
    query_codes(block((begin + t) / kLanes), (begin + t) % kLanes, dim_, &q[t * dim_]);
    best.emplace_back(k, ties, out + t * k);
    bound[t] = first_bound(&q[t * dim_], begin + t);
  }
  // The group's own tile first: in row order (time order, for embeddings) it holds near points, whose k-th
  // distance is a tight bound for the rest.
  const std::size_t tiles = (blocks_count_ + tile_blocks_ - 1) / tile_blocks_;
  const std::size_t own = begin / kLanes / tile_blocks_;
  for (std::size_t step = 0; step < tiles; ++step) {
    const std::size_t tile = (own + step) % tiles;
    const std::size_t b_end = std::min(blocks_count_, (tile + 1) * tile_blocks_);
    for (std::size_t t = 0; t < count; ++t) {
      const std::size_t i = begin + t;
      KBest& s = best[t];
      Bytes limit = splat_byte(bound[t]);
      for (std::size_t b = tile * tile_blocks_; b < b_end; ++b) {
        Bytes acc;
        if (!block_distances(block(b), &q[t * dim_], dim_, limit, acc)) continue;
        std::uint32_t hits = at_most(acc, limit) & real_lanes(b);
        if (hits == 0) continue;
        for (; hits != 0; hits &= hits - 1) {
          const std::size_t j = b * kLanes + static_cast<std::size_t>(lowest_lane(hits));
          if (j == i || (s.found == k && rough_distance(i, j) > s.worst() + margin32_)) continue;
          s.offer(exact_distance(i, j), j);
        }
        if (s.found == k) {
          bound[t] = static_cast<std::uint8_t>(codes_within(s.worst()));
          limit = splat_byte(bound[t]);
        }
      }
    }
  }
}

void BruteForce::count_all(const double* radii, bool strict, std::size_t* counts, int workers) const {
  parallel_for(n_, workers, kQueries, min_queries_per_thread(), [&](std::size_t begin, std::size_t end) {
    const std::size_t count = end - begin;
    std::vector<Bytes> q(count * dim_);
    for (std::size_t t = 0; t < count; ++t) {
      query_codes(block((begin + t) / kLanes), (begin + t) % kLanes, dim_, &q[t * dim_]);
      counts[begin + t] = 0;
    }
    const std::size_t tiles = (blocks_count_ + tile_blocks_ - 1) / tile_blocks_;
    for (std::size_t tile = 0; tile < tiles; ++tile) {
      const std::size_t b_end = std::min(blocks_count_, (tile + 1) * tile_blocks_);
      for (std::size_t t = 0; t < count; ++t) {
        const std::size_t i = begin + t;
        const double r = radii[i];
        // Pairs at most `inside` codes apart are within the radius whatever the rounding, more than `within`
        // apart beyond it; between, the float64 distance decides.
        const int inside = codes_inside(r);
        const Bytes within = splat_byte(static_cast<std::uint8_t>(codes_within(r)));
        const Bytes surely = splat_byte(static_cast<std::uint8_t>(std::max(inside, 0)));
        std::size_t c = 0;
        for (std::size_t b = tile * tile_blocks_; b < b_end; ++b) {
          Bytes acc;
          if (!block_distances(block(b), &q[t * dim_], dim_, within, acc)) continue;
          const std::uint32_t real = real_lanes(b);
          const std::uint32_t in = inside >= 0 ? at_most(acc, surely) & real : 0;
          c += static_cast<std::size_t>(__builtin_popcount(in));
          for (std::uint32_t near = at_most(acc, within) & real & ~in; near != 0; near &= near - 1) {
            const std::size_t j = b * kLanes + static_cast<std::size_t>(lowest_lane(near));
            const double rough = rough_distance(i, j);
            if (rough > r + margin32_) continue;
            if (rough < r - margin32_) {
              ++c;
            } else {
              const double dist = exact_distance(i, j);
              c += strict ? dist < r : dist <= r;
            }
          }
        }
        counts[i] += c;
      }
    }
  });
}

}  // namespace infoscope
