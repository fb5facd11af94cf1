// The unit of every estimate that can be tested by permutation: I(X;Y|Z) prepared once and repeated with the
// rows of Y permuted. Mutual information (no Z), conditional MI and transfer entropy (a CMI on a delay
// embedding, Y = the source's past) of the k-NN and histogram families, on the CPU and on a CUDA device, all
// implement this one interface, so the layers above never ask which backend or family they hold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace infoscope {

// Samples that are time points of one or more trials, in time order within each trial: rows
// [trial_starts[t], trial_starts[t + 1]) are trial t. A Theiler window (Theiler 1986) leaves out of every
// neighbour search and count the other samples of the same trial at most `theiler` steps away: they are close
// because they are close in time, not because the process revisits the state.
struct TimeWindow {
  std::vector<std::size_t> trial_starts;  // ascending from 0 to n; empty: all rows are one trial
  std::size_t theiler = 0;                // 0: only the sample itself is left out
};

class CmiProblem {
 public:
  virtual ~CmiProblem() = default;

  // Number of samples n.
  virtual std::size_t size() const = 0;

  // The n local values (nats); their mean is the estimate.
  virtual void locals(double* local) const = 0;

  // estimates[s] (s < count) = the estimate with row i of Y replaced by row perms[s * size() + i]; perms lie in
  // host memory. Throws std::invalid_argument for an entry that is not a row index.
  virtual void surrogates(const std::uint32_t* perms, std::size_t count, double* estimates) const = 0;

  // Surrogates per call that keep the backend busy: a few per CPU thread, hundreds per GPU launch.
  virtual std::size_t surrogate_batch() const = 0;
};

}  // namespace infoscope
