#include "core/knn_estimators.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

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
  parallel_for(index.size(), workers, kChunk, kMinPerThread, [&](std::size_t begin, std::size_t end) {
    std::vector<Neighbor> nb(k);
    for (std::size_t pos = begin; pos < end; ++pos) {
      index.knn_of(pos, k, metric, ties, nb.data());
      fn(index.original_index(pos), nb.data());
    }
  });
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

// Runs fn(index) with a max-norm neighbour index over all columns of data (n x dim): a grid in up to three
// dimensions when the points spread well enough over its cells, a KD-tree otherwise. sorted: as Grid::build's.
template <class Fn>
void with_joint_index(const double* data, std::size_t n, std::size_t dim, int workers, Fn&& fn,
                      const SortedColumn* const* sorted = nullptr) {
  if (const std::optional<Grid> grid = Grid::build(data, n, dim, 0, dim, Grid::kSearchPointsPerCell, sorted)) {
    fn(*grid);
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
    if (excluded.width() == 0) {  // only the sample itself is left out: its k-th neighbour's distance
      parallel_for(joint.size(), workers, kChunk, kMinPerThread, [&](std::size_t begin, std::size_t end) {
        std::vector<Neighbor> nb(k);
        for (std::size_t pos = begin; pos < end; ++pos) {
          eps[joint.original_index(pos)] = kth_distance(joint, pos, k, nb.data());
        }
      });
      return;
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

// Frenzel-Pompe counts by scanning all pairs, for joint spaces of 4 or more dimensions (no grid there) and few
// samples: there a scan of columns laid out contiguously costs less than a KD-tree's k-NN search and three
// trees' range counts. Exact, so its estimate is the indexed path's. For each sample i: eps_i, the distance to
// its k-th nearest non-excluded sample in the joint space (max-norm), then the non-excluded samples strictly
// within eps_i in XZ, ZY and Z. The scan costs about 5 ns per pair here; the trees about 5, 25 and 50 us per
// sample in 4, 5 and 6+ dimensions (2 cores, surrogates of KsgConditionalMI), hence the largest n per dimension.
std::size_t scan_max_n(std::size_t joint_dims) {
  return joint_dims <= 3 ? 0 : joint_dims == 4 ? 1024 : joint_dims == 5 ? 4096 : 8192;
}

struct CmiCounts {
  std::vector<std::size_t> xz, zy, z;
};

CmiCounts scan_counts(const double* data, std::size_t n, std::size_t dx, std::size_t dz, std::size_t dy,
                      std::size_t k, const Excluded& excluded, int workers) {
  const std::size_t d = dx + dz + dy;
  std::vector<double> columns(d * n);  // column c of sample j at columns[c * n + j]
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t c = 0; c < d; ++c) columns[c * n + j] = data[j * d + c];
  }
  CmiCounts out{std::vector<std::size_t>(n), std::vector<std::size_t>(n), std::vector<std::size_t>(n)};
  parallel_for(n, workers, kChunk, kMinPerThread / 4, [&](std::size_t begin, std::size_t end) {
    std::vector<double> to_z(n), to_xz(n), to_zy(n), joint(n), best(k);
    // dist[j] = max(dist[j], |column c of j - column c of i|) over columns [first, last)
    auto widen = [&](double* dist, std::size_t first, std::size_t last, std::size_t i) {
      for (std::size_t c = first; c < last; ++c) {
        const double* col = &columns[c * n];
        const double at = col[i];
        for (std::size_t j = 0; j < n; ++j) dist[j] = std::max(dist[j], std::abs(col[j] - at));
      }
    };
    for (std::size_t i = begin; i < end; ++i) {
      std::fill(to_z.begin(), to_z.end(), 0.0);
      widen(to_z.data(), dx, dx + dz, i);
      std::copy(to_z.begin(), to_z.end(), to_xz.begin());
      widen(to_xz.data(), 0, dx, i);
      std::copy(to_z.begin(), to_z.end(), to_zy.begin());
      widen(to_zy.data(), dx + dz, d, i);
      const auto [first, last] = excluded.rows(i);  // holds i itself
      std::size_t found = 0;
      auto offer = [&](double dist) {  // keeps the k smallest, sorted
        if (found == k && dist >= best[k - 1]) return;
        std::size_t pos = found < k ? found++ : k - 1;
        while (pos > 0 && best[pos - 1] > dist) {
          best[pos] = best[pos - 1];
          --pos;
        }
        best[pos] = dist;
      };
      for (std::size_t j = 0; j < n; ++j) joint[j] = std::max(to_xz[j], to_zy[j]);
      for (std::size_t j = 0; j < first; ++j) offer(joint[j]);
      for (std::size_t j = last + 1; j < n; ++j) offer(joint[j]);
      const double eps = best[k - 1];
      std::size_t xz = 0, zy = 0, z = 0;
      for (std::size_t j = 0; j < n; ++j) {
        xz += to_xz[j] < eps;
        zy += to_zy[j] < eps;
        z += to_z[j] < eps;
      }
      for (std::size_t j = first; j <= last; ++j) {  // the excluded rows, i among them, do not count
        xz -= to_xz[j] < eps;
        zy -= to_zy[j] < eps;
        z -= to_z[j] < eps;
      }
      out.xz[i] = xz, out.zy[i] = zy, out.z[i] = z;
    }
  });
  return out;
}

// local[i] = fn(i) for every sample, on the worker threads: three digamma calls per sample add up at large n.
template <class Fn>
void fill_locals(std::size_t n, int workers, double* local, Fn&& fn) {
  parallel_for(n, workers, kLocalsChunk, kMinPerThread * 16, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) local[i] = fn(i);
  });
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
    parallel_for(joint.size(), workers, kChunk, kMinPerThread, [&](std::size_t begin, std::size_t end) {
      std::vector<Neighbor> nb(k);
      std::vector<double> offsets(k * d), scatter(d * d), axes;
      for (std::size_t pos = begin; pos < end; ++pos) {
        joint.knn_of(pos, k, Metric::Chebyshev, Ties::ByIndex, nb.data());
        const std::size_t i = joint.original_index(pos);
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
      }
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
      n_(n), dx_(dx), dz_(dz), dy_(dy), k_(k), window_(std::move(window)), workers_(workers), algorithm_(algorithm) {
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
  const auto& n_xz = c.xz;
  const auto& n_zy = c.zy;
  const auto& n_z = c.z;
  const double psi_k = psi(k_);
  // Counts are below n, and the locals take psi(count + 1).
  const PsiTable table(n_, [&](auto mark) {
    for (std::size_t i = 0; i < n_; ++i) mark(n_xz[i] + 1), mark(n_zy[i] + 1), mark(n_z[i] + 1);
  });
  fill_locals(n_, workers, local,
              [&](std::size_t i) { return frenzel_pompe_local(psi_k, n_xz[i], n_zy[i], n_z[i], table); });
}

void KsgConditionalMI::locals(double* local) const {
  fill(data_.data(), counts_in_spaces() ? &spaces_[1] : nullptr, sorted_.columns(), workers_, local);
}

bool KsgConditionalMI::scans() const {
  return algorithm_ == 1 && dz_ > 0 && n_ <= scan_max_n(stride());
}

std::size_t KsgConditionalMI::surrogate_batch() const {
  return std::max<std::size_t>(16, 4 * static_cast<std::size_t>(resolve_workers(workers_, ~std::size_t{0}, 1)));
}

void KsgConditionalMI::surrogates(const std::uint32_t* perms, std::size_t count, double* estimates) const {
  rules::check_permutations(perms, count, n_);
  const std::size_t cols = stride(), y0 = dx_ + dz_;
  const std::vector<const SortedColumn*> sorted = sorted_.without(y0, dy_);  // Y is permuted
  const SortedColumn* const* columns = sorted.empty() ? nullptr : sorted.data();
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
      double sum = 0.0;
      for (double v : local) sum += v;
      estimates[s] = sum / static_cast<double>(n_);
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
      double sum = 0.0;
      for (std::size_t i = 0; i < n; ++i) sum += out[i];
      estimates[e] = sum / static_cast<double>(n);
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
