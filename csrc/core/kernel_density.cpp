#include "core/kernel_density.hpp"

#include <cmath>
#include <stdexcept>

#include "core/local_values.hpp"
#include "core/parallel.hpp"
#include "core/rules.hpp"

namespace infoscope {

void gaussian_kernel_log_mean(const double* x, std::size_t n, std::size_t d, double h, int workers, double* out) {
  rules::check_kernel_variance(h);
  const double scale = -0.5 / h;
  // Row i costs N d: a few rows per chunk already keep the threads busy.
  parallel_for(n, workers, 16, 64, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      out[i] = gaussian_kernel_log_mean_row(x, n, d, i, scale);
    }
  });
}

}  // namespace infoscope
