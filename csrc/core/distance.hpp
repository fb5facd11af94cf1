// Distance kernels, the inner loop of every neighbour search.
//
// KD-tree leaves are stored transposed (one row of kLanes-padded coordinates per dimension), so distances from
// one query to kLanes points are computed together with one vector operation per dimension and no horizontal
// reduction. The vector type uses GCC/Clang vector extensions: one AVX-512 register (8 lanes) or one AVX2
// register (4 lanes) depending on the target; other compilers get the same loop in scalar code.
// |a - b| is computed as fl(a - b) made positive, as numpy computes np.abs(a - b), so max-norm distances are
// bit-identical to a numpy reference.
#pragma once

#include <cstddef>
#include <cstring>
#include <type_traits>

#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "core/hd.hpp"

namespace infoscope {

enum class Metric { Chebyshev, Euclidean };

// Points per vector block in leaf storage: one register of doubles. GCC 12 splits the compares and selects of a
// vector wider than the target's registers into scalar lanes through the stack, so without AVX-512 a block is
// one AVX2 register (4 lanes), not two.
#if defined(__AVX512F__)
constexpr std::size_t kLanes = 8;
#else
constexpr std::size_t kLanes = 4;
#endif
constexpr std::size_t kLanes4 = 4;  // points per vector operation in grid cells and sorted strips

INFOSCOPE_HD inline double abs_diff(double a, double b) {
  const double t = a - b;
  return t < 0 ? -t : t;
}

// Max-norm distance between two rows.
INFOSCOPE_HD inline double chebyshev(const double* a, const double* b, std::size_t dim) {
  double m = 0.0;
  for (std::size_t j = 0; j < dim; ++j) {
    const double t = abs_diff(a[j], b[j]);
    m = m > t ? m : t;
  }
  return m;
}

#if defined(__GNUC__) || defined(__clang__)
#define INFOSCOPE_VECTOR_EXT 1
typedef double Block __attribute__((vector_size(kLanes * sizeof(double))));
typedef long long BlockBits __attribute__((vector_size(kLanes * sizeof(double))));
inline Block load_block(const double* p) {
  Block v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline Block splat(double v) { return Block{} + v; }
// |v| by clearing the sign bit: one instruction, and the same value as negating the negative lanes.
inline Block abs_block(Block v) {
  return reinterpret_cast<Block>(reinterpret_cast<BlockBits>(v) & ~(BlockBits{} + (1LL << 63)));
}
inline Block max_block(Block a, Block b) { return a > b ? a : b; }

// Four lanes, one AVX2 register: where the loads are not whole transposed leaves (grid cells, sorted strips),
// and on machines without AVX-512, on which comparing and blending a Block takes several times as long.
typedef double Lanes __attribute__((vector_size(kLanes4 * sizeof(double))));
typedef long long LaneMask __attribute__((vector_size(kLanes4 * sizeof(double))));

// |v| by clearing the sign bit, as abs_block.
inline Lanes abs_lanes(Lanes v) {
  return reinterpret_cast<Lanes>(reinterpret_cast<LaneMask>(v) & (LaneMask{} + 0x7fffffffffffffffLL));
}

// Max-norm distances from q to the points at positions p..p + 3 of the D columns cols; |fl(a - b)| by clearing
// the sign bit, as the KD-tree kernel and numpy's np.abs compute it.
template <std::size_t D>
inline Lanes distances4(const double* const* cols, const double* q, std::size_t p) {
  Lanes acc{};
  for (std::size_t d = 0; d < D; ++d) {
    Lanes v;
    std::memcpy(&v, cols[d] + p, sizeof v);
    const Lanes diff = abs_lanes(v - q[d]);
    acc = d == 0 ? diff : (acc > diff ? acc : diff);
  }
  return acc;
}

// Bit t set where lane t of a four-lane comparison is true.
inline unsigned lane_bits(LaneMask m) {
#ifdef __AVX__
  return static_cast<unsigned>(_mm256_movemask_pd(reinterpret_cast<__m256d>(m)));
#else
  unsigned bits = 0;
  for (std::size_t t = 0; t < kLanes4; ++t) bits |= (m[t] ? 1u : 0u) << t;
  return bits;
#endif
}

// Positions p..p + 3 that lie before `end` and are not `skip`.
inline LaneMask valid_lanes(std::size_t p, std::size_t end, std::size_t skip) {
  const LaneMask at = LaneMask{0, 1, 2, 3} + static_cast<long long>(p);
  return (at < static_cast<long long>(end)) & (at != static_cast<long long>(skip));
}
#else
struct Block {
  double v[kLanes];
  double& operator[](std::size_t t) { return v[t]; }
  double operator[](std::size_t t) const { return v[t]; }
};
inline Block load_block(const double* p) {
  Block b;
  std::memcpy(b.v, p, sizeof b.v);
  return b;
}
inline Block splat(double v) {
  Block b;
  for (double& x : b.v) x = v;
  return b;
}
inline Block operator-(Block a, Block b) {
  for (std::size_t t = 0; t < kLanes; ++t) a[t] -= b[t];
  return a;
}
inline Block operator*(Block a, Block b) {
  for (std::size_t t = 0; t < kLanes; ++t) a[t] *= b[t];
  return a;
}
inline Block& operator+=(Block& a, Block b) {
  for (std::size_t t = 0; t < kLanes; ++t) a[t] += b[t];
  return a;
}
inline Block abs_block(Block v) {
  for (double& x : v.v) x = x < 0 ? -x : x;
  return v;
}
inline Block max_block(Block a, Block b) {
  for (std::size_t t = 0; t < kLanes; ++t) a[t] = a[t] > b[t] ? a[t] : b[t];
  return a;
}
#endif

#ifdef INFOSCOPE_VECTOR_EXT
// Horizontal max by halving shuffles: reading lanes one by one goes through the stack, and the store forwarding
// stalls that costs were the hottest instructions of the k-NN search.
inline double lanes_max(Block v) {
#if defined(__AVX512F__)
  v = max_block(v, __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3));
  v = max_block(v, __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5));
  v = max_block(v, __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6));
#else
  v = max_block(v, __builtin_shufflevector(v, v, 2, 3, 0, 1));
  v = max_block(v, __builtin_shufflevector(v, v, 1, 0, 3, 2));
#endif
  return v[0];
}

// Bit t set where lane t of a block comparison is true (all ones).
inline unsigned block_bits(BlockBits m) {
#if defined(__AVX512F__)
  return _mm512_test_epi64_mask(reinterpret_cast<__m512i>(m), reinterpret_cast<__m512i>(m));
#elif defined(__AVX__)
  return static_cast<unsigned>(_mm256_movemask_pd(reinterpret_cast<__m256d>(m)));
#else
  unsigned bits = 0;
  for (std::size_t t = 0; t < kLanes; ++t) bits |= (m[t] != 0 ? 1u : 0u) << t;
  return bits;
#endif
}
inline unsigned lanes_within(Block v, double bound) { return block_bits(v <= bound); }
#else
inline double lanes_max(const Block& v) {
  double m = v[0];
  for (std::size_t t = 1; t < kLanes; ++t) m = m > v[t] ? m : v[t];
  return m;
}
inline unsigned lanes_within(const Block& v, double bound) {
  unsigned bits = 0;
  for (std::size_t t = 0; t < kLanes; ++t) bits |= (v[t] <= bound ? 1u : 0u) << t;
  return bits;
}
#endif
inline double lanes_sum(const Block& v) {
  const double low = (v[0] + v[1]) + (v[2] + v[3]);
  if constexpr (kLanes == 4) return low;
  return low + ((v[kLanes - 4] + v[kLanes - 3]) + (v[kLanes - 2] + v[kLanes - 1]));
}

// Accumulates one dimension of a block distance: running max of |p - q| or running sum of (p - q)^2.
template <Metric M>
inline void accumulate(Block& acc, Block p, Block q) {
  const Block diff = p - q;
  if constexpr (M == Metric::Chebyshev) {
    acc = max_block(acc, abs_block(diff));
  } else {
    acc += diff * diff;
  }
}

// Distances (squared for Euclidean) from q to the points of a transposed leaf `block` (dim rows of `lanes`
// values, lanes a multiple of kLanes, padding lanes holding +inf). For each group of kLanes points, bound() is
// read once: a negative bound stops the scan; visit(j, dist) is called for every point j with dist <= bound
// (padding lanes too while the bound is infinite). In high dimension a group is abandoned as soon as all its
// partial distances exceed the bound. D > 0 fixes the dimension at compile time, so that the loop over
// dimensions unrolls and q stays in registers.
template <Metric M, std::size_t D = 0, class Bound, class Visit>
inline void scan_leaf(const double* q, const double* block, std::size_t dim, std::size_t lanes, Bound&& bound,
                      Visit&& visit) {
  const std::size_t dims = D ? D : dim;
  // Broadcast once: visit() writes memory the compiler cannot tell apart from q, so it would reload q per group.
  Block q_fixed[D ? D : 1];
  if constexpr (D > 0) {
    for (std::size_t d = 0; d < D; ++d) q_fixed[d] = splat(q[d]);
  }
  for (std::size_t j0 = 0; j0 < lanes; j0 += kLanes) {
    const double b = bound();
    if (b < 0) return;
    Block acc = splat(0.0);
    bool rejected = false;
    for (std::size_t d = 0; d < dims; ++d) {
      accumulate<M>(acc, load_block(block + d * lanes + j0), D > 0 ? q_fixed[d] : splat(q[d]));
      if ((d & 7) == 7 && d + 1 < dims && lanes_within(acc, b) == 0) {
        rejected = true;
        break;
      }
    }
    if (rejected) continue;
    // The common case is no point of the group close enough: one compare and one mask test.
    for (unsigned hits = lanes_within(acc, b); hits != 0; hits &= hits - 1) {
      const std::size_t t = static_cast<std::size_t>(__builtin_ctz(hits));
      visit(j0 + t, static_cast<double>(acc[t]));
    }
  }
}

// Number of points of a transposed leaf within max-norm distance r of q (< r when strict, else <= r).
// Branch-free over lanes: in a leaf that straddles the radius, inside and outside alternate unpredictably.
// D > 0 fixes the dimension at compile time (see scan_leaf).
template <std::size_t D = 0>
inline std::size_t count_leaf(const double* q, const double* block, std::size_t dim, std::size_t lanes, double r,
                              bool strict) {
  const std::size_t dims = D ? D : dim;
  Block q_fixed[D ? D : 1];
  if constexpr (D > 0) {
    for (std::size_t d = 0; d < D; ++d) q_fixed[d] = splat(q[d]);
  }
  std::size_t count = 0;
  for (std::size_t j0 = 0; j0 < lanes; j0 += kLanes) {
    Block acc = splat(0.0);
    bool rejected = false;
    for (std::size_t d = 0; d < dims; ++d) {
      accumulate<Metric::Chebyshev>(acc, load_block(block + d * lanes + j0), D > 0 ? q_fixed[d] : splat(q[d]));
      if ((d & 7) == 7 && d + 1 < dims && lanes_within(acc, r) == 0) {  // high dimension: the whole group is out
        rejected = true;
        break;
      }
    }
    if (rejected) continue;
#ifdef INFOSCOPE_VECTOR_EXT
    count += static_cast<std::size_t>(__builtin_popcount(block_bits(strict ? acc < r : acc <= r)));
#else
    for (std::size_t t = 0; t < kLanes; ++t) count += strict ? (acc[t] < r) : (acc[t] <= r);
#endif
  }
  return count;
}

// fn(std::integral_constant<std::size_t, D>{}) with D = dim for dim up to 8, else D = 0 (a loop over dim): the
// kernels above unroll over a fixed D and keep the query in registers.
template <class Fn>
inline decltype(auto) with_fixed_dim(std::size_t dim, Fn&& fn) {
  switch (dim) {
    case 1: return fn(std::integral_constant<std::size_t, 1>{});
    case 2: return fn(std::integral_constant<std::size_t, 2>{});
    case 3: return fn(std::integral_constant<std::size_t, 3>{});
    case 4: return fn(std::integral_constant<std::size_t, 4>{});
    case 5: return fn(std::integral_constant<std::size_t, 5>{});
    case 6: return fn(std::integral_constant<std::size_t, 6>{});
    case 7: return fn(std::integral_constant<std::size_t, 7>{});
    case 8: return fn(std::integral_constant<std::size_t, 8>{});
    default: return fn(std::integral_constant<std::size_t, 0>{});
  }
}

// Distance (squared for Euclidean) from q to an axis-aligned box, both padded to whole blocks of dimensions
// (padding: q = 0, lo = -inf, hi = +inf, a zero gap). Gaps are fl(lo - q) and fl(q - hi): by monotonicity of
// rounding they never exceed fl(|q - p|) for a point p inside the box, so max-norm pruning on them is exact.
template <Metric M>
inline double box_distance(const double* q, const double* lo, const double* hi, std::size_t padded_dim) {
  Block acc = splat(0.0);
  for (std::size_t d = 0; d < padded_dim; d += kLanes) {
    const Block qd = load_block(q + d);
    const Block gap = max_block(splat(0.0), max_block(load_block(lo + d) - qd, qd - load_block(hi + d)));
    if constexpr (M == Metric::Chebyshev) {
      acc = max_block(acc, gap);
    } else {
      acc += gap * gap;
    }
  }
  if constexpr (M == Metric::Chebyshev) {
    return lanes_max(acc);
  } else {
    // Sums round differently from the point kernel's; a few ulp of slack keeps pruning safe.
    return lanes_sum(acc) * (1.0 - 1e-12);
  }
}

}  // namespace infoscope
