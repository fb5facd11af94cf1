#include "core/preprocess.hpp"

#include <algorithm>
#include <cmath>

namespace infoscope {

void standardize(const std::vector<ColumnBlock>& blocks, std::size_t n, bool normalize, const double* noise,
                 double noise_scale, double* out, double* scale) {
  std::size_t d = 0;
  for (const ColumnBlock& b : blocks) d += b.cols;
  const double nd = static_cast<double>(n);
  // Each column is first multiplied by the power of two 2^-e that brings its largest magnitude into [0.5, 1):
  // exact, so the result is bitwise that of the unscaled column, and the sums of squares below cannot overflow
  // (columns at 1e155) or underflow (at 1e-165) whatever the scale of the data.
  std::vector<int> exponent(d, 0);
  std::vector<double> mean(d, 0.0), sum_sq(d, 0.0), spread(d, 1.0);
  std::size_t first = 0;
  for (const ColumnBlock& b : blocks) {
    for (std::size_t c = 0; c < b.cols; ++c) {
      double largest = 0.0;
      for (std::size_t i = 0; i < n; ++i) largest = std::max(largest, std::fabs(b.data[i * b.cols + c]));
      std::frexp(largest, &exponent[first + c]);
    }
    first += b.cols;
  }
  // Row by row over each block, as numpy's reductions along axis 0 run: the same order, the same sums.
  first = 0;
  for (const ColumnBlock& b : blocks) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < b.cols; ++c) mean[first + c] += std::ldexp(b.data[i * b.cols + c], -exponent[first + c]);
    }
    first += b.cols;
  }
  for (double& m : mean) m /= nd;
  first = 0;
  for (const ColumnBlock& b : blocks) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < b.cols; ++c) {
        const double centred = std::ldexp(b.data[i * b.cols + c], -exponent[first + c]) - mean[first + c];
        sum_sq[first + c] += centred * centred;
      }
    }
    first += b.cols;
  }
  std::vector<double> divisor(d, 1.0);  // the standard deviation at the column's own 2^-e scale
  for (std::size_t c = 0; c < d; ++c) {
    const double s = std::sqrt(sum_sq[c] / nd);
    const double kept = s > 0 ? std::ldexp(s, exponent[c]) : 1.0;  // a constant column is only centred; its
                                                                     // noise on an absolute scale
    divisor[c] = s > 0 ? s : std::ldexp(1.0, -exponent[c]);
    scale[c] = normalize ? kept : 1.0;
    spread[c] = normalize ? noise_scale : noise_scale * kept;
  }
  first = 0;
  for (const ColumnBlock& b : blocks) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < b.cols; ++c) {
        const std::size_t col = first + c;
        const double v = b.data[i * b.cols + c];
        double x = normalize ? (std::ldexp(v, -exponent[col]) - mean[col]) / divisor[col] : v;
        if (noise) x = noise[i * d + col] * spread[col] + x;
        out[i * d + col] = x;
      }
    }
    first += b.cols;
  }
}

}  // namespace infoscope
