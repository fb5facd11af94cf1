// Pairwise-distance bounds on the entropy of a Gaussian mixture: the entropy of X + N(0, s^2 I) for X uniform
// over the N samples (Kolchinsky & Tracey 2017, "Estimating mixture entropy with pairwise distances"; used for
// the information plane by Saxe et al. 2018).
#pragma once

#include <cstddef>

namespace infoscope {

// out[i] = log((1/N) sum_j exp(-||x_i - x_j||^2 / (2 h))) over all N rows j (j = i included) of the row-major
// N x d array x. The j = i term is 1, so the sum never underflows to 0 and out[i] lies in [-log N, 0].
// With h = s^2 this is the KL term of the upper bound, with h = 4 s^2 the Bhattacharyya term of the lower bound.
void gaussian_kernel_log_mean(const double* x, std::size_t n, std::size_t d, double h, int workers, double* out);

}  // namespace infoscope
