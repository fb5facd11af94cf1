#include "core/grid.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/parallel.hpp"

namespace infoscope {

namespace {

// Beyond this mean own-cell occupancy a query scans more points than a KD-tree descent costs.
constexpr double kMaxOwnCell = 8.0;
// Edges are quantiles of evenly spaced samples, at least this many and four per cell: exact quantiles are not
// needed, only sorted edges with about equal counts between them.
constexpr std::size_t kEdgeSamples = 4096;
// Below this many points a KD-tree is as fast and the grid's set-up is not worth it.
constexpr std::size_t kMinPoints = 1024;

std::size_t cells_for(double n_cells, std::size_t dim) {
  return std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(std::pow(n_cells, 1.0 / dim))));
}

}  // namespace

std::optional<Grid> Grid::build(const double* data, std::size_t n, std::size_t row_stride, std::size_t first_col,
                                std::size_t dim, double points_per_cell) {
  // Cell ids are 32-bit and there are up to 4 cells per point.
  if (dim == 0 || dim > kMaxDim || n < kMinPoints || n > std::numeric_limits<std::uint32_t>::max() / 8) return {};
  const double n_cells = static_cast<double>(n) / points_per_cell;
  Grid grid(data, n, row_stride, first_col, dim, cells_for(n_cells, dim));
  double own = grid.mean_own_cell();
  if (own > kMaxOwnCell) {
    // Dependent coordinates fill a thin region of the grid; finer cells (up to 4 per point) may restore the
    // occupancy there.
    const double finer = std::min(n_cells * own / points_per_cell, 4.0 * static_cast<double>(n));
    grid = Grid(data, n, row_stride, first_col, dim, cells_for(finer, dim));
    own = grid.mean_own_cell();
  }
  if (own > kMaxOwnCell) return {};
  return grid;
}

Grid::Grid(const double* data, std::size_t n, std::size_t row_stride, std::size_t first_col, std::size_t dim,
           std::size_t cells_per_dim)
    : dim_(dim), cells_(cells_per_dim) {
  // Cell c of dimension d holds the values v with edges[c - 1] <= v < edges[c] (no lower edge for cell 0, no
  // upper one for the last cell).
  const std::size_t samples = std::min(n, std::max(kEdgeSamples, 4 * cells_));
  std::vector<double> sample(samples);
  for (std::size_t d = 0; d < dim; ++d) {
    for (std::size_t s = 0; s < samples; ++s) sample[s] = data[(s * n / samples) * row_stride + first_col + d];
    std::sort(sample.begin(), sample.end());
    std::vector<double>& edges = edges_[d];
    edges.resize(cells_ - 1);
    for (std::size_t c = 1; c < cells_; ++c) edges[c - 1] = sample[c * samples / cells_];
    // Two slots per cell over [first edge, last edge]; values outside fall into the end slots.
    const std::size_t slots = 2 * cells_;
    const double span = edges.empty() ? 0.0 : edges.back() - edges.front();
    slot_origin_[d] = edges.empty() ? 0.0 : edges.front();
    slot_scale_[d] = span > 0 ? static_cast<double>(slots - 1) / span : 0.0;
    slot_first_[d].assign(slots + 1, 0);
    for (double e : edges) ++slot_first_[d][slot(d, e) + 1];
    for (std::size_t t = 0; t < slots; ++t) slot_first_[d][t + 1] += slot_first_[d][t];
  }
  std::size_t total = 1;
  for (std::size_t d = 0; d < dim; ++d) total *= cells_;
  std::vector<std::uint32_t> cell_of(n);
  start_.assign(total + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const double* row = data + i * row_stride + first_col;
    std::size_t id = 0;
    for (std::size_t d = dim; d-- > 0;) id = id * cells_ + cell_coord(d, row[d]);
    cell_of[i] = static_cast<std::uint32_t>(id);
    ++start_[id + 1];
  }
  for (std::size_t c = 0; c < total; ++c) start_[c + 1] += start_[c];
  perm_.resize(n);
  cell_.resize(n);
  points_.resize(n * dim);
  std::vector<std::uint32_t> next(start_.begin(), start_.end() - 1);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t pos = next[cell_of[i]]++;
    perm_[pos] = i;
    cell_[pos] = cell_of[i];
    std::copy(data + i * row_stride + first_col, data + i * row_stride + first_col + dim, &points_[pos * dim]);
  }
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
  const auto first = edges_[d].begin();
  return static_cast<std::size_t>(
      std::upper_bound(first + slot_first_[d][s], first + slot_first_[d][s + 1], v) - first);
}

void Grid::knn_of(std::size_t pos, std::size_t k, Metric metric, Ties ties, Neighbor* out) const {
  if (metric != Metric::Chebyshev) throw std::invalid_argument("Grid::knn_of: only the max-norm is supported");
  if (k == 0 || k >= size()) throw std::invalid_argument("Grid::knn_of: k must be between 1 and the number of other points");
  switch (dim_) {
    case 1: return knn_in<1>(pos, k, ties, out);
    case 2: return knn_in<2>(pos, k, ties, out);
    default: return knn_in<3>(pos, k, ties, out);
  }
}

template <std::size_t D>
void Grid::knn_in(std::size_t pos, std::size_t k, Ties ties, Neighbor* out) const {
  const double* q = point_at(pos);
  const std::size_t exclude = perm_[pos];
  KBest best(k, ties, out);
  auto scan = [&](std::size_t begin, std::size_t end) {  // a run of consecutive positions
    for (std::size_t pos = begin; pos < end; ++pos) {
      const double dist = chebyshev(q, &points_[pos * D], D);
      if (dist <= best.worst() && perm_[pos] != exclude) best.offer(dist, perm_[pos]);
    }
  };
  // Unused dimensions are one cell wide, at coordinate 0.
  const std::ptrdiff_t m = static_cast<std::ptrdiff_t>(cells_);
  std::ptrdiff_t c[kMaxDim] = {0, 0, 0};
  std::ptrdiff_t extent[kMaxDim] = {1, 1, 1};
  for (std::size_t d = 0, id = cell_[pos]; d < D; ++d, id /= cells_) {
    c[d] = static_cast<std::ptrdiff_t>(id % cells_);
    extent[d] = m;
  }
  for (std::ptrdiff_t ring = 0;; ++ring) {
    // Scan the cells at ring distance `ring` from the query's cell. Rows along dimension 0 are contiguous in
    // memory: a row away from the inner block is scanned whole, one inside it only at its two ends.
    const std::ptrdiff_t x_lo = std::max<std::ptrdiff_t>(0, c[0] - ring);
    const std::ptrdiff_t x_hi = std::min(extent[0] - 1, c[0] + ring);
    for (std::ptrdiff_t z = std::max<std::ptrdiff_t>(0, c[2] - ring); z <= std::min(extent[2] - 1, c[2] + ring); ++z) {
      for (std::ptrdiff_t y = std::max<std::ptrdiff_t>(0, c[1] - ring); y <= std::min(extent[1] - 1, c[1] + ring);
           ++y) {
        const std::size_t row = static_cast<std::size_t>((z * extent[1] + y) * extent[0]);
        const bool inner = std::abs(y - c[1]) < ring && std::abs(z - c[2]) < ring;
        if (!inner) {
          scan(start_[row + x_lo], start_[row + x_hi + 1]);
        } else {
          if (c[0] - ring >= 0) scan(start_[row + c[0] - ring], start_[row + c[0] - ring + 1]);
          if (c[0] + ring < extent[0]) scan(start_[row + c[0] + ring], start_[row + c[0] + ring + 1]);
        }
      }
    }
    // Every point outside the scanned block lies beyond one of its faces: its distance is at least the gap from
    // q to that face (fl(a - b) is monotone, so this holds in floating point too).
    double bound = std::numeric_limits<double>::infinity();
    for (std::size_t d = 0; d < D; ++d) {
      if (c[d] - ring >= 1) bound = std::min(bound, q[d] - edges_[d][c[d] - ring - 1]);
      if (c[d] + ring + 1 < m) bound = std::min(bound, edges_[d][c[d] + ring] - q[d]);
    }
    if (bound == std::numeric_limits<double>::infinity() || best.settled(bound)) return;
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

template <std::size_t D, bool Strict>
void Grid::count_range(std::size_t begin, std::size_t end, const double* radii, std::size_t* counts) const {
  for (std::size_t pos = begin; pos < end; ++pos) counts[perm_[pos]] = count_around<D, Strict>(pos, radii[perm_[pos]]);
}

template <std::size_t D, bool Strict>
std::size_t Grid::count_around(std::size_t pos, double r) const {
  const double* q = point_at(pos);
  // The cells that can hold a point within r: those between the cells of q - r and q + r, widened by a
  // relative 1e-15, more than the rounding of q -+ r, so that no point whose fl(p - q) is inside is missed.
  std::size_t lo[kMaxDim] = {0, 0, 0}, hi[kMaxDim] = {0, 0, 0}, extent[kMaxDim] = {1, 1, 1};
  for (std::size_t d = 0; d < D; ++d) {
    const double margin = (std::abs(q[d]) + r) * 1e-15;
    lo[d] = cell_coord(d, q[d] - r - margin);
    hi[d] = cell_coord(d, q[d] + r + margin);
    extent[d] = cells_;
  }
  std::size_t count = 0;
  for (std::size_t z = lo[2]; z <= hi[2]; ++z) {
    for (std::size_t y = lo[1]; y <= hi[1]; ++y) {
      const std::size_t row = (z * extent[1] + y) * extent[0];  // cells along dimension 0 are contiguous
      for (std::size_t p = start_[row + lo[0]]; p < start_[row + hi[0] + 1]; ++p) {
        const double dist = chebyshev(q, &points_[p * D], D);
        count += Strict ? dist < r : dist <= r;
      }
    }
  }
  return count;
}

}  // namespace infoscope
