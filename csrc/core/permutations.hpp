// Random row maps for surrogate tests: uniform permutations of the rows of each trial, many at once.
//
// numpy's Generator.permuted shuffles at ~30 ns per element on the development machine; surrogates of fast
// estimators (a Gaussian CMI costs one matrix product) then spend most of their time drawing permutations.
// Here each map is a Fisher-Yates shuffle driven by xoshiro256** with Lemire's unbiased bounded integers, a few
// ns per element, and the maps of a batch are drawn in parallel. Map s depends only on (seed, s).
#pragma once

#include <cstddef>
#include <cstdint>

namespace infoscope {

// out[s * n + i] (s < count, n = starts[trials]) = the row that row i takes in surrogate s: row i of trial t
// (starts[t] <= i < starts[t + 1]) goes to a uniformly random row of the same trial, all rows distinct.
// starts holds trials + 1 non-decreasing offsets from 0.
void shuffle_within_trials(const std::int64_t* starts, std::size_t trials, std::size_t count, std::uint64_t seed,
                           int workers, std::uint32_t* out);

}  // namespace infoscope
