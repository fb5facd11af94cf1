// Column standardisation and tie-breaking noise, the preprocessing of every k-NN estimate, in one pass over the
// columns of several blocks laid side by side. The sums run over the rows in order, as numpy reduces an (n, d)
// array along its rows for d >= 2, so the results are numpy's bit for bit (tests/test_engine.py checks it), and
// they stay exact at any finite scale, where numpy's sums of squares overflow or underflow.
#pragma once

#include <cstddef>
#include <vector>

namespace infoscope {

// A row-major block of n rows and `cols` columns.
struct ColumnBlock {
  const double* data;
  std::size_t cols;
};

// out (n x the blocks' columns, row-major) = the blocks side by side, each column c centred and divided by its
// population standard deviation s_c (mean of squared deviations; 1 for a constant column) when `normalize`,
// plus noise[i, c] * noise_scale * (normalize ? 1 : s_c) when `noise` is given (n x columns, standard normal
// draws). scale[c] = s_c when normalize, else 1: the factor divided out of column c.
void standardize(const std::vector<ColumnBlock>& blocks, std::size_t n, bool normalize, const double* noise,
                 double noise_scale, double* out, double* scale);

}  // namespace infoscope
