#include "core/permutations.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "core/parallel.hpp"

namespace infoscope {

namespace {

// SplitMix64 (Steele, Lea & Flood 2014): spreads one seed over the generator's state.
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman & Vigna 2021, ACM Trans. Math. Softw. 47(4):36).
class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed) {
    for (auto& word : s_) word = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, range), range >= 1, without bias (Lemire 2019, ACM Trans. Model. Comput. Simul. 29(1):3).
  std::uint64_t below(std::uint64_t range) {
    __uint128_t m = static_cast<__uint128_t>(next()) * range;
    auto low = static_cast<std::uint64_t>(m);
    if (low < range) {
      const std::uint64_t threshold = (0 - range) % range;
      while (low < threshold) {
        m = static_cast<__uint128_t>(next()) * range;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace

void shuffle_within_trials(const std::int64_t* starts, std::size_t trials, std::size_t count, std::uint64_t seed,
                           int workers, std::uint32_t* out) {
  if (starts[0] != 0) throw std::invalid_argument("starts must begin at 0");
  for (std::size_t t = 0; t < trials; ++t)
    if (starts[t + 1] < starts[t]) throw std::invalid_argument("starts must not decrease");
  const auto n = static_cast<std::size_t>(starts[trials]);
  if (n > 0xFFFFFFFFULL) throw std::invalid_argument("row maps are 32-bit: at most 2^32 - 1 rows");
  // A thread is worth starting for at least ~64k elements of shuffling.
  const std::size_t min_per_thread = std::max<std::size_t>(1, (std::size_t{1} << 16) / std::max<std::size_t>(1, n));
  parallel_for(count, workers, 1, min_per_thread, [&](std::size_t begin, std::size_t end) {
    for (std::size_t s = begin; s < end; ++s) {
      // Surrogate s's stream: the seed moved by s steps of SplitMix64's increment, then spread.
      std::uint64_t key = seed + 0x9E3779B97F4A7C15ULL * s;
      Xoshiro256 rng(splitmix64(key));
      std::uint32_t* row = out + s * n;
      std::iota(row, row + n, std::uint32_t{0});
      for (std::size_t t = 0; t < trials; ++t) {
        const auto a = static_cast<std::size_t>(starts[t]), b = static_cast<std::size_t>(starts[t + 1]);
        for (std::size_t i = b; i > a + 1; --i) std::swap(row[i - 1], row[a + rng.below(i - a)]);
      }
    }
  });
}

}  // namespace infoscope
