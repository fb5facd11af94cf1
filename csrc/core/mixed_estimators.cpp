#include "core/mixed_estimators.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/grid.hpp"
#include "core/kdtree.hpp"
#include "core/local_values.hpp"
#include "core/parallel.hpp"
#include "core/rules.hpp"
#include "core/sorted_axis.hpp"
#include "core/special.hpp"

namespace infoscope {

namespace {

// As in knn_estimators.cpp: queries in chunks of neighbouring tree positions, one thread below kMinPerThread each.
constexpr std::size_t kChunk = 64;
constexpr std::size_t kLocalsChunk = 4096;
constexpr std::size_t kMinPerThread = 512;

// Runs fn(index) with a max-norm neighbour index over columns [first, first + dim): a grid where it helps, a
// KD-tree otherwise (both exact, ties included).
template <class Fn>
void with_index(const double* data, std::size_t n, std::size_t stride, std::size_t first, std::size_t dim,
                int workers, Fn&& fn) {
  if (const std::optional<Grid> grid = Grid::build(data, n, stride, first, dim)) {
    fn(*grid);
  } else {
    fn(KDTree(data, n, stride, first, dim, 0, workers));
  }
}

// Max-norm distance from every row to its k-th nearest other row in columns [first, first + dim).
std::vector<double> kth_distances(const double* data, std::size_t n, std::size_t stride, std::size_t first,
                                  std::size_t dim, std::size_t k, int workers) {
  std::vector<double> eps(n);
  with_index(data, n, stride, first, dim, workers, [&](const auto& index) {
    parallel_for(index.size(), workers, kChunk, kMinPerThread, [&](std::size_t begin, std::size_t end) {
      std::vector<Neighbor> nb(k);
      for (std::size_t pos = begin; pos < end; ++pos) {
        index.knn_of(pos, k, Metric::Chebyshev, Ties::Any, nb.data());
        eps[index.original_index(pos)] = nb[k - 1].dist;
      }
    });
  });
  return eps;
}

template <class Fn>
void fill_locals(std::size_t n, int workers, double* local, Fn&& fn) {
  parallel_for(n, workers, kLocalsChunk, kMinPerThread * 16, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) local[i] = fn(i);
  });
}

// Joint-space k_i of Gao et al. 2017: the number of other rows at distance 0 where rho_i = 0 (a point mass), k
// elsewhere. The duplicates are counted only when some rho_i is 0.
std::vector<std::size_t> gao_k(const double* data, std::size_t n, std::size_t stride, std::size_t dim,
                               const std::vector<double>& rho, std::size_t k, int workers) {
  std::vector<std::size_t> k_of(n, k);
  if (std::none_of(rho.begin(), rho.end(), [](double r) { return r == 0.0; })) return k_of;
  const std::vector<double> zero(n, 0.0);
  const std::vector<std::size_t> same = Marginal(data, n, stride, 0, dim, workers).others_within(zero.data(), false,
                                                                                                 workers);
  for (std::size_t i = 0; i < n; ++i) {
    if (rho[i] == 0.0) k_of[i] = same[i];
  }
  return k_of;
}

// Rows of columns [first, first + dim) grouped by class: the rows of class c are rows[start[c]..start[c + 1]).
struct ClassRows {
  std::vector<std::size_t> rows, start;
};

ClassRows rows_by_class(const Classes& cls) {
  ClassRows g;
  g.start.assign(cls.size.size() + 1, 0);
  for (std::size_t c = 0; c < cls.size.size(); ++c) g.start[c + 1] = g.start[c] + cls.size[c];
  g.rows.resize(cls.id.size());
  std::vector<std::size_t> next(g.start.begin(), g.start.end() - 1);
  for (std::size_t i = 0; i < cls.id.size(); ++i) g.rows[next[cls.id[i]]++] = i;
  return g;
}

// For every row, the distance to its k_i-th nearest other row of its class in columns [first, first + dim), with
// k_i = min(k, class size - 1); NaN (and k_i = 0) for a row alone in its class. With `atoms`, a row whose distance
// is 0 takes k_i = the number of other rows of its class at distance 0 (Gao et al. 2017's rule). Each class gets
// its own index.
void within_class_kth(const double* data, std::size_t stride, std::size_t first, std::size_t dim,
                      const Classes& cls, std::size_t k, bool atoms, int workers, std::vector<double>& eps,
                      std::vector<std::size_t>& k_of) {
  const std::size_t n = cls.id.size();
  eps.assign(n, std::numeric_limits<double>::quiet_NaN());
  k_of.assign(n, 0);
  const ClassRows g = rows_by_class(cls);
  std::vector<double> block;
  for (std::size_t c = 0; c < cls.size.size(); ++c) {
    const std::size_t size = cls.size[c];
    if (size < 2) continue;
    const std::size_t kc = std::min(k, size - 1);
    const std::size_t* rows = g.rows.data() + g.start[c];
    block.resize(size * dim);
    for (std::size_t r = 0; r < size; ++r) std::copy_n(data + rows[r] * stride + first, dim, &block[r * dim]);
    const std::vector<double> d = kth_distances(block.data(), size, dim, 0, dim, kc, workers);
    const std::vector<std::size_t> k_block = atoms ? gao_k(block.data(), size, dim, dim, d, kc, workers)
                                                   : std::vector<std::size_t>(size, kc);
    for (std::size_t r = 0; r < size; ++r) {
      eps[rows[r]] = d[r];
      k_of[rows[r]] = k_block[r];
    }
  }
}

}  // namespace

Classes classes_of(const double* data, std::size_t n, std::size_t stride, std::size_t first, std::size_t dim) {
  if (n > std::numeric_limits<std::uint32_t>::max()) throw std::invalid_argument("too many samples for classes");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto row = [&](std::size_t i) { return data + i * stride + first; };
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::lexicographical_compare(row(a), row(a) + dim, row(b), row(b) + dim);
  });
  Classes cls;
  cls.id.resize(n);
  for (std::size_t r = 0; r < n; ++r) {
    const std::size_t i = order[r];
    if (r == 0 || !std::equal(row(i), row(i) + dim, row(order[r - 1]))) cls.size.push_back(0);
    cls.id[i] = static_cast<std::uint32_t>(cls.size.size() - 1);
    ++cls.size.back();
  }
  return cls;
}

namespace {

// Ross's eps_i, k_i and m_i (see ross_mutual_info) of one continuous column, from sorted values: the k-th
// neighbour of a row in its class lies among the k rows on either side of it in the class's order, and the rows
// within eps_i of it lie next to it in the order of the kept rows. Every distance is |c_i - c_j|
// rounded as the general path rounds it (fl(a - b) = -fl(b - a)), so both give the same counts, ties included.
// Calls emit(i, eps_i, k_i, m_i) for every row i whose class repeats.
template <class Emit>
void ross_1d(const double* data, std::size_t n, std::size_t stride, std::size_t first, const Classes& cls,
             std::size_t k, Emit&& emit) {
  const SortedColumn order(data, n, stride, first);
  const ClassRows g = rows_by_class(cls);
  std::vector<std::size_t> next(g.start.begin(), g.start.end() - 1);
  std::vector<double> sorted(n), kept_values;  // sorted: each class's values in order, in the class's slots of g
  std::vector<std::size_t> rows(n), kept_at(n);  // the row at each slot; each kept row's position in kept_values
  kept_values.reserve(n);
  for (std::size_t pos = 0; pos < n; ++pos) {
    const double v = order.values[pos];
    const std::size_t i = order.order[pos];
    const std::size_t slot = next[cls.id[i]]++;
    sorted[slot] = v;
    rows[slot] = i;
    if (cls.size[cls.id[i]] > 1) {
      kept_at[i] = kept_values.size();
      kept_values.push_back(v);
    }
  }
  for (std::size_t c = 0; c < cls.size.size(); ++c) {
    const std::size_t size = cls.size[c];
    if (size < 2) continue;
    const double* v = sorted.data() + g.start[c];
    const std::size_t kc = std::min(k, size - 1);
    for (std::size_t p = 0; p < size; ++p) {
      std::size_t left = p, right = p + 1;  // the next candidates are v[left - 1] and v[right]
      double d = 0.0;
      for (std::size_t t = 0; t < kc; ++t) {
        const double dl = left > 0 ? v[p] - v[left - 1] : std::numeric_limits<double>::infinity();
        const double dr = right < size ? v[right] - v[p] : std::numeric_limits<double>::infinity();
        if (dl <= dr) {
          d = dl, --left;
        } else {
          d = dr, ++right;
        }
      }
      const std::size_t i = rows[g.start[c] + p];
      // Gao et al.'s rule at an atom: k_i = the other rows of the class with the same value.
      const std::size_t k_i = d > 0.0 ? kc
                                      : static_cast<std::size_t>(std::upper_bound(v, v + size, v[p]) -
                                                                 std::lower_bound(v, v + size, v[p])) - 1;
      // The kept rows within d of this one lie on either side of it in their order (equal values included).
      const double x = v[p];
      const std::size_t at = kept_at[i];
      std::size_t count = 0;
      for (std::size_t j = at; j > 0 && x - kept_values[j - 1] <= d; --j) ++count;
      for (std::size_t j = at + 1; j < kept_values.size() && kept_values[j] - x <= d; ++j) ++count;
      emit(i, d, k_i, count);
    }
  }
}

// Ross's local values of the continuous columns [first, first + dc) of data against the classes cls (see
// ross_mutual_info); one continuous column takes the sorted path.
// psi_of[m] = psi(m) for m in 1..n: the counts' digammas, looked up (the same values psi gives).
void ross_locals(const double* data, std::size_t n, std::size_t stride, std::size_t first, std::size_t dc,
                 const Classes& cls, std::size_t k, const std::vector<double>& psi_of, int workers, double* local) {
  rules::check_k(n, k);
  std::vector<double> eps;
  std::vector<std::size_t> k_of, within;
  if (dc == 1) {
    eps.assign(n, std::numeric_limits<double>::quiet_NaN());
    k_of.assign(n, 0);
    within.assign(n, 0);
    ross_1d(data, n, stride, first, cls, k, [&](std::size_t i, double d, std::size_t k_i, std::size_t m_i) {
      eps[i] = d, k_of[i] = k_i, within[i] = m_i;
    });
  } else {
    within_class_kth(data, stride, first, dc, cls, k, true, workers, eps, k_of);
  }
  std::vector<std::size_t> kept;  // the rows whose class repeats
  for (std::size_t i = 0; i < n; ++i) {
    if (k_of[i] > 0) kept.push_back(i);
  }
  rules::check_repeated_class(kept.size());
  if (dc != 1) {
    // m_i counts the kept samples only: the continuous columns of the rows whose class repeats, side by side.
    std::vector<double> c(kept.size() * dc), radii(kept.size());
    for (std::size_t r = 0; r < kept.size(); ++r) {
      std::copy_n(data + kept[r] * stride + first, dc, &c[r * dc]);
      radii[r] = eps[kept[r]];
    }
    const auto counts = Marginal(c.data(), kept.size(), dc, 0, dc, workers).others_within(radii.data(), false,
                                                                                          workers);
    within.assign(n, 0);
    for (std::size_t r = 0; r < kept.size(); ++r) within[kept[r]] = counts[r];
  }
  const std::size_t m = kept.size();
  const double psi_n = psi_of[m];
  std::vector<double> kept_local(m);
  fill_locals(m, workers, kept_local.data(), [&](std::size_t r) {
    const std::size_t i = kept[r];
    return psi_n - psi_of[cls.size[cls.id[i]]] + psi_of[k_of[i]] - psi_of[within[i]];
  });
  double sum = 0.0;
  for (double v : kept_local) sum += v;
  std::fill(local, local + n, sum / static_cast<double>(m));  // the left-out samples: the mean of the others
  for (std::size_t r = 0; r < m; ++r) local[kept[r]] = kept_local[r];
}

// The mean of ross_locals' values for one continuous column, summed as the rows come (no per-row arrays): the
// left-out rows' locals are the mean of the others', so the mean is that of the kept rows,
// psi(m) - sum_c N_c psi(N_c) / m + sum_i (psi(k_i) - psi(m_i)) / m over the m kept rows.
double ross_mean_1d(const double* column, std::size_t n, const Classes& cls, std::size_t k,
                    const std::vector<double>& psi_of) {
  rules::check_k(n, k);
  double counts = 0.0;
  std::size_t kept = 0;
  ross_1d(column, n, 1, 0, cls, k, [&](std::size_t, double, std::size_t k_i, std::size_t m_i) {
    counts += psi_of[k_i] - psi_of[m_i];
    ++kept;
  });
  rules::check_repeated_class(kept);
  double classes = 0.0;
  for (std::size_t size : cls.size) {
    if (size > 1) classes += static_cast<double>(size) * psi_of[size];
  }
  const double m = static_cast<double>(kept);
  return psi_of[kept] - classes / m + counts / m;
}

std::vector<double> integer_psi(std::size_t n) {
  std::vector<double> out(n + 1, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t m = 1; m <= n; ++m) out[m] = psi(static_cast<double>(m));
  return out;
}

}  // namespace

void ross_mutual_info(const double* data, std::size_t n, std::size_t dd, std::size_t dc, std::size_t k, int workers,
                      double* local) {
  rules::check_columns(dd, dc);
  ross_locals(data, n, dd + dc, dd, dc, classes_of(data, n, dd + dc, 0, dd), k, integer_psi(n), workers, local);
}

void ross_many(const double* by_column, std::size_t n, std::size_t cols, const std::size_t* columns,
               const std::size_t* bounds, std::size_t count, std::size_t k, int workers, double* estimates) {
  rules::check_selections(columns, bounds, count, cols);
  rules::check_k(n, k);
  using Columns = std::vector<std::size_t>;
  auto set = [&](std::size_t e, int part) {  // part 0, 1, 2: estimate e's X, Z, Y columns
    const std::size_t* b = bounds + 4 * e;
    return Columns(columns + b[part], columns + b[part + 1]);
  };
  auto gathered = [&](const Columns& picked) {  // row-major n x picked
    std::vector<double> table(n * picked.size());
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < picked.size(); ++c) table[i * picked.size() + c] = by_column[picked[c] * n + i];
    }
    return table;
  };
  const std::vector<double> psi_of = integer_psi(n);
  auto ross_mean = [&](const Columns& picked, const Classes& cls, std::vector<double>& local) {
    if (picked.size() == 1) return ross_mean_1d(by_column + picked[0] * n, n, cls, k, psi_of);
    const std::vector<double> table = gathered(picked);
    ross_locals(table.data(), n, picked.size(), 0, picked.size(), cls, k, psi_of, 1, local.data());
    return std::accumulate(local.begin(), local.end(), 0.0) / static_cast<double>(n);
  };
  // The classes of each distinct Y and I(Z; Y) of each distinct (Z, Y) with Z columns, computed once: the
  // candidates of a greedy step share them.
  std::map<Columns, Classes> classes;
  std::map<std::pair<Columns, Columns>, double> conditions;  // (Z, Y) -> I(Z; Y)
  for (std::size_t e = 0; e < count; ++e) {
    const auto y = set(e, 2);
    if (classes.find(y) == classes.end()) {
      const std::vector<double> table = gathered(y);
      classes.emplace(y, classes_of(table.data(), n, y.size(), 0, y.size()));
    }
    if (bounds[4 * e + 2] > bounds[4 * e + 1]) conditions.emplace(std::make_pair(set(e, 1), y), 0.0);
  }
  std::vector<std::pair<const std::pair<Columns, Columns>, double>*> todo;
  for (auto& entry : conditions) todo.push_back(&entry);
  parallel_for(todo.size(), workers, 1, 1, [&](std::size_t begin, std::size_t end) {
    std::vector<double> local(n);
    for (std::size_t t = begin; t < end; ++t) {
      todo[t]->second = ross_mean(todo[t]->first.first, classes.at(todo[t]->first.second), local);
    }
  });
  parallel_for(count, workers, 1, 1, [&](std::size_t begin, std::size_t end) {
    std::vector<double> local(n);
    for (std::size_t e = begin; e < end; ++e) {
      const std::size_t* b = bounds + 4 * e;
      const Columns xz(columns + b[0], columns + b[2]), y = set(e, 2);
      const double joint = ross_mean(xz, classes.at(y), local);
      estimates[e] = b[2] > b[1] ? joint - conditions.at({set(e, 1), y}) : joint;
    }
  });
}

void gao_mutual_info(const double* data, std::size_t n, std::size_t dx, std::size_t dy, std::size_t k, int workers,
                     double* local) {
  rules::check_k(n, k);
  rules::check_columns(dx, dy);
  const std::size_t stride = dx + dy;
  const std::vector<double> rho = kth_distances(data, n, stride, 0, stride, k, workers);
  const std::vector<std::size_t> k_of = gao_k(data, n, stride, stride, rho, k, workers);
  const auto n_x = Marginal(data, n, stride, 0, dx, workers).others_within(rho.data(), false, workers);
  const auto n_y = Marginal(data, n, stride, dx, dy, workers).others_within(rho.data(), false, workers);
  const double log_n = std::log(static_cast<double>(n));
  fill_locals(n, workers, local, [&](std::size_t i) {
    return psi(k_of[i]) + log_n - std::log(static_cast<double>(n_x[i] + 1)) -
           std::log(static_cast<double>(n_y[i] + 1));
  });
}

void mixed_entropy(const double* data, std::size_t n, std::size_t dd, std::size_t dc, std::size_t k, int workers,
                   double* local) {
  if (dd + dc == 0) throw std::invalid_argument("x needs at least one column");
  const std::size_t stride = dd + dc;
  Classes cls;
  if (dd > 0) {
    cls = classes_of(data, n, stride, 0, dd);
  } else {  // one class: the Kozachenko-Leonenko entropy of C
    cls.id.assign(n, 0);
    cls.size.assign(1, n);
  }
  const double log_n = std::log(static_cast<double>(n));
  auto discrete_part = [&](std::size_t i) { return log_n - std::log(static_cast<double>(cls.size[cls.id[i]])); };
  if (dc == 0) {
    fill_locals(n, workers, local, discrete_part);
    return;
  }
  rules::check_k(n, k);
  std::vector<double> eps;
  std::vector<std::size_t> k_of;
  within_class_kth(data, stride, dd, dc, cls, k, false, workers, eps, k_of);
  const double dim = static_cast<double>(dc);
  fill_locals(n, workers, local, [&](std::size_t i) {
    return k_of[i] == 0 ? 0.0 : -psi(k_of[i]) + psi(cls.size[cls.id[i]]) + dim * std::log(2.0 * eps[i]);
  });
  std::size_t kept = 0;
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (k_of[i] > 0) sum += local[i], ++kept;
  }
  rules::check_repeated_class(kept);
  const double mean = sum / static_cast<double>(kept);  // h(C | D) of the classes that repeat
  for (std::size_t i = 0; i < n; ++i) local[i] = discrete_part(i) + (k_of[i] > 0 ? local[i] : mean);
}

MixedConditionalMI::MixedConditionalMI(const double* data, std::size_t n, std::size_t dx, std::size_t dz,
                                       std::size_t dy, std::size_t k, int workers)
    : data_(data, data + n * (dx + dz + dy)), n_(n), dx_(dx), dz_(dz), dy_(dy), k_(k), workers_(workers) {
  rules::check_k(n, k);
  rules::check_columns(dx, dy);
}

void MixedConditionalMI::fill(const double* data, int workers, double* local) const {
  const std::size_t stride = dx_ + dz_ + dy_;
  const std::vector<double> rho = kth_distances(data, n_, stride, 0, stride, k_, workers);
  const std::vector<std::size_t> k_of = gao_k(data, n_, stride, stride, rho, k_, workers);
  const auto n_xz = Marginal(data, n_, stride, 0, dx_ + dz_, workers).others_within(rho.data(), false, workers);
  const auto n_zy = Marginal(data, n_, stride, dx_, dz_ + dy_, workers).others_within(rho.data(), false, workers);
  std::vector<std::size_t> n_z;
  if (dz_ > 0) n_z = Marginal(data, n_, stride, dx_, dz_, workers).others_within(rho.data(), false, workers);
  const double psi_n = psi(n_);
  fill_locals(n_, workers, local, [&](std::size_t i) {
    return psi(k_of[i]) - psi(n_xz[i]) - psi(n_zy[i]) + (dz_ > 0 ? psi(n_z[i]) : psi_n);
  });
}

void MixedConditionalMI::locals(double* local) const { fill(data_.data(), workers_, local); }

std::size_t MixedConditionalMI::surrogate_batch() const {
  return std::max<std::size_t>(16, 4 * static_cast<std::size_t>(resolve_workers(workers_, ~std::size_t{0}, 1)));
}

void MixedConditionalMI::surrogates(const std::uint32_t* perms, std::size_t count, double* estimates) const {
  rules::check_permutations(perms, count, n_);
  const std::size_t cols = dx_ + dz_ + dy_, y0 = dx_ + dz_;
  parallel_for(count, workers_, 1, 1, [&](std::size_t begin, std::size_t end) {
    std::vector<double> data(data_);
    std::vector<double> local(n_);
    for (std::size_t s = begin; s < end; ++s) {
      const std::uint32_t* perm = perms + s * n_;
      for (std::size_t i = 0; i < n_; ++i) std::copy_n(&data_[perm[i] * cols + y0], dy_, &data[i * cols + y0]);
      fill(data.data(), 1, local.data());
      double sum = 0.0;
      for (double v : local) sum += v;
      estimates[s] = sum / static_cast<double>(n_);
    }
  });
}

}  // namespace infoscope
