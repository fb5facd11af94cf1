// Binning on the device: per-column ranges and the keys of rows under a binning, read straight from the
// user's array. Keys fold the codes of core/binning_codes.hpp exactly as the host's row_keys does
// (core/histogram.cpp); numbering them (a pass over n keys) stays on the host.
#include <limits>

#include "core/binning_codes.hpp"
#include "cuda/common.cuh"

namespace infoscope::cuda {

namespace {

constexpr unsigned kRangeChunks = 256;  // row chunks of a column range: partial results finished on the host

template <class T>
__device__ T read(const View& v, std::size_t r, std::size_t c);
template <>
__device__ double read<double>(const View& v, std::size_t r, std::size_t c) {
  return as_double(v.ptr, v.dtype, element(v, r, c));
}
template <>
__device__ std::int64_t read<std::int64_t>(const View& v, std::size_t r, std::size_t c) {
  return as_int64(v.ptr, v.dtype, element(v, r, c));
}

// Thread (column, chunk): min and max of its column over its chunk of rows.
template <class T>
__global__ void range_kernel(View v, std::size_t chunk, T* lo, T* hi, int* nonfinite) {
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= v.cols) return;
  const std::size_t begin = blockIdx.y * chunk, end = begin + chunk < v.rows ? begin + chunk : v.rows;
  T low = std::numeric_limits<T>::max(), high = std::numeric_limits<T>::lowest();
  bool bad = false;
  for (std::size_t r = begin; r < end; ++r) {
    const T x = read<T>(v, r, c);
    if constexpr (std::is_floating_point_v<T>) bad |= !isfinite(x);
    low = x < low ? x : low;
    high = x > high ? x : high;
  }
  lo[blockIdx.y * v.cols + c] = low;
  hi[blockIdx.y * v.cols + c] = high;
  if (bad) *nonfinite = 1;
}

template <class T>
void range(const View& view, std::vector<T>& lo, std::vector<T>& hi, bool* finite) {
  if (view.stream) INFOSCOPE_CUDA_CHECK(cudaStreamSynchronize(reinterpret_cast<cudaStream_t>(view.stream)));
  const std::size_t chunks = std::min<std::size_t>(kRangeChunks, view.rows);
  const std::size_t chunk = (view.rows + chunks - 1) / chunks;
  DeviceArray<T> d_lo(chunks * view.cols), d_hi(chunks * view.cols);
  DeviceArray<int> flag(std::vector<int>{0});
  range_kernel<T><<<dim3(blocks_for(view.cols), static_cast<unsigned>(chunks)), kThreads>>>(view, chunk, d_lo.get(),
                                                                                            d_hi.get(), flag.get());
  INFOSCOPE_CUDA_LAUNCHED("range_kernel");
  std::vector<T> part_lo(d_lo.n), part_hi(d_hi.n);
  d_lo.to_host(part_lo.data());
  d_hi.to_host(part_hi.data());
  int nonfinite = 0;
  flag.to_host(&nonfinite);
  if (finite) *finite = nonfinite == 0;
  lo.assign(part_lo.begin(), part_lo.begin() + view.cols);
  hi.assign(part_hi.begin(), part_hi.begin() + view.cols);
  for (std::size_t b = 1; b < chunks; ++b) {
    for (std::size_t c = 0; c < view.cols; ++c) {
      lo[c] = std::min(lo[c], part_lo[b * view.cols + c]);
      hi[c] = std::max(hi[c], part_hi[b * view.cols + c]);
    }
  }
}

// One warp per row: lanes take columns, and the key's sums (modulo 2^64, so in any order) meet by shuffles. The
// codes are element_code's (core/binning_codes.hpp), as in the CPU key loops.
__global__ void keys_kernel(View v, BinningView binning, std::uint64_t* keys, int* nonfinite, int* outside) {
  const std::size_t warp = (blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x) / 32;
  const unsigned lane = threadIdx.x % 32;
  if (warp >= v.rows) return;
  std::uint64_t key_lo = 0, key_hi = 0;
  bool bad = false, out = false;
  for (std::size_t j = lane; j < v.cols; j += 32) {
    const std::int64_t at = element(v, warp, j);
    const ElementCode c = binning.rule == Binning::Rule::Symbols
                              ? element_code(binning, j, as_int64(v.ptr, v.dtype, at))
                              : element_code(binning, j, as_double(v.ptr, v.dtype, at));
    bad |= c.nonfinite;
    out |= c.outside;
    key_lo += c.code * binning.mul_lo[j];
    key_hi += c.code * binning.mul_hi[j];
  }
  for (unsigned offset = 16; offset > 0; offset /= 2) {
    key_lo += __shfl_down_sync(0xffffffffu, key_lo, offset);
    key_hi += __shfl_down_sync(0xffffffffu, key_hi, offset);
  }
  if (bad) *nonfinite = 1;
  if (out) *outside = 1;
  if (lane == 0) {
    keys[2 * warp] = key_lo;
    keys[2 * warp + 1] = key_hi;
  }
}

}  // namespace

void column_range(const View& view, std::vector<double>& lo, std::vector<double>& hi, bool* finite) {
  range<double>(view, lo, hi, finite);
}

void column_range(const View& view, std::vector<std::int64_t>& lo, std::vector<std::int64_t>& hi) {
  if (!is_integer(view.dtype)) throw std::invalid_argument("column_range: expected integer data");
  range<std::int64_t>(view, lo, hi, nullptr);
}

void row_keys(const View& view, const Binning& binning, const KeyMultipliers& multipliers, std::vector<Key>& keys,
              bool* nonfinite, bool* outside) {
  check_binning(binning, view.cols);
  if ((binning.rule == Binning::Rule::Symbols) != is_integer(view.dtype)) {
    throw std::invalid_argument("row_keys: integer data are symbols, float data are binned");
  }
  if (view.stream) INFOSCOPE_CUDA_CHECK(cudaStreamSynchronize(reinterpret_cast<cudaStream_t>(view.stream)));
  const FlatBinning flat = flat_binning(binning, multipliers);
  const DeviceArray<double> lo(flat.lo), hi(flat.hi), origin(flat.origin), scale(flat.scale), edges(flat.edges);
  const DeviceArray<std::uint64_t> edge_offset(flat.edge_offset), count(flat.count), mul_lo(flat.mul_lo),
      mul_hi(flat.mul_hi);
  const DeviceArray<std::int64_t> shift(flat.shift);
  const BinningView on_device{flat.rule, lo.get(), hi.get(), origin.get(), scale.get(), edges.get(), edge_offset.get(),
                              count.get(), mul_lo.get(), mul_hi.get(), shift.get()};
  DeviceArray<std::uint64_t> d_keys(2 * view.rows);
  DeviceArray<int> flags(std::vector<int>{0, 0});
  keys_kernel<<<blocks_for(view.rows * 32), kThreads>>>(view, on_device, d_keys.get(), flags.get(), flags.get() + 1);
  INFOSCOPE_CUDA_LAUNCHED("keys_kernel");
  keys.resize(view.rows);
  static_assert(sizeof(Key) == 2 * sizeof(std::uint64_t), "keys are copied as pairs of words");
  d_keys.to_host(reinterpret_cast<std::uint64_t*>(keys.data()));
  int host_flags[2];
  flags.to_host(host_flags);
  *nonfinite = host_flags[0] != 0;
  *outside = host_flags[1] != 0;
}

}  // namespace infoscope::cuda
