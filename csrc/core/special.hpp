// Special functions the estimators need, accurate to a few ulp for the arguments they see.
#pragma once

#include <cmath>

namespace infoscope {

// Digamma psi(x) for x > 0: upward recurrence psi(x) = psi(x + 1) - 1/x to x >= 10, then the asymptotic series
// (Abramowitz & Stegun 6.3.18), whose first omitted term is below 1e-17 there.
inline double digamma(double x) {
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

}  // namespace infoscope
