// Devices, memory, transfers and the column operations of preprocessing.
#include <cmath>
#include <string>

#include "cuda/common.cuh"

#ifndef INFOSCOPE_CUDA_ARCHITECTURES
#define INFOSCOPE_CUDA_ARCHITECTURES "unknown"
#endif

namespace infoscope::cuda {

void check(cudaError_t status, const char* call, const char* file, int line) {
  if (status == cudaSuccess) return;
  cudaGetLastError();  // clear a sticky-free error so that later calls do not report it again
  const std::string where = std::string(call) + " at " + file + ":" + std::to_string(line) + ": " +
                            cudaGetErrorString(status) + " (" + cudaGetErrorName(status) + ")";
  if (status == cudaErrorMemoryAllocation) {
    throw OutOfMemory("CUDA device out of memory in " + where +
                      "; use fewer samples, a smaller batch of surrogates, or device='cpu'");
  }
  throw Error("CUDA error in " + where);
}

void throw_status(int status) {
  check(static_cast<cudaError_t>(status), "throw_status", __FILE__, __LINE__);
}

int device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return count;
}

namespace {
__global__ void probe_kernel() {}
}  // namespace

std::string devices_problem() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    // e.g. cudaErrorInsufficientDriver: a driver older than the CUDA runtime linked into this build
    return std::string("the CUDA runtime found no usable device: ") + cudaGetErrorString(status) + " (" +
           cudaGetErrorName(status) + ")";
  }
  return count == 0 ? "no CUDA device is visible" : "";
}

std::string device_problem(int device) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    cudaGetLastError();
    return "device " + std::to_string(device) + " cannot be queried";
  }
  const DeviceGuard guard(device);
  cudaFuncAttributes attr{};
  const cudaError_t status = cudaFuncGetAttributes(&attr, probe_kernel);
  if (status == cudaSuccess) return "";
  cudaGetLastError();
  return "device " + std::to_string(device) + " (" + prop.name + ", compute capability " +
         std::to_string(prop.major) + "." + std::to_string(prop.minor) + ") has no kernel image in this build (" +
         "architectures " + architectures() + "): " + cudaGetErrorString(status) +
         "; rebuild with INFOSCOPE_CUDA_ARCHITECTURES set for it";
}

std::vector<DeviceInfo> devices() {
  std::vector<DeviceInfo> out;
  for (int d = 0; d < device_count(); ++d) {
    cudaDeviceProp prop{};
    INFOSCOPE_CUDA_CHECK(cudaGetDeviceProperties(&prop, d));
    out.push_back({d, prop.name, prop.major, prop.minor, prop.totalGlobalMem, prop.multiProcessorCount});
  }
  return out;
}

int runtime_version() {
  int v = 0;
  INFOSCOPE_CUDA_CHECK(cudaRuntimeGetVersion(&v));
  return v;
}

std::string architectures() { return INFOSCOPE_CUDA_ARCHITECTURES; }

DeviceGuard::DeviceGuard(int device) : previous_(0) {
  INFOSCOPE_CUDA_CHECK(cudaGetDevice(&previous_));
  if (device != previous_) INFOSCOPE_CUDA_CHECK(cudaSetDevice(device));
}

DeviceGuard::~DeviceGuard() {
  if (cudaSetDevice(previous_) != cudaSuccess) cudaGetLastError();  // not to be blamed on the next launch
}

int device_of(const void* ptr) {
  cudaPointerAttributes attr{};
  INFOSCOPE_CUDA_CHECK(cudaPointerGetAttributes(&attr, ptr));
  return attr.type == cudaMemoryTypeDevice || attr.type == cudaMemoryTypeManaged ? attr.device : -1;
}

Buffer::Buffer(std::size_t bytes) {
  if (bytes) INFOSCOPE_CUDA_CHECK(cudaMalloc(&ptr_, bytes));
}

// Destructors cannot throw: a failing cudaFree (after an earlier fault) is cleared, so that the next launch
// check does not report it as its own.
Buffer::~Buffer() {
  if (ptr_ && cudaFree(ptr_) != cudaSuccess) cudaGetLastError();
}

Buffer::Buffer(Buffer&& other) noexcept : ptr_(other.ptr_) { other.ptr_ = nullptr; }

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    if (ptr_ && cudaFree(ptr_) != cudaSuccess) cudaGetLastError();
    ptr_ = other.ptr_;
    other.ptr_ = nullptr;
  }
  return *this;
}

Matrix upload(const double* host, std::size_t rows, std::size_t cols) {
  Matrix m{Buffer(rows * cols * sizeof(double)), rows, cols, current_device()};
  INFOSCOPE_CUDA_CHECK(cudaMemcpy(m.data(), host, rows * cols * sizeof(double), cudaMemcpyHostToDevice));
  // A copy from pageable memory may still be in flight when cudaMemcpy returns; the matrix is exported with no
  // stream (ready), so wait for it.
  INFOSCOPE_CUDA_CHECK(cudaDeviceSynchronize());
  return m;
}

void download(const Matrix& m, double* host) {
  INFOSCOPE_CUDA_CHECK(cudaMemcpy(host, m.data(), m.rows * m.cols * sizeof(double), cudaMemcpyDeviceToHost));
}

namespace {

__global__ void convert_kernel(View v, double* out, int* nonfinite) {
  const std::size_t at = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (at >= v.rows * v.cols) return;
  const std::size_t r = at / v.cols, c = at % v.cols;
  const double x = as_double(v.ptr, v.dtype, element(v, r, c));
  if (!isfinite(x)) *nonfinite = 1;
  out[at] = x;
}

__global__ void gather_kernel(const double* src, std::size_t src_cols, const std::uint64_t* rows,
                              const std::uint64_t* back, const std::uint64_t* col, std::size_t n, std::size_t cols,
                              double* out) {
  const std::size_t at = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (at >= n * cols) return;
  const std::size_t r = at / cols, c = at % cols;
  out[at] = src[(rows[r] - back[c]) * src_cols + col[c]];
}

// Sum over the rows of column blockIdx.x of f(value), by one block (deterministic).
template <class F>
__device__ double column_sum(const double* m, std::size_t rows, std::size_t cols, F f) {
  double sum = 0.0;
  for (std::size_t r = threadIdx.x; r < rows; r += blockDim.x) sum += f(m[r * cols + blockIdx.x]);
  return block_sum(sum);
}

// One block per column: the mean, then the mean squared deviation from it.
__global__ void moments_kernel(const double* m, std::size_t rows, std::size_t cols, double* mean, double* std) {
  const double n = static_cast<double>(rows);
  const double mu = column_sum(m, rows, cols, [](double v) { return v; }) / n;
  const double squares = column_sum(m, rows, cols, [mu](double v) { return (v - mu) * (v - mu); });
  if (threadIdx.x == 0) {
    mean[blockIdx.x] = mu;
    std[blockIdx.x] = sqrt(squares / n);
  }
}

__global__ void affine_kernel(double* m, std::size_t rows, std::size_t cols, const double* shift,
                              const double* scale, const double* add) {
  const std::size_t at = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (at >= rows * cols) return;
  const std::size_t c = at % cols;
  double v = (m[at] - shift[c]) / scale[c];
  if (add) v += add[at];
  m[at] = v;
}

}  // namespace

Matrix to_float64(const View& view, bool* finite) {
  if (view.stream) INFOSCOPE_CUDA_CHECK(cudaStreamSynchronize(reinterpret_cast<cudaStream_t>(view.stream)));
  Matrix m{Buffer(view.rows * view.cols * sizeof(double)), view.rows, view.cols, current_device()};
  DeviceArray<int> flag(std::vector<int>{0});
  convert_kernel<<<blocks_for(view.rows * view.cols), kThreads>>>(view, m.data(), flag.get());
  INFOSCOPE_CUDA_LAUNCHED("convert_kernel");
  int nonfinite = 0;
  flag.to_host(&nonfinite);
  *finite = nonfinite == 0;
  return m;
}

Matrix assemble(const std::vector<const Matrix*>& blocks, const std::vector<std::size_t>& row_offset,
                const std::vector<std::size_t>& col_offset, std::size_t rows, std::size_t cols) {
  Matrix out{Buffer(rows * cols * sizeof(double)), rows, cols, current_device()};
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const Matrix& m = *blocks[b];
    if (row_offset[b] + m.rows > rows || col_offset[b] + m.cols > cols) {
      throw std::invalid_argument("assemble: a block lies outside the matrix");
    }
    INFOSCOPE_CUDA_CHECK(cudaMemcpy2D(out.data() + row_offset[b] * cols + col_offset[b], cols * sizeof(double),
                                      m.data(), m.cols * sizeof(double), m.cols * sizeof(double), m.rows,
                                      cudaMemcpyDeviceToDevice));
  }
  INFOSCOPE_CUDA_CHECK(cudaDeviceSynchronize());  // device-to-device copies are asynchronous; exported as ready
  return out;
}

Matrix gather(const Matrix& src, const std::vector<std::uint64_t>& rows, const std::vector<std::uint64_t>& back,
              const std::vector<std::uint64_t>& col) {
  if (back.size() != col.size()) throw std::invalid_argument("gather: back and col differ in length");
  for (std::size_t c = 0; c < col.size(); ++c) {
    if (col[c] >= src.cols) throw std::invalid_argument("gather: column out of range");
  }
  for (std::uint64_t r : rows) {
    for (std::uint64_t b : back) {
      if (r < b || r - b >= src.rows) throw std::invalid_argument("gather: row out of range");
    }
  }
  Matrix out{Buffer(rows.size() * col.size() * sizeof(double)), rows.size(), col.size(), current_device()};
  const DeviceArray<std::uint64_t> d_rows(rows), d_back(back), d_col(col);
  gather_kernel<<<blocks_for(out.rows * out.cols), kThreads>>>(src.data(), src.cols, d_rows.get(), d_back.get(),
                                                               d_col.get(), out.rows, out.cols, out.data());
  INFOSCOPE_CUDA_LAUNCHED("gather_kernel");
  INFOSCOPE_CUDA_CHECK(cudaDeviceSynchronize());
  return out;
}

void column_moments(const Matrix& m, std::vector<double>& mean, std::vector<double>& std) {
  DeviceArray<double> d_mean(m.cols), d_std(m.cols);
  moments_kernel<<<static_cast<unsigned>(m.cols), kThreads>>>(m.data(), m.rows, m.cols, d_mean.get(), d_std.get());
  INFOSCOPE_CUDA_LAUNCHED("moments_kernel");
  mean.resize(m.cols);
  std.resize(m.cols);
  d_mean.to_host(mean.data());
  d_std.to_host(std.data());
}

void affine_columns(Matrix& m, const std::vector<double>& shift, const std::vector<double>& scale,
                    const Matrix* add) {
  if (shift.size() != m.cols || scale.size() != m.cols) throw std::invalid_argument("affine_columns: one value per column");
  if (add && (add->rows != m.rows || add->cols != m.cols)) throw std::invalid_argument("affine_columns: shapes differ");
  const DeviceArray<double> d_shift(shift), d_scale(scale);
  affine_kernel<<<blocks_for(m.rows * m.cols), kThreads>>>(m.data(), m.rows, m.cols, d_shift.get(), d_scale.get(),
                                                           add ? add->data() : nullptr);
  INFOSCOPE_CUDA_LAUNCHED("affine_kernel");
  INFOSCOPE_CUDA_CHECK(cudaDeviceSynchronize());
}

}  // namespace infoscope::cuda
