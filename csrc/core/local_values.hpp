// The local values of the k-NN estimators from their neighbour counts and distances, shared by the CPU core
// and the CUDA kernels so that both compute each value with the same operations in the same order.
#pragma once

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <vector>

#include "core/distance.hpp"
#include "core/hd.hpp"
#include "core/neighbors.hpp"
#include "core/special.hpp"

namespace infoscope {

INFOSCOPE_HD inline double psi(std::size_t count) { return digamma(static_cast<double>(count)); }

// psi of a count, evaluated where it is needed (the CUDA kernels), or looked up (PsiTable).
struct Digamma {
  INFOSCOPE_HD double operator()(std::size_t count) const { return psi(count); }
};

// KSG algorithm 1, Kraskov et al. 2004 eq. 8, from strict counts n_x, n_y.
template <class Psi = Digamma>
INFOSCOPE_HD inline double ksg1_local(double psi_k, double psi_n, std::size_t n_x, std::size_t n_y,
                                      const Psi& psi_of = {}) {
  return psi_k + psi_n - psi_of(n_x + 1) - psi_of(n_y + 1);
}

// Frenzel & Pompe 2007, from strict counts in the XZ, ZY and Z spaces.
template <class Psi = Digamma>
INFOSCOPE_HD inline double frenzel_pompe_local(double psi_k, std::size_t n_xz, std::size_t n_zy, std::size_t n_z,
                                               const Psi& psi_of = {}) {
  return psi_k - psi_of(n_xz + 1) - psi_of(n_zy + 1) + psi_of(n_z + 1);
}

// KSG algorithm 2, eq. 9, from non-strict counts; psi_k2 = psi(k) - 1/k.
template <class Psi = Digamma>
INFOSCOPE_HD inline double ksg2_local(double psi_k2, double psi_n, std::size_t n_x, std::size_t n_y,
                                      const Psi& psi_of = {}) {
  return psi_k2 + psi_n - psi_of(n_x) - psi_of(n_y);
}

// The constant of the KSG multi-information of m variables, Kraskov et al. 2004: psi(k) + (m - 1) psi(n)
// (algorithm 1, eq. 11) or psi(k) - (m - 1)/k + (m - 1) psi(n) (algorithm 2, eq. 12). The local value is the
// constant minus psi(n_v + 1) (algorithm 1, strict counts) or psi(n_v) (algorithm 2, non-strict counts) for each
// variable v in turn: for m = 2 the operations of ksg1_local and ksg2_local, so the same bits.
inline double ksg_multi_constant(std::size_t k, std::size_t n, std::size_t m, int algorithm) {
  const double others = static_cast<double>(m - 1);
  const double psi_k = algorithm == 1 ? psi(k) : psi(k) - others / static_cast<double>(k);
  return psi_k + others * psi(n);
}

// KSG algorithm 2 of I(X;Y|Z) in the form of Wibral, Vicente & Lindner 2014 (JIDT's
// ConditionalMutualInfoCalculatorMultiVariateKraskov2), from non-strict counts in the boxes the k joint neighbours
// span: psi(k) - 2/k + psi(n_z) - psi(n_xz) - psi(n_yz) + 1/n_xz + 1/n_yz; psi_k2 = psi(k) - 2/k.
template <class Psi = Digamma>
inline double ksg2_conditional_local(double psi_k2, std::size_t n_xz, std::size_t n_yz, std::size_t n_z,
                                     const Psi& psi_of = {}) {
  return psi_k2 + (psi_of(n_z) - psi_of(n_xz) - psi_of(n_yz)) + 1.0 / static_cast<double>(n_xz) +
         1.0 / static_cast<double>(n_yz);
}

// psi(c) for the values c that `counts` lists, each evaluated once: an estimate's counts repeat (at most n + 1
// distinct values, mostly small), and a digamma costs a log and up to ten divisions. The same psi(c), so the
// same bits. counts(mark) calls mark(c) for every value.
class PsiTable {
 public:
  template <class Counts>
  PsiTable(std::size_t max_count, Counts&& counts) : values_(max_count + 1, 0.0) {
    std::vector<unsigned char> wanted(max_count + 1, 0);
    counts([&](std::size_t c) { wanted[c] = 1; });
    for (std::size_t c = 0; c <= max_count; ++c) {
      if (wanted[c]) values_[c] = psi(c);
    }
  }
  double operator()(std::size_t count) const { return values_[count]; }

 private:
  std::vector<double> values_;
};

// Kozachenko-Leonenko (weighted when several w_j are non-zero): constant + sum_j w_j d log(2 dist_j), nb the
// k nearest neighbours by distance.
INFOSCOPE_HD inline double kl_local(double constant, const double* w, std::size_t k, double d, const Neighbor* nb) {
  double sum = constant;
  for (std::size_t j = 0; j < k; ++j) {
    if (w[j] != 0.0) sum += w[j] * d * std::log(2.0 * nb[j].dist);
  }
  return sum;
}

// The weights of kl_local: as given (one per j = 1..k), or all on j = k (the plain estimator) when empty.
inline std::vector<double> kl_weights(const std::vector<double>& weights, std::size_t k) {
  if (!weights.empty() && weights.size() != k) throw std::invalid_argument("weights must hold one weight per j = 1..k");
  if (!weights.empty()) return weights;
  std::vector<double> w(k, 0.0);
  w[k - 1] = 1.0;
  return w;
}

// The constant of kl_local: sum_j w_j (-psi(j) + psi(n) + log c_d), c_d the volume of the unit-diameter ball
// (1 for the max-norm, pi^(d/2) / Gamma(1 + d/2) / 2^d for the Euclidean norm).
inline double kl_constant(const std::vector<double>& w, std::size_t n, std::size_t d, Metric metric) {
  const double dd = static_cast<double>(d);
  const double log_cd = metric == Metric::Chebyshev
                            ? 0.0
                            : 0.5 * dd * std::log(M_PI) - std::lgamma(1.0 + 0.5 * dd) - dd * std::log(2.0);
  double constant = 0.0;
  for (std::size_t j = 1; j <= w.size(); ++j) constant += w[j - 1] * (-psi(j) + psi(n) + log_cd);
  return constant;
}

// log((1/n) sum_j exp(scale |x_i - x_j|^2)) over the n rows of x (n x d), the term of the pairwise-distance
// entropy bounds (kernel_density.hpp); scale = -1 / (2 h).
INFOSCOPE_HD inline double gaussian_kernel_log_mean_row(const double* x, std::size_t n, std::size_t d, std::size_t i,
                                                        double scale) {
  const double* xi = x + i * d;
  double sum = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    const double* xj = x + j * d;
    double dist2 = 0.0;
    for (std::size_t c = 0; c < d; ++c) {
      const double diff = xi[c] - xj[c];
      dist2 += diff * diff;
    }
    sum += std::exp(scale * dist2);
  }
  return std::log(sum / static_cast<double>(n));
}

}  // namespace infoscope
