// k-nearest-neighbour estimators of entropy, mutual information and conditional mutual information.
//
// Every function takes a row-major matrix of n samples and writes the n local (pointwise) values, in nats, to
// `local`; their mean is the estimate. Inputs are used as given: standardisation, rank transforms and
// tie-breaking noise are the caller's choice. Throws std::invalid_argument for arguments no estimate exists for.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/distance.hpp"
#include "core/marginal.hpp"
#include "core/problem.hpp"

namespace infoscope {

// Kozachenko-Leonenko entropy in the form of Kraskov, Stoegbauer & Grassberger 2004, eq. 20:
//   h_i = -psi(k) + psi(n) + log c_d + d log eps_i,
// eps_i twice the distance from sample i to its k-th neighbour and c_d the volume of the unit-diameter ball
// (1 for the max-norm, pi^(d/2) / Gamma(1 + d/2) / 2^d for the Euclidean norm). A duplicated sample gives
// eps_i = 0 and h_i = -inf. data: n x d.
//
// With `weights` (k of them, summing to 1), the weighted estimator of Berrett, Samworth & Yuan 2019:
//   h_i = sum_j weights[j - 1] (-psi(j) + psi(n) + log c_d + d log eps_ij),
// eps_ij twice the distance to the j-th neighbour; weights chosen to cancel the leading bias terms make the
// estimator efficient in higher dimension. Without weights, all weight is on j = k.
void kl_entropy(const double* data, std::size_t n, std::size_t d, std::size_t k, Metric metric, int workers,
                double* local, const std::vector<double>& weights = {});

// The k nearest other rows of every row of data (n x d), max-norm, ties broken by the lower row index (so the sets
// are reproducible): out[i * k + j] is row i's (j+1)-th neighbour. For restricted permutations (Runge 2018).
void nearest_neighbours(const double* data, std::size_t n, std::size_t d, std::size_t k, int workers,
                        std::uint32_t* out);

// The local non-uniformity correction of Gao, Ver Steeg & Galstyan 2015 (LNC), added to KSG local values.
// For each sample i with offsets o_j = p_j - p_i to its k nearest joint neighbours (max-norm, lowest indices
// among ties), V_i is the volume of the axis-aligned box centred at p_i that holds them, and W_i that of the
// box aligned with the principal axes of the o_j (eigenvectors of sum_j o_j o_j^T). Where the neighbours are
// strongly non-uniform, log(W_i / V_i) < log_alpha, the local value gains log(V_i / W_i) > 0; elsewhere 0.
// Needs k >= d (the principal box of fewer than d offsets is flat). data: n x d, written to correction.
void lnc_correction(const double* data, std::size_t n, std::size_t d, std::size_t k, double log_alpha, int workers,
                    double* correction);

// KSG multi-information (total correlation) I(X_1; ...; X_m) = sum_v H(X_v) - H(X_1, ..., X_m) of m >= 2
// variables (Kraskov et al. 2004, Sec. II.C), max-norm in every space. data: n x (dims[0] + ... + dims[m-1]), the
// variables' columns side by side.
//   algorithm 1: eps_i = distance to the k-th joint neighbour, n_v = #{j != i : |x_v,i - x_v,j| < eps_i},
//                i_i = psi(k) + (m - 1) psi(n) - sum_v psi(n_v + 1)                             (eq. 11)
//   algorithm 2: eps_v,i = max v-distance among the k joint neighbours (lowest indices among ties),
//                n_v = #{j != i : |x_v,i - x_v,j| <= eps_v,i},
//                i_i = psi(k) - (m - 1)/k + (m - 1) psi(n) - sum_v psi(n_v)                     (eq. 12)
// A Theiler window leaves its samples out of the neighbour search and of every count.
void ksg_multi_information(const double* data, std::size_t n, const std::vector<std::size_t>& dims, std::size_t k,
                           int algorithm, const TimeWindow& window, int workers, double* local);

// KSG mutual information I(X;Y), the multi-information of m = 2 variables: eq. 8 (algorithm 1) and eq. 9
// (algorithm 2) of Kraskov et al. 2004. data: n x (dx + dy), X first.
void ksg_mutual_info(const double* data, std::size_t n, std::size_t dx, std::size_t dy, std::size_t k,
                     int algorithm, int workers, double* local, const TimeWindow& window = {});

class Excluded;  // the rows a TimeWindow leaves out of each sample's neighbours (knn_estimators.cpp)

// The nearest other samples (up to width) of every sample in one space (max-norm), a Theiler window's samples
// left out: the run of sample i is entries i * width .. i * width + count[i] - 1, by increasing distance, and
// every sample not in it is at least reach[i] away (infinity when all are in it).
struct NeighbourLists {
  std::size_t width = 0;
  std::vector<std::uint32_t> index, count;
  std::vector<double> dist, reach;
};

// The nearest neighbours in the X-Z and Z spaces of a conditional MI, which surrogates that permute Y leave
// unchanged. A surrogate's joint k-th neighbour and its counts are found by walking them (a few dozen entries per
// sample) instead of searching the joint space and counting in three spaces anew.
struct ConditioningNeighbours {
  NeighbourLists xz, z;
};

// Conditioning neighbours built once, by whichever problem sharing them needs them first.
struct SharedNeighbours {
  std::once_flag built;
  ConditioningNeighbours lists;
  // Cleared when a surrogate had to scan many samples in full (the lists hold too few of their neighbours):
  // later surrogates then search the spaces instead.
  std::atomic<bool> pays{true};
};

// Conditional mutual information I(X;Y|Z).
//   algorithm 1, Frenzel & Pompe 2007: with eps_i the distance to the k-th neighbour in the joint (X,Z,Y) space
//                and strict counts in the marginal spaces, i_i = psi(k) - psi(n_xz + 1) - psi(n_yz + 1) + psi(n_z + 1);
//   algorithm 2, Wibral, Vicente & Lindner 2014 (as JIDT's ConditionalMutualInfoCalculatorMultiVariateKraskov2):
//                with eps_x,i, eps_y,i, eps_z,i the largest X, Y and Z distances among the k joint neighbours
//                (lowest indices among ties), n_z = #{j != i : |z_i - z_j| <= eps_z,i}, n_xz the number of those
//                with also |x_i - x_j| <= eps_x,i, n_yz likewise,
//                i_i = psi(k) - 2/k + psi(n_z) - psi(n_xz) - psi(n_yz) + 1/n_xz + 1/n_yz;
// without Z columns, KSG I(X;Y) (ksg_mutual_info). Prepared to be repeated with the rows of Y permuted, as a
// permutation test does: the X-Z and Z spaces, which such surrogates leave unchanged, are built once. Transfer
// entropy is this CMI on a delay embedding, with Y the source's past.
class KsgConditionalMI final : public CmiProblem {
 public:
  // data: n x (dx + dz + dy), columns ordered X, Z, Y; copied (or taken over, as a vector). `workers` threads
  // serve every later call.
  KsgConditionalMI(const double* data, std::size_t n, std::size_t dx, std::size_t dz, std::size_t dy, std::size_t k,
                   TimeWindow window, int workers, int algorithm = 1);
  KsgConditionalMI(std::vector<double> data, std::size_t n, std::size_t dx, std::size_t dz, std::size_t dy,
                   std::size_t k, TimeWindow window, int workers, int algorithm = 1);
  KsgConditionalMI(const KsgConditionalMI&) = delete;  // the spaces point into data_
  KsgConditionalMI& operator=(const KsgConditionalMI&) = delete;

  std::size_t size() const override { return n_; }
  void locals(double* local) const override;
  // Surrogates run one per thread.
  void surrogates(const std::uint32_t* perms, std::size_t count, double* estimates) const override;
  std::size_t surrogate_batch() const override;
  // Shares other's conditioning neighbours when other has the same X and Z columns, window and algorithm (the
  // candidates Y of one greedy step given one X and Z): they are then built once for all. Returns whether it does.
  bool share_conditioning(const KsgConditionalMI& other);

 private:
  // Local values for data (X and Z columns as data_'s) whose ZY space is zy (null where no marginal spaces are
  // used); sorted: its columns sorted (SharedSorts::columns, entries may be null).
  void fill(const double* data, const Marginal* zy, const SortedColumn* const* sorted, int workers,
            double* local) const;
  // Whether the estimate counts in the marginal spaces (all but algorithm 2 with Z columns, which counts in boxes).
  bool counts_in_spaces() const { return algorithm_ == 1 || dz_ == 0; }
  // Whether Frenzel-Pompe counts come from a scan of all pairs (small n, 4+ joint dimensions; scan_counts).
  bool scans() const;
  // Whether surrogates walk the conditioning neighbours for eps_i and n_xz (algorithm 1 with Z columns, lists of
  // bounded size), and whether the Z lists also give n_z and n_zy (counts_from_lists; else the spaces do).
  bool walks_neighbours() const;
  bool counts_from_lists() const;
  std::size_t stride() const { return dx_ + dz_ + dy_; }

  std::vector<double> data_;
  std::size_t n_, dx_, dz_, dy_, k_;
  TimeWindow window_;
  int workers_, algorithm_;
  SharedSorts sorted_;            // the columns that the joint and marginal spaces share
  std::vector<Marginal> spaces_;  // XZ, ZY of data_, then Z when dz > 0 (none for algorithm 2 with Z columns)
  std::optional<SortedColumn> z_sorted_;  // Z's first column, for the box counts of algorithm 2
  std::shared_ptr<SharedNeighbours> neighbours_;  // built at the first surrogates
};

// Many estimates over the columns of one table: estimate e is I(X;Y|Z) (I(X;Y) without Z columns) with X, Z
// and Y the columns columns[bounds[4e]..bounds[4e+1]), [bounds[4e+1]..bounds[4e+2]) and
// [bounds[4e+2]..bounds[4e+3]) of data (n x cols, row-major). Each estimate is exactly that of a
// KsgConditionalMI on those columns; the estimates are spread over the threads, one per thread (a small
// estimate cannot keep several threads busy). Writes `count` estimates, and the count x n local values when
// `local` is not null.
void ksg_many(const double* data, std::size_t n, std::size_t cols, const std::size_t* columns,
              const std::size_t* bounds, std::size_t count, std::size_t k, const TimeWindow& window, int workers,
              double* estimates, double* local);

}  // namespace infoscope
