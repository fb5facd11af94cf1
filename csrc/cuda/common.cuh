// What the .cu files of the backend share: error checks that name the failing call, launch sizes, and copies
// of small host vectors to the device.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <vector>

#include "cuda/backend.hpp"

namespace infoscope::cuda {

// Throws OutOfMemory or Error for a failed CUDA call, naming the call, file and line.
void check(cudaError_t status, const char* call, const char* file, int line);

#define INFOSCOPE_CUDA_CHECK(call) ::infoscope::cuda::check((call), #call, __FILE__, __LINE__)
// After a kernel launch: a bad configuration shows at once, a fault at the next synchronising call.
#define INFOSCOPE_CUDA_LAUNCHED(kernel) ::infoscope::cuda::check(cudaGetLastError(), kernel, __FILE__, __LINE__)

constexpr unsigned kThreads = 128;

inline unsigned blocks_for(std::size_t items) {
  return static_cast<unsigned>((items + kThreads - 1) / kThreads);
}

// A typed device array of n elements, filled from host memory when given.
template <class T>
struct DeviceArray {
  Buffer buffer;
  std::size_t n = 0;
  DeviceArray() = default;
  explicit DeviceArray(std::size_t count) : buffer(count * sizeof(T)), n(count) {}
  explicit DeviceArray(const std::vector<T>& host) : DeviceArray(host.size()) {
    if (n) INFOSCOPE_CUDA_CHECK(cudaMemcpy(get(), host.data(), n * sizeof(T), cudaMemcpyHostToDevice));
  }
  T* get() const { return static_cast<T*>(buffer.get()); }
  void to_host(T* out) const {
    if (n) INFOSCOPE_CUDA_CHECK(cudaMemcpy(out, get(), n * sizeof(T), cudaMemcpyDeviceToHost));
  }
};

// The sum of every thread's value over a block of kThreads threads, in a fixed order (deterministic), returned
// to all threads. Every thread of the block must call it.
__device__ inline double block_sum(double value) {
  __shared__ double partial[kThreads];
  partial[threadIdx.x] = value;
  __syncthreads();
  for (unsigned width = kThreads / 2; width > 0; width /= 2) {
    if (threadIdx.x < width) partial[threadIdx.x] += partial[threadIdx.x + width];
    __syncthreads();
  }
  const double total = partial[0];
  __syncthreads();  // partial may be reused by the next call
  return total;
}

// Element `at` of an external array as a double (integers above 2^53 round) or, exactly, as an int64.
__device__ inline double as_double(const void* p, DType t, std::int64_t at) {
  switch (t) {
    case DType::Float16: return __half2float(static_cast<const __half*>(p)[at]);
    case DType::BFloat16: return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[at]);
    case DType::Float32: return static_cast<const float*>(p)[at];
    case DType::Float64: return static_cast<const double*>(p)[at];
    case DType::Int8: return static_cast<const std::int8_t*>(p)[at];
    case DType::Int16: return static_cast<const std::int16_t*>(p)[at];
    case DType::Int32: return static_cast<const std::int32_t*>(p)[at];
    case DType::Int64: return static_cast<double>(static_cast<const std::int64_t*>(p)[at]);
    case DType::UInt8: return static_cast<const std::uint8_t*>(p)[at];
    case DType::Bool: return static_cast<const bool*>(p)[at] ? 1.0 : 0.0;
  }
  return 0.0;
}

__device__ inline std::int64_t as_int64(const void* p, DType t, std::int64_t at) {
  switch (t) {
    case DType::Int8: return static_cast<const std::int8_t*>(p)[at];
    case DType::Int16: return static_cast<const std::int16_t*>(p)[at];
    case DType::Int32: return static_cast<const std::int32_t*>(p)[at];
    case DType::Int64: return static_cast<const std::int64_t*>(p)[at];
    case DType::UInt8: return static_cast<const std::uint8_t*>(p)[at];
    case DType::Bool: return static_cast<const bool*>(p)[at] ? 1 : 0;
    default: return static_cast<std::int64_t>(as_double(p, t, at));
  }
}

inline bool is_integer(DType t) { return t >= DType::Int8; }

// Offset of element (r, c) of a view, in elements.
__host__ __device__ inline std::int64_t element(const View& v, std::size_t r, std::size_t c) {
  return static_cast<std::int64_t>(r) * v.row_stride + static_cast<std::int64_t>(c) * v.col_stride;
}

// The device that is current now.
inline int current_device() {
  int d = 0;
  INFOSCOPE_CUDA_CHECK(cudaGetDevice(&d));
  return d;
}

}  // namespace infoscope::cuda
