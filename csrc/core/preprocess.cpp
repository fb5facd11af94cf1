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
  // Column by column with the accumulators in registers; each column's rows are added in row order, as numpy's
  // reductions along axis 0 add them, so the sums are numpy's. (Row-outer loops kept the accumulators in memory,
  // and the store and reload of each row were most of the time.)
  std::size_t first = 0;
  for (const ColumnBlock& b : blocks) {
    for (std::size_t c = 0; c < b.cols; ++c) {
      const std::size_t col = first + c;
      const double* v = b.data + c;
      const std::size_t stride = b.cols;
      double largest = 0.0;
      for (std::size_t i = 0; i < n; ++i) largest = std::max(largest, std::fabs(v[i * stride]));
      // The column is multiplied by the power of two 2^-e that brings its largest magnitude into [0.5, 1):
      // exact, so the result is bitwise that of the unscaled column, and the sum of squares below cannot overflow
      // (columns at 1e155) or underflow (at 1e-165) whatever the scale of the data. 2^-e is applied as two
      // factors, each a normal double, since e runs from -1074 to 1024.
      int e = 0;
      std::frexp(largest, &e);
      const double f1 = std::ldexp(1.0, -e / 2), f2 = std::ldexp(1.0, -e - (-e / 2));
      double mean = 0.0;
      for (std::size_t i = 0; i < n; ++i) mean += v[i * stride] * f1 * f2;
      mean /= nd;
      double sum_sq = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double centred = v[i * stride] * f1 * f2 - mean;
        sum_sq += centred * centred;
      }
      const double divisor = std::sqrt(sum_sq / nd);  // the standard deviation at the column's 2^-e scale; 0: constant
      const double kept = divisor > 0 ? std::ldexp(divisor, e) : 1.0;
      scale[col] = normalize ? kept : 1.0;
      const double spread = normalize ? noise_scale : noise_scale * kept;  // a constant column's noise: absolute
      for (std::size_t i = 0; i < n; ++i) {
        double x = v[i * stride];
        if (normalize) {
          const double centred = x * f1 * f2 - mean;
          // A constant column is only centred, back at its own scale.
          x = divisor > 0 ? centred / divisor : std::ldexp(centred, e);
        }
        if (noise) x = noise[i * d + col] * spread + x;
        out[i * d + col] = x;
      }
    }
    first += b.cols;
  }
}

}  // namespace infoscope
