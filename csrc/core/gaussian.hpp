// The cross-products of Gaussian CMI surrogates: what a permutation of Y's rows changes in the covariance.
//
// A surrogate of the Gaussian I(X;Y|Z) needs only g = W^T Y_pi / n (W: the whitened [Z, X], n x a; Y: n x dy);
// numpy would first gather Y_pi (count x n x dy, a large temporary per batch) and then multiply. Here each
// surrogate gathers one column of Y_pi into a reused buffer and takes its dot products with the columns of W,
// in parallel over surrogates.
#pragma once

#include <cstddef>
#include <cstdint>

namespace infoscope {

// out[(s * a + j) * dy + d] = sum_i wt[j * n + i] * y[perms[s * n + i] * dy + d] / n for s < count: wt is W
// transposed (a x n, row-major). Every perms entry must be below n (checked).
void permuted_cross_products(const double* wt, std::size_t a, std::size_t n, const double* y, std::size_t dy,
                             const std::uint32_t* perms, std::size_t count, int workers, double* out);

}  // namespace infoscope
