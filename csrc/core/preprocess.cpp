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
  // (columns at 1e155) or underflow (at 1e-165) whatever the scale of the data. 2^-e is applied as two factors,
  // each a normal double, since e runs from -1074 to 1024.
  std::vector<int> exponent(d, 0);
  std::vector<double> f1(d, 1.0), f2(d, 1.0);
  std::vector<double> mean(d, 0.0), sum_sq(d, 0.0), spread(d, 1.0);
  std::size_t first = 0;
  for (const ColumnBlock& b : blocks) {
    std::vector<double> largest(b.cols, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < b.cols; ++c) largest[c] = std::max(largest[c], std::fabs(b.data[i * b.cols + c]));
    }
    for (std::size_t c = 0; c < b.cols; ++c) {
      int& e = exponent[first + c];
      std::frexp(largest[c], &e);
      f1[first + c] = std::ldexp(1.0, -e / 2);
      f2[first + c] = std::ldexp(1.0, -e - (-e / 2));
    }
    first += b.cols;
  }
  // Row by row over each block, as numpy's reductions along axis 0 run: the same order, the same sums.
  first = 0;
  for (const ColumnBlock& b : blocks) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < b.cols; ++c) mean[first + c] += b.data[i * b.cols + c] * f1[first + c] * f2[first + c];
    }
    first += b.cols;
  }
  for (double& m : mean) m /= nd;
  first = 0;
  for (const ColumnBlock& b : blocks) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < b.cols; ++c) {
        const std::size_t col = first + c;
        const double centred = b.data[i * b.cols + c] * f1[col] * f2[col] - mean[col];
        sum_sq[col] += centred * centred;
      }
    }
    first += b.cols;
  }
  std::vector<double> divisor(d, 0.0);  // the standard deviation at the column's own 2^-e scale; 0: constant
  for (std::size_t c = 0; c < d; ++c) {
    divisor[c] = std::sqrt(sum_sq[c] / nd);
    const double kept = divisor[c] > 0 ? std::ldexp(divisor[c], exponent[c]) : 1.0;
    scale[c] = normalize ? kept : 1.0;
    spread[c] = normalize ? noise_scale : noise_scale * kept;  // a constant column's noise on an absolute scale
  }
  first = 0;
  for (const ColumnBlock& b : blocks) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < b.cols; ++c) {
        const std::size_t col = first + c;
        const double v = b.data[i * b.cols + c];
        double x = v;
        if (normalize) {
          const double centred = v * f1[col] * f2[col] - mean[col];
          // A constant column is only centred, back at its own scale.
          x = divisor[col] > 0 ? centred / divisor[col] : std::ldexp(centred, exponent[col]);
        }
        if (noise) x = noise[i * d + col] * spread[col] + x;
        out[i * d + col] = x;
      }
    }
    first += b.cols;
  }
}

}  // namespace infoscope
