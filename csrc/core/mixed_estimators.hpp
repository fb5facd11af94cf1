// k-nearest-neighbour estimators for data that mix discrete and continuous variables.
//
// Discrete columns are exact symbols: two rows belong to the same class when all their discrete columns are equal.
// Every distance is the max-norm, as in knn_estimators.hpp; inputs are used as given (no tie-breaking noise is
// added here, and the callers add none to discrete columns: their ties are the information). Each function
// writes the n local values, in nats, whose mean is the estimate. Throws std::invalid_argument for arguments no
// estimate exists for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/marginal.hpp"
#include "core/problem.hpp"

namespace infoscope {

// The classes of the rows of columns [first, first + dim) of a row-major table: rows with equal values in all of
// them share a class. id[i] is the class of row i (numbered in the order of the sorted rows), size[c] its count.
struct Classes {
  std::vector<std::uint32_t> id;
  std::vector<std::size_t> size;
};
Classes classes_of(const double* data, std::size_t n, std::size_t stride, std::size_t first, std::size_t dim);

// I(D;C) of a discrete D and a continuous C, Ross 2014 (PLoS ONE 9(2): e87357, eq. 2). data: n x (dd + dc), the
// dd discrete columns first. For sample i of class D = d (N_d samples): eps_i the distance to its k_i-th nearest
// neighbour in C among the other samples of its class, k_i = min(k, N_d - 1); m_i = #{j != i : |c_i - c_j| <= eps_i}
// over all samples (the k-th neighbour included, as Ross counts it);
//   I_i = psi(N) - psi(N_d) + psi(k_i) - psi(m_i).
// Where eps_i = 0 (C has an atom there, as a ReLU's zeros), k_i is the number of other samples of the class at
// distance 0, Gao et al. 2017's rule: psi(k_i) - psi(m_i) then estimates log P(d | atom) - log P(d) as counts do.
// Without exact ties in C this is Ross's estimator. One continuous column takes a sorted path (no index).
// A class with one sample has no neighbour: its samples are left out, N counts the others (as scikit-learn's
// mutual_info_classif does), and their local values are set to the mean of the others', so that the mean of the
// local values is the estimate. Throws when every class has a single sample.
void ross_mutual_info(const double* data, std::size_t n, std::size_t dd, std::size_t dc, std::size_t k, int workers,
                      double* local);

// Many Ross estimates over the columns of one table: estimate e is I(X;Y|Z) with X and Z continuous column sets
// and Y a discrete one (its rows' classes), by the chain rule of two Ross estimates, I(X,Z; Y) - I(Z; Y) (I(X; Y)
// without Z columns). The sets are given as to ksg_many; the table comes by column (by_column: cols x n, one
// column after another), since each estimate reads a few whole columns. The classes of each distinct Y and
// I(Z;Y) of each distinct (Z, Y) are computed once. Each estimate equals ross_mutual_info on its columns (to
// rounding: one column is summed as it is scanned, without local values); the estimates are spread over the
// threads, one per thread.
void ross_many(const double* by_column, std::size_t n, std::size_t cols, const std::size_t* columns,
               const std::size_t* bounds, std::size_t count, std::size_t k, int workers, double* estimates);

// I(X;Y) of variables that may mix point masses and densities, Gao, Kannan, Oh & Viswanath 2017 (NeurIPS,
// "Estimating mutual information for discrete-continuous mixtures", Algorithm 1). data: n x (dx + dy), X first.
// rho_i the distance to the k-th neighbour in the joint space; k_i = #{j != i : |w_i - w_j| = 0} when rho_i = 0
// (a point mass), else k; n_x = #{j != i : |x_i - x_j| <= rho_i}, n_y likewise;
//   I_i = psi(k_i) + log N - log(n_x + 1) - log(n_y + 1).
void gao_mutual_info(const double* data, std::size_t n, std::size_t dx, std::size_t dy, std::size_t k, int workers,
                     double* local);

// H(D, C) = H(D) + h(C | D) of discrete columns D and continuous columns C (data: n x (dd + dc), D first): the
// plug-in entropy of the classes plus, in each class d, the Kozachenko-Leonenko entropy of its C (Kraskov et al.
// 2004 eq. 20, max-norm) with k_d = min(k, N_d - 1):
//   H_i = -log(N_d / N) - psi(k_d) + psi(N_d) + dc log(2 eps_i).
// Without C columns, the plug-in entropy of D; without D columns, the Kozachenko-Leonenko entropy of C. A class
// with one sample has no density estimate: its samples take the mean h(C | D) of the others (their -log(N_d / N)
// term is exact). Throws when C has columns and every class has a single sample.
void mixed_entropy(const double* data, std::size_t n, std::size_t dd, std::size_t dc, std::size_t k, int workers,
                   double* local);

// I(X;Y|Z) of variables that may mix point masses and densities, Mesner & Shalizi 2020 (IEEE Trans. Inf. Theory
// 67(1), 464-484): the Frenzel-Pompe estimator with Gao et al.'s rule for k_i and non-strict counts of the other
// samples. rho_i the distance to the k-th neighbour in the joint (X, Z, Y) space; k_i = #{j != i : |w_i - w_j| = 0}
// when rho_i = 0, else k; n_xz = #{j != i : |xz_i - xz_j| <= rho_i}, and n_zy, n_z likewise;
//   I_i = psi(k_i) - psi(n_xz) - psi(n_zy) + psi(n_z),
// with psi(N) for psi(n_z) without Z columns. The non-strict count of others equals Frenzel-Pompe's strict count
// plus one in the space where the k-th neighbour's distance is attained, so on continuous data it is their
// estimator up to the other spaces' boundary points. Repeatable with the rows of Y permuted (permutation tests).
class MixedConditionalMI final : public CmiProblem {
 public:
  // data: n x (dx + dz + dy), columns ordered X, Z, Y; copied.
  MixedConditionalMI(const double* data, std::size_t n, std::size_t dx, std::size_t dz, std::size_t dy,
                     std::size_t k, int workers);

  std::size_t size() const override { return n_; }
  void locals(double* local) const override;
  // Surrogates run one per thread, each estimate from scratch.
  void surrogates(const std::uint32_t* perms, std::size_t count, double* estimates) const override;
  std::size_t surrogate_batch() const override;

 private:
  void fill(const double* data, int workers, double* local) const;

  std::vector<double> data_;
  std::size_t n_, dx_, dz_, dy_, k_;
  int workers_;
};

}  // namespace infoscope
