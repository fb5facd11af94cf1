// Max-norm distances on one-byte codes, 32 points per AVX2 register: the filter of the tiled scan
// (brute_force.cpp) and of the KD-tree's leaf scan (kdtree.cpp). Codes only filter; callers decide the pairs the
// codes leave open on the float64 coordinates.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace infoscope {

constexpr std::size_t kByteLanes = 32;  // points per block of codes: the bytes of an AVX2 register

// One block's distances, one byte per lane, and whether lanes pass a test: bit l of a mask is lane l.
#if defined(__AVX2__)
using Bytes = __m256i;
inline Bytes load_bytes(const std::uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline Bytes splat_byte(std::uint8_t v) { return _mm256_set1_epi8(static_cast<char>(v)); }
inline Bytes abs_diff_bytes(Bytes a, Bytes b) {
  return _mm256_or_si256(_mm256_subs_epu8(a, b), _mm256_subs_epu8(b, a));
}
inline Bytes max_bytes(Bytes a, Bytes b) { return _mm256_max_epu8(a, b); }
// Lanes with a <= b.
inline std::uint32_t at_most(Bytes a, Bytes b) {
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(a, b), a)));
}
#else
struct Bytes {
  std::uint8_t v[kByteLanes];
};
inline Bytes load_bytes(const std::uint8_t* p) {
  Bytes b;
  std::memcpy(b.v, p, kByteLanes);
  return b;
}
inline Bytes splat_byte(std::uint8_t v) {
  Bytes b;
  std::memset(b.v, v, kByteLanes);
  return b;
}
inline Bytes abs_diff_bytes(Bytes a, Bytes b) {
  for (std::size_t l = 0; l < kByteLanes; ++l) a.v[l] = a.v[l] > b.v[l] ? a.v[l] - b.v[l] : b.v[l] - a.v[l];
  return a;
}
inline Bytes max_bytes(Bytes a, Bytes b) {
  for (std::size_t l = 0; l < kByteLanes; ++l) a.v[l] = std::max(a.v[l], b.v[l]);
  return a;
}
inline std::uint32_t at_most(Bytes a, Bytes b) {
  std::uint32_t bits = 0;
  for (std::size_t l = 0; l < kByteLanes; ++l) bits |= static_cast<std::uint32_t>(a.v[l] <= b.v[l]) << l;
  return bits;
}
#endif

// acc = the quantised max-norm distances from query q (dim codes, one splat each) to the 32 points of block p.
// False, with acc unfinished, once no lane is within bound: checked every 4 coordinates, where two accumulators
// (independent chains of max) meet.
inline bool block_distances(const std::uint8_t* p, const Bytes* q, std::size_t dim, Bytes bound, Bytes& acc) {
  Bytes a = splat_byte(0), b = splat_byte(0);
  std::size_t d = 0;
  for (; d + 4 <= dim; d += 4) {
    a = max_bytes(a, abs_diff_bytes(load_bytes(p + kByteLanes * d), q[d]));
    b = max_bytes(b, abs_diff_bytes(load_bytes(p + kByteLanes * (d + 1)), q[d + 1]));
    a = max_bytes(a, abs_diff_bytes(load_bytes(p + kByteLanes * (d + 2)), q[d + 2]));
    b = max_bytes(b, abs_diff_bytes(load_bytes(p + kByteLanes * (d + 3)), q[d + 3]));
    if (at_most(max_bytes(a, b), bound) == 0) return false;
  }
  for (; d < dim; ++d) a = max_bytes(a, abs_diff_bytes(load_bytes(p + kByteLanes * d), q[d]));
  acc = max_bytes(a, b);
  return true;
}

// The same distances over all dim coordinates, without early exits (see KDTree::scan_leaf_codes).
inline Bytes block_distances_all(const std::uint8_t* p, const Bytes* q, std::size_t dim) {
  Bytes a = splat_byte(0), b = splat_byte(0);
  std::size_t d = 0;
  for (; d + 2 <= dim; d += 2) {
    a = max_bytes(a, abs_diff_bytes(load_bytes(p + kByteLanes * d), q[d]));
    b = max_bytes(b, abs_diff_bytes(load_bytes(p + kByteLanes * (d + 1)), q[d + 1]));
  }
  if (d < dim) a = max_bytes(a, abs_diff_bytes(load_bytes(p + kByteLanes * d), q[d]));
  return max_bytes(a, b);
}

}  // namespace infoscope
