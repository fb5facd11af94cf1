#include "core/gaussian.hpp"

#include <algorithm>
#include <vector>

#include "core/parallel.hpp"
#include "core/rules.hpp"

namespace infoscope {

namespace {

// sum_i u[i] v[i] over four interleaved partial sums: independent add chains the CPU can overlap.
double dot(const double* u, const double* v, std::size_t n) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += u[i] * v[i];
    s1 += u[i + 1] * v[i + 1];
    s2 += u[i + 2] * v[i + 2];
    s3 += u[i + 3] * v[i + 3];
  }
  for (; i < n; ++i) s0 += u[i] * v[i];
  return (s0 + s1) + (s2 + s3);
}

}  // namespace

void permuted_cross_products(const double* wt, std::size_t a, std::size_t n, const double* y, std::size_t dy,
                             const std::uint32_t* perms, std::size_t count, int workers, double* out) {
  rules::check_permutations(perms, count, n);
  // A thread is worth starting for ~64k multiply-adds.
  const std::size_t min_per_thread = std::max<std::size_t>(1, (std::size_t{1} << 16) / std::max<std::size_t>(1, n * a));
  parallel_for(count, workers, 1, min_per_thread, [&](std::size_t begin, std::size_t end) {
    std::vector<double> column(n);
    for (std::size_t s = begin; s < end; ++s) {
      const std::uint32_t* perm = perms + s * n;
      for (std::size_t d = 0; d < dy; ++d) {
        for (std::size_t i = 0; i < n; ++i) column[i] = y[static_cast<std::size_t>(perm[i]) * dy + d];
        for (std::size_t j = 0; j < a; ++j)
          out[(s * a + j) * dy + d] = dot(wt + j * n, column.data(), n) / static_cast<double>(n);
      }
    }
  });
}

}  // namespace infoscope
