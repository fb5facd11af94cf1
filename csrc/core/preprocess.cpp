#include "core/preprocess.hpp"

#include <cmath>

namespace infoscope {

void standardize(const std::vector<ColumnBlock>& blocks, std::size_t n, bool normalize, const double* noise,
                 double noise_scale, double* out, double* scale) {
  std::size_t d = 0;
  for (const ColumnBlock& b : blocks) d += b.cols;
  const double nd = static_cast<double>(n);
  std::vector<double> mean(d, 0.0), sum_sq(d, 0.0), spread(d, 1.0);
  // Row by row over each block, as numpy's reductions along axis 0 run: the same order, the same sums.
  std::size_t first = 0;
  for (const ColumnBlock& b : blocks) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < b.cols; ++c) mean[first + c] += b.data[i * b.cols + c];
    }
    first += b.cols;
  }
  for (double& m : mean) m /= nd;
  first = 0;
  for (const ColumnBlock& b : blocks) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < b.cols; ++c) {
        const double centred = b.data[i * b.cols + c] - mean[first + c];
        sum_sq[first + c] += centred * centred;
      }
    }
    first += b.cols;
  }
  for (std::size_t c = 0; c < d; ++c) {
    const double s = std::sqrt(sum_sq[c] / nd);
    const double kept = s > 0 ? s : 1.0;  // a constant column is only centred; its noise on an absolute scale
    scale[c] = normalize ? kept : 1.0;
    spread[c] = normalize ? noise_scale : noise_scale * kept;
  }
  first = 0;
  for (const ColumnBlock& b : blocks) {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < b.cols; ++c) {
        const std::size_t col = first + c;
        const double v = b.data[i * b.cols + c];
        double x = normalize ? (v - mean[col]) / scale[col] : v;
        if (noise) x = noise[i * d + col] * spread[col] + x;
        out[i * d + col] = x;
      }
    }
    first += b.cols;
  }
}

}  // namespace infoscope
