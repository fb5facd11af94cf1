#include "core/grid.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "core/parallel.hpp"
#include "core/sorted_axis.hpp"


#if defined(__GNUC__) || defined(__clang__)
#define INFOSCOPE_FORCE_INLINE __attribute__((always_inline))
#else
#define INFOSCOPE_FORCE_INLINE
#endif

namespace infoscope {

namespace {

// Beyond this mean own-cell occupancy a query scans more points than a KD-tree descent costs.
constexpr double kMaxOwnCell = 8.0;
// Up to kRankedMax points (grid.hpp) every coordinate is sorted and cells are cut at exact ranks (2-D count
// grid, N = 1e4: 0.6 ms against 1.2 ms locating each point among sampled edges; at N = 1e5 the sampled edges
// were faster). Above, edges are the quantiles of at least kEdgeSamples evenly spaced samples and 4 per cell:
// exact quantiles are not needed, only sorted edges with about equal counts between them.
constexpr std::size_t kEdgeSamples = 4096;

std::size_t cells_for(double n_cells, std::size_t dim) {
  return std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(std::pow(n_cells, 1.0 / dim))));
}

constexpr double kInf = std::numeric_limits<double>::infinity();

// Max-norm distance from q to the point at position p (the scalar form of `distances4`).
template <std::size_t D>
inline double distance_at(const double* const* cols, const double* q, std::size_t p) {
  double m = std::fabs(cols[0][p] - q[0]);
  for (std::size_t d = 1; d < D; ++d) {
    const double t = std::fabs(cols[d][p] - q[d]);
    m = m > t ? m : t;
  }
  return m;
}

// The k best neighbours of a query for Ties::Any and k <= 4, kept sorted without branches: a search offers each
// neighbour whose distance beats the k-th, and half of those offers come in an order no branch predictor follows.
// (All queries, N = 1e3: 2-D, k = 3, 76 us against 136 with KBest; 3-D, k = 4, 166 us against 434.) Ties keep
// the first found.
template <std::size_t K>
struct SmallBest {
  static constexpr bool kOrEqual = false;  // offer only distances < limit()
  static constexpr bool kEveryPoint = false;
  static constexpr bool kLaneWise = false;
  double dist[K];
  std::uint32_t pos[K];
  SmallBest() {
    for (std::size_t j = 0; j < K; ++j) {
      dist[j] = kInf;
      pos[j] = 0;
    }
  }
  double limit() const { return dist[K - 1]; }
  // Points at distance >= bound cannot enter (those at infinity are absent: the data are finite).
  bool settled(double bound) const { return bound >= dist[K - 1]; }
  void offer(double x, std::size_t p) {
    const std::uint32_t at = static_cast<std::uint32_t>(p);
    for (std::size_t j = K - 1; j > 0; --j) {
      std::uint32_t v = pos[j];
      v = x < dist[j] ? at : v;
      v = x < dist[j - 1] ? pos[j - 1] : v;
      pos[j] = v;
      dist[j] = std::max(dist[j - 1], std::min(x, dist[j]));  // dist[] ascends
    }
    pos[0] = x < dist[0] ? at : pos[0];
    dist[0] = std::min(x, dist[0]);
  }
};

// The k best distances alone, for kth_distance: without positions to move, an offer is 2k - 1 min/max
// operations, cheaper than the branch on the limit that would skip it (which mispredicts often), so every
// point scanned is offered. The k-th distance is the k-th smallest offered, whatever the order.
template <std::size_t K>
struct SmallKth {
  static constexpr bool kOrEqual = false;
  static constexpr bool kEveryPoint = true;  // offer every point (the query itself at +inf)
  static constexpr bool kLaneWise = false;
  static constexpr std::size_t kK = K;
  double dist[K];
  SmallKth() {
    for (double& d : dist) d = kInf;
  }
  double limit() const { return dist[K - 1]; }
  bool settled(double bound) const { return bound >= dist[K - 1]; }
  void offer(double x, std::size_t) {
    for (std::size_t j = K - 1; j > 0; --j) dist[j] = std::max(dist[j - 1], std::min(x, dist[j]));
    dist[0] = std::min(x, dist[0]);
  }
};

#ifdef INFOSCOPE_VECTOR_EXT
// SmallKth for each of the four lanes of a vector scan apart: a group of four points is offered with 2k - 1
// vector min/max operations, where SmallKth takes that many per point. The k best overall are among the union of
// the lanes' k best, so merging them into a SmallKth gives its k-th distance. The lanes' lists alone bound the
// k-th distance only loosely, so a search scans its first block (most of the points it scans) this way, then
// merges and grows the block with the exact limit.
template <std::size_t K>
struct LaneKth {
  static constexpr bool kLaneWise = true;
  Lanes dist[K];
  LaneKth() {
    for (Lanes& d : dist) d = Lanes{} + kInf;
  }
  void offer(Lanes x) {
    for (std::size_t j = K - 1; j > 0; --j) {
      const Lanes low = x < dist[j] ? x : dist[j];
      dist[j] = dist[j - 1] > low ? dist[j - 1] : low;
    }
    dist[0] = x < dist[0] ? x : dist[0];
  }
  void merge_into(SmallKth<K>& best) const {
    for (std::size_t j = 0; j < K; ++j) {
      for (std::size_t t = 0; t < kLanes4; ++t) best.offer(dist[j][t], 0);
    }
  }
};
#endif

// Any k and tie rule: KBest, which keeps the lowest indices among ties for Ties::ByIndex.
struct LargeBest {
  static constexpr bool kOrEqual = true;  // a tie may still displace a higher index
  static constexpr bool kEveryPoint = false;
  static constexpr bool kLaneWise = false;
  KBest best;
  const std::uint32_t* perm;
  double worst = kInf;
  LargeBest(std::size_t k, Ties ties, Neighbor* out, const std::uint32_t* perm_) : best(k, ties, out), perm(perm_) {}
  double limit() const { return worst; }
  bool settled(double bound) const { return best.settled(bound); }
  void offer(double x, std::size_t p) {
    best.offer(x, perm[p]);
    worst = best.worst();
  }
};

}  // namespace

// One coordinate: all its values sorted, with their rows (cells cut at ranks), or a sorted sample (cells cut at
// the sample's quantiles and found by value, order null).
struct Grid::Axis {
  const double* sorted = nullptr;
  const std::uint32_t* order = nullptr;
  std::size_t size = 0;
  std::vector<double> own_sorted;  // storage when not given
  std::vector<std::uint32_t> own_order;
};

std::optional<Grid> Grid::build(const double* data, std::size_t n, std::size_t row_stride, std::size_t first_col,
                                std::size_t dim, double points_per_cell, const SortedColumn* const* sorted) {
  // Cell ids are 32-bit and there are up to 4 cells per point.
  if (dim == 0 || dim > kMaxDim || n < kMinPoints || n > std::numeric_limits<std::uint32_t>::max() / 8) return {};
  // The block bounds are differences of coordinates: infinities and NaNs are left to the KD-tree.
  bool finite = true;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t d = 0; d < dim; ++d) {
      const double v = data[i * row_stride + first_col + d];
      finite &= v - v == 0;
    }
  }
  if (!finite) return {};
  std::vector<Axis> axes(dim);
  auto prepare = [&](std::size_t cells) {
    const std::size_t samples = n <= kRankedMax ? n : std::min(n, std::max(kEdgeSamples, 4 * cells));
    if (axes[0].size >= samples) return;
    std::vector<double> sample;
    std::vector<std::uint32_t> sample_order;
    for (std::size_t d = 0; d < dim; ++d) {
      Axis& axis = axes[d];
      axis.size = samples;
      if (samples == n && sorted && sorted[d] && sorted[d]->order.size() == n) {
        axis.sorted = sorted[d]->values.data();
        axis.order = sorted[d]->order.data();
        continue;
      }
      axis.own_sorted.resize(samples);
      axis.sorted = axis.own_sorted.data();
      if (samples == n) {
        axis.own_order.resize(n);
        axis.order = axis.own_order.data();
        sorting::sort_column(data, n, row_stride, first_col + d, axis.own_sorted.data(), axis.own_order.data());
      } else {
        sample.resize(samples);
        sample_order.resize(samples);
        for (std::size_t s = 0; s < samples; ++s) sample[s] = data[(s * n / samples) * row_stride + first_col + d];
        sorting::sort_column(sample.data(), samples, 1, 0, axis.own_sorted.data(), sample_order.data());
        axis.order = nullptr;
      }
    }
  };
  const double n_cells = static_cast<double>(n) / points_per_cell;
  std::size_t cells = cells_for(n_cells, dim);
  prepare(cells);
  Grid grid(data, n, row_stride, first_col, dim, cells, axes);
  double own = grid.mean_own_cell();
  if (own > kMaxOwnCell) {
    // Dependent coordinates fill a thin region of the grid; finer cells (up to 4 per point) may restore the
    // occupancy there.
    const double finer = std::min(n_cells * own / points_per_cell, 4.0 * static_cast<double>(n));
    cells = cells_for(finer, dim);
    prepare(cells);
    grid = Grid(data, n, row_stride, first_col, dim, cells, axes);
    own = grid.mean_own_cell();
  }
  if (own > kMaxOwnCell) return {};
  return grid;
}

Grid::Grid(const double* data, std::size_t n, std::size_t row_stride, std::size_t first_col, std::size_t dim,
           std::size_t cells_per_dim, const std::vector<Axis>& axes)
    : dim_(dim), cells_(cells_per_dim) {
  const std::size_t m = cells_;
  std::vector<std::uint32_t> row_cell(n, 0);  // row -> cell id, sum of coordinate * m^d
  std::size_t stride = 1;                    // m^d
  for (std::size_t d = 0; d < dim; ++d, stride *= m) {
    const Axis& axis = axes[d];
    std::vector<double>& lower = lower_[d];
    lower.assign(m + 1, kInf);
    lower[0] = -kInf;
    if (axis.order) {
      // Cell c takes ranks [c n / m, (c + 1) n / m), except that a run of equal values stays in the cell of its
      // first value (cells past the last run stay empty, with a lower bound of +inf).
      const double* v = axis.sorted;
      std::size_t c = 0;
      for (std::size_t p = 0; p < n; ++p) {
        // floor(p m / n) > c, without a division per point (they took a third of the build).
        if (p * m >= (c + 1) * n && v[p] != v[p - 1]) {
          const std::size_t nominal = p * m / n;
          for (std::size_t e = c + 1; e <= nominal; ++e) lower[e] = v[p];
          c = nominal;
        }
        row_cell[axis.order[p]] += static_cast<std::uint32_t>(c * stride);
      }
      continue;
    }
    // Cell c holds the values v with lower[c] <= v < lower[c + 1]; lower[1..m - 1] are the edges.
    const std::size_t samples = axis.size;
    for (std::size_t c = 1; c < m; ++c) lower[c] = axis.sorted[c * samples / m];
    // Two slots per cell over [first edge, last edge]; values outside fall into the end slots.
    const std::size_t slots = 2 * m;
    const double span = m > 1 ? lower[m - 1] - lower[1] : 0.0;
    slot_origin_[d] = m > 1 ? lower[1] : 0.0;
    slot_scale_[d] = span > 0 ? static_cast<double>(slots - 1) / span : 0.0;
    slot_first_[d].assign(slots + 1, 0);
    for (std::size_t c = 1; c < m; ++c) ++slot_first_[d][slot(d, lower[c]) + 1];
    for (std::size_t t = 0; t < slots; ++t) slot_first_[d][t + 1] += slot_first_[d][t];
    for (std::size_t i = 0; i < n; ++i) {
      row_cell[i] += static_cast<std::uint32_t>(cell_coord(d, data[i * row_stride + first_col + d]) * stride);
    }
  }
  const std::size_t total = stride;
  // Counting sort by cell: start_[c + 1] counts cell c - 1 and then, after the prefix sums, is the first position
  // of cell c; placing each point advances it to the first position of cell c + 1.
  start_.assign(total + 2, 0);
  for (std::size_t i = 0; i < n; ++i) ++start_[row_cell[i] + 2];
  for (std::size_t c = 2; c < total + 2; ++c) start_[c] += start_[c - 1];
  perm_.resize(n);
  cell_.resize(n);
  for (std::size_t d = 0; d < dim; ++d) cols_[d].assign(n + kLanes4, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t pos = start_[row_cell[i] + 1]++;
    perm_[pos] = static_cast<std::uint32_t>(i);
    cell_[pos] = row_cell[i];
    for (std::size_t d = 0; d < dim; ++d) cols_[d][pos] = data[i * row_stride + first_col + d];
  }
  start_.pop_back();
}

double Grid::mean_own_cell() const {
  double sum = 0.0;
  for (std::size_t c = 0; c + 1 < start_.size(); ++c) {
    const double count = start_[c + 1] - start_[c];
    sum += count * count;
  }
  return sum / static_cast<double>(size());
}

std::size_t Grid::slot(std::size_t d, double v) const {
  const double t = (v - slot_origin_[d]) * slot_scale_[d];
  const double last = static_cast<double>(slot_first_[d].size() - 2);
  return t <= 0 ? 0 : static_cast<std::size_t>(t < last ? t : last);
}

// The number of edges <= v. slot() is monotone in v, so every edge in an earlier slot is < v and every edge in a
// later slot is > v: only the edges of v's own slot need a comparison.
std::size_t Grid::cell_coord(std::size_t d, double v) const {
  const std::size_t s = slot(d, v);
  const auto edges = lower_[d].begin() + 1;
  return static_cast<std::size_t>(
      std::upper_bound(edges + slot_first_[d][s], edges + slot_first_[d][s + 1], v) - edges);
}

template <std::size_t D>
void Grid::cell_of(std::size_t pos, std::size_t* c) const {
  std::size_t id = cell_[pos];
  for (std::size_t d = 0; d + 1 < D; ++d) {
    c[d] = id % cells_;
    id /= cells_;
  }
  c[D - 1] = id;
}

void Grid::knn_of(std::size_t pos, std::size_t k, Metric metric, Ties ties, Neighbor* out) const {
  if (metric != Metric::Chebyshev) throw std::invalid_argument("Grid::knn_of: only the max-norm is supported");
  if (k == 0 || k >= size()) throw std::invalid_argument("Grid::knn_of: k must be between 1 and the number of other points");
  auto small = [&](auto dim, auto kk) {
    SmallBest<decltype(kk)::value> best;
    search<decltype(dim)::value>(pos, best);
    for (std::size_t j = 0; j < k; ++j) out[j] = Neighbor{best.dist[j], perm_[best.pos[j]]};
  };
  using One = std::integral_constant<std::size_t, 1>;
  using Two = std::integral_constant<std::size_t, 2>;
  using Three = std::integral_constant<std::size_t, 3>;
  using Four = std::integral_constant<std::size_t, 4>;
  if (ties == Ties::Any && k <= 4) {
    switch (dim_ * 8 + k) {
      case 9: return small(One{}, One{});
      case 10: return small(One{}, Two{});
      case 11: return small(One{}, Three{});
      case 12: return small(One{}, Four{});
      case 17: return small(Two{}, One{});
      case 18: return small(Two{}, Two{});
      case 19: return small(Two{}, Three{});
      case 20: return small(Two{}, Four{});
      case 25: return small(Three{}, One{});
      case 26: return small(Three{}, Two{});
      case 27: return small(Three{}, Three{});
      default: return small(Three{}, Four{});
    }
  }
  LargeBest best(k, ties, out, perm_.data());
  switch (dim_) {
    case 1: return search<1>(pos, best);
    case 2: return search<2>(pos, best);
    default: return search<3>(pos, best);
  }
}

// The (dimension, k) switch below repeats the one in knn_of on purpose: folding both into one generic dispatch
// helper stops GCC from inlining the searches (measured: core MI at N = 1000, 0.12 ms -> 0.16 ms).
double Grid::kth_distance(std::size_t pos, std::size_t k) const {
  if (k == 0 || k > kSmallK || k >= size()) throw std::invalid_argument("Grid::kth_distance: k out of range");
  auto small = [&](auto dim, auto kk) {
    SmallKth<decltype(kk)::value> best;
    search<decltype(dim)::value>(pos, best);
    return best.limit();
  };
  using One = std::integral_constant<std::size_t, 1>;
  using Two = std::integral_constant<std::size_t, 2>;
  using Three = std::integral_constant<std::size_t, 3>;
  using Four = std::integral_constant<std::size_t, 4>;
  switch (dim_ * 8 + k) {
    case 9: return small(One{}, One{});
    case 10: return small(One{}, Two{});
    case 11: return small(One{}, Three{});
    case 12: return small(One{}, Four{});
    case 17: return small(Two{}, One{});
    case 18: return small(Two{}, Two{});
    case 19: return small(Two{}, Three{});
    case 20: return small(Two{}, Four{});
    case 25: return small(Three{}, One{});
    case 26: return small(Three{}, Two{});
    case 27: return small(Three{}, Three{});
    default: return small(Three{}, Four{});
  }
}

// The search scans the block of cells within one cell of the query's, then grows the block one layer of cells
// at a time, on the faces only whose distance from the query is still below the k-th distance: every
// unscanned point lies beyond a face, and its distance is at least the gap from q to that face (fl(a - b) is
// monotone, so this holds in floating point too). Growing single faces scans fewer cells than whole rings.
template <std::size_t D, class Best>
void Grid::search(std::size_t pos, Best& best) const {
  const std::size_t m = cells_;
  const double* cols[kMaxDim] = {cols_[0].data(), D > 1 ? cols_[1].data() : nullptr, D > 2 ? cols_[2].data() : nullptr};
  double q[kMaxDim];
  for (std::size_t d = 0; d < D; ++d) q[d] = cols[d][pos];
  // Offers every point of the cells a[d] <= c[d] <= b[d] but pos that beats the limit. A lambda, not a function,
  // and inlined by force: inlined, it keeps SmallBest in registers (as a call, SmallBest went through memory and
  // the search took 2x), and GCC stops inlining it on its own once the search has more instantiations.
  auto scan = [&](const std::size_t* a, const std::size_t* b, auto& into) INFOSCOPE_FORCE_INLINE {
    using Into = std::decay_t<decltype(into)>;
    for (std::size_t z = a[2]; z <= b[2]; ++z) {
      for (std::size_t y = a[1]; y <= b[1]; ++y) {
        const std::size_t row = (z * m + y) * m;  // cells along dimension 0 are contiguous
        const std::size_t begin = start_[row + a[0]], end = start_[row + b[0] + 1];
#ifdef INFOSCOPE_VECTOR_EXT
        // In 3-D, runs are long enough for groups of four to pay: 1e3 points, k = 4: 155 us for all queries,
        // against 290 us one point at a time. In 2-D one at a time was faster (49 us against 70), unless the
        // group is offered at once (LaneKth).
        if constexpr (D == 3 || Into::kLaneWise) {
          std::size_t p = begin;
          do {  // once for an empty run, which costs less than a mispredicted loop exit
            Lanes dist = distances4<D>(cols, q, p);
            dist = valid_lanes(p, end, pos) ? dist : Lanes{} + kInf;
            if constexpr (Into::kLaneWise) {
              into.offer(dist);
            } else if constexpr (Into::kEveryPoint) {
              for (std::size_t t = 0; t < kLanes4; ++t) into.offer(dist[t], p + t);
            } else {
              const Lanes limit = Lanes{} + into.limit();
              unsigned hits = lane_bits(Into::kOrEqual ? dist <= limit : dist < limit);
              while (hits) {
                const unsigned t = static_cast<unsigned>(__builtin_ctz(hits));
                hits &= hits - 1;
                into.offer(dist[t], p + t);
              }
            }
            p += kLanes4;
          } while (p < end);
          continue;
        }
#endif
        if constexpr (!Into::kLaneWise) {
          for (std::size_t p = begin; p < end; ++p) {
            const double dist = distance_at<D>(cols, q, p);
            if constexpr (Into::kEveryPoint) {
              into.offer(p == pos ? kInf : dist, p);
              continue;
            }
            if (!(Into::kOrEqual ? dist <= into.limit() : dist < into.limit()) || p == pos) continue;
            into.offer(dist, p);
          }
        }
      }
    }
  };
  std::size_t c[kMaxDim];
  cell_of<D>(pos, c);
  std::size_t lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};  // the scanned block; unused dimensions are one cell
  for (std::size_t d = 0; d < D; ++d) {
    lo[d] = c[d] > 0 ? c[d] - 1 : 0;
    hi[d] = std::min(c[d] + 1, m - 1);
  }
#ifdef INFOSCOPE_VECTOR_EXT
  if constexpr (Best::kEveryPoint) {
    LaneKth<Best::kK> lanes;
    scan(lo, hi, lanes);
    lanes.merge_into(best);
  } else {
    scan(lo, hi, best);
  }
#else
  scan(lo, hi, best);
#endif
  for (;;) {
    bool grown = false;
    for (std::size_t d = 0; d < D; ++d) {
      if (lo[d] > 0 && !best.settled(q[d] - lower_[d][lo[d]])) {
        std::size_t a[3] = {lo[0], lo[1], lo[2]}, b[3] = {hi[0], hi[1], hi[2]};
        a[d] = b[d] = --lo[d];
        scan(a, b, best);
        grown = true;
      }
      if (hi[d] + 1 < m && !best.settled(lower_[d][hi[d] + 1] - q[d])) {
        std::size_t a[3] = {lo[0], lo[1], lo[2]}, b[3] = {hi[0], hi[1], hi[2]};
        a[d] = b[d] = ++hi[d];
        scan(a, b, best);
        grown = true;
      }
    }
    if (!grown) return;
  }
}

void Grid::count_all(const double* radii, bool strict, std::size_t* counts, int workers) const {
  // Queries in cell order: neighbouring queries scan the same cells.
  parallel_for(size(), workers, 1024, 2048, [&](std::size_t begin, std::size_t end) {
    switch (dim_ * 2 + strict) {
      case 2: return count_range<1, false>(begin, end, radii, counts);
      case 3: return count_range<1, true>(begin, end, radii, counts);
      case 4: return count_range<2, false>(begin, end, radii, counts);
      case 5: return count_range<2, true>(begin, end, radii, counts);
      case 6: return count_range<3, false>(begin, end, radii, counts);
      default: return count_range<3, true>(begin, end, radii, counts);
    }
  });
}

// The box of cells that can hold a point within r of q: along each dimension, from q's cell outwards while the
// face of the next cell is within r (points beyond a face are at least its gap away).
template <std::size_t D, bool Strict>
void Grid::count_range(std::size_t begin, std::size_t end, const double* radii, std::size_t* counts) const {
  const std::size_t m = cells_;
  const double* cols[kMaxDim] = {cols_[0].data(), D > 1 ? cols_[1].data() : nullptr, D > 2 ? cols_[2].data() : nullptr};
  auto inside = [](double dist, double r) { return Strict ? dist < r : dist <= r; };
  for (std::size_t pos = begin; pos < end; ++pos) {
    double q[kMaxDim];
    for (std::size_t d = 0; d < D; ++d) q[d] = cols[d][pos];
    const double r = radii[perm_[pos]];
    std::size_t lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
    cell_of<D>(pos, lo);
    for (std::size_t d = 0; d < D; ++d) {
      const double* lower = lower_[d].data();
      hi[d] = lo[d];
      while (lo[d] > 0 && inside(q[d] - lower[lo[d]], r)) --lo[d];
      while (hi[d] + 1 < m && inside(lower[hi[d] + 1] - q[d], r)) ++hi[d];
    }
    std::size_t count = 0;
    for (std::size_t z = lo[2]; z <= hi[2]; ++z) {
      for (std::size_t y = lo[1]; y <= hi[1]; ++y) {
        const std::size_t row = (z * m + y) * m;
        const std::size_t stop = start_[row + hi[0] + 1];
#ifdef INFOSCOPE_VECTOR_EXT
        const Lanes radius = Lanes{} + r;
        for (std::size_t p = start_[row + lo[0]]; p < stop; p += kLanes4) {
          const Lanes dist = distances4<D>(cols, q, p);
          const LaneMask in = (Strict ? dist < radius : dist <= radius) & valid_lanes(p, stop, ~std::size_t{0});
          count += static_cast<std::size_t>(__builtin_popcount(lane_bits(in)));
        }
#else
        for (std::size_t p = start_[row + lo[0]]; p < stop; ++p) count += inside(distance_at<D>(cols, q, p), r);
#endif
      }
    }
    counts[perm_[pos]] = count;
  }
}

}  // namespace infoscope
