#include "core/kernel_density.hpp"

#include <cmath>
#include <stdexcept>

#include "core/parallel.hpp"

namespace infoscope {

void gaussian_kernel_log_mean(const double* x, std::size_t n, std::size_t d, double h, int workers, double* out) {
  if (!(h > 0) || !std::isfinite(h)) throw std::invalid_argument("the kernel variance must be positive and finite");
  const double scale = -0.5 / h;
  // Row i costs N d: a few rows per chunk already keep the threads busy.
  parallel_for(n, workers, 16, 64, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
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
      out[i] = std::log(sum / static_cast<double>(n));
    }
  });
}

}  // namespace infoscope
