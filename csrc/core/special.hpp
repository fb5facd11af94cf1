// Special functions the estimators need, accurate to a few ulp for the arguments they see.
#pragma once

#include <cmath>

#include "core/hd.hpp"

namespace infoscope {

// Digamma psi(x) for x > 0: upward recurrence psi(x) = psi(x + 1) - 1/x to x >= 10, then the asymptotic series
// (Abramowitz & Stegun 6.3.18), whose first omitted term is below 1e-17 there.
INFOSCOPE_HD inline double digamma(double x) {
  double shift = 0.0;
  while (x < 10.0) {
    shift -= 1.0 / x;
    x += 1.0;
  }
  const double f = 1.0 / (x * x);
  const double series =
      f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132 + f * (691.0 / 32760 + f * (-1.0 / 12)))))));
  return shift + std::log(x) - 0.5 / x + series;
}

// The standard normal quantile Phi^-1(p) for 0 < p < 1 (-inf at 0, +inf at 1, NaN outside). The rational
// start of Abramowitz & Stegun 26.2.23 (error < 4.5e-4) is refined by Halley steps on Phi(x) = erfc(-x/sqrt 2)/2,
// taken in the lower tail, where erfc keeps full relative accuracy; three steps reach double precision.
inline double normal_quantile(double p) {
  if (!(p > 0.0 && p < 1.0)) {
    if (p == 0.0) return -HUGE_VAL;
    if (p == 1.0) return HUGE_VAL;
    return std::nan("");
  }
  const double q = p < 0.5 ? p : 1.0 - p;  // lower tail; 1 - p is exact for p >= 0.5
  const double t = std::sqrt(-2.0 * std::log(q));
  double x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  for (int step = 0; step < 3; ++step) {
    const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - q;
    const double u = e * std::sqrt(2.0 * M_PI) * std::exp(0.5 * x * x);
    x -= u / (1.0 + 0.5 * x * u);
  }
  return p < 0.5 ? x : -x;
}

}  // namespace infoscope
