// The CUDA backend's interface, free of CUDA types so that the bindings compile with the host compiler: device
// memory behind owning handles, conversion of other frameworks' device arrays, and the estimators' kernels.
// Every function runs on the current device (DeviceGuard picks one) and returns once its results are ready.
// Failures throw Error (naming the CUDA call, file and line), OutOfMemory for exhausted device memory, and
// std::invalid_argument for arguments no kernel exists for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/distance.hpp"
#include "core/histogram.hpp"
#include "core/problem.hpp"

namespace infoscope::cuda {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutOfMemory : public Error {
 public:
  using Error::Error;
};

struct DeviceInfo {
  int index;
  std::string name;
  int major, minor;  // compute capability
  std::size_t memory;
  int multiprocessors;
};

int device_count();  // 0 without a driver or a device; never throws
// Why no device can be used ("" when one is visible), e.g. a driver too old for the linked CUDA runtime.
std::string devices_problem();
// Why `device` cannot run this build's kernels ("" when it can): no kernel image for its architecture.
std::string device_problem(int device);
// Throws what a failed CUDA call with this status throws (OutOfMemory, Error); for tests of the translation.
void throw_status(int status);
std::vector<DeviceInfo> devices();
int runtime_version();
std::string architectures();  // the architectures compiled in, e.g. "80-real;90"

// Makes `device` current for its lifetime, then restores the previous one.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_;
};

// The device that holds the memory at ptr; -1 for host memory.
int device_of(const void* ptr);

// Device memory, freed on destruction.
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::size_t bytes);
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* get() const { return ptr_; }

 private:
  void* ptr_ = nullptr;
};

// A row-major float64 matrix in device memory.
struct Matrix {
  Buffer buffer;
  std::size_t rows = 0, cols = 0;
  int device = 0;
  double* data() const { return static_cast<double*>(buffer.get()); }
};

enum class DType { Float16, BFloat16, Float32, Float64, Int8, Int16, Int32, Int64, UInt8, Bool };

// An external array in device memory (a torch tensor, a CuPy array): element (r, c) lies at ptr + r * row_stride
// + c * col_stride elements. `stream` (0 for none) is synchronised before the array is read.
struct View {
  const void* ptr;
  DType dtype;
  std::size_t rows, cols;
  std::int64_t row_stride, col_stride;
  std::uintptr_t stream = 0;
};

Matrix upload(const double* host, std::size_t rows, std::size_t cols);
void download(const Matrix& m, double* host);

// The view as float64; whether all its values are finite goes to *finite.
Matrix to_float64(const View& view, bool* finite);

// Blocks side by side and stacked: block b is copied to rows row_offset[b].., columns col_offset[b].. of a
// rows x cols matrix, which the blocks must cover.
Matrix assemble(const std::vector<const Matrix*>& blocks, const std::vector<std::size_t>& row_offset,
                const std::vector<std::size_t>& col_offset, std::size_t rows, std::size_t cols);

// out[r, c] = src[rows[r] - back[c], col[c]]: a delay embedding (or any row and column selection).
Matrix gather(const Matrix& src, const std::vector<std::uint64_t>& rows, const std::vector<std::uint64_t>& back,
              const std::vector<std::uint64_t>& col);

// Column means and population standard deviations (sum of squared deviations / rows).
void column_moments(const Matrix& m, std::vector<double>& mean, std::vector<double>& std);
// m[:, c] = (m[:, c] - shift[c]) / scale[c], then + add (same shape) when given.
void affine_columns(Matrix& m, const std::vector<double>& shift, const std::vector<double>& scale,
                    const Matrix* add);

// The KSG / Frenzel-Pompe conditional mutual information of KsgConditionalMI (core/knn_estimators.hpp) on
// the device, with the same counts and the same rules: data n x (dx + dz + dy), columns X, Z, Y (moved in).
class KsgConditionalMI final : public CmiProblem {
 public:
  KsgConditionalMI(Matrix data, std::size_t dx, std::size_t dz, std::size_t dy, std::size_t k, TimeWindow window);
  ~KsgConditionalMI() override;
  std::size_t size() const override;
  void locals(double* host_local) const override;
  // Many surrogates per launch; a batch that does not fit in half the free memory runs in several launches.
  void surrogates(const std::uint32_t* host_perms, std::size_t count, double* host_estimates) const override;
  std::size_t surrogate_batch() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The largest k (k + 0 neighbours kept per thread) the k-NN kernels take.
constexpr std::size_t kMaxNeighbors = 128;

// KSG algorithm 2 local values; data n x (dx + dy).
void ksg2_locals(const Matrix& data, std::size_t dx, std::size_t k, double* host_local);

// Kozachenko-Leonenko local entropies with weights w (k of them, or none: the plain estimator).
void kl_locals(const Matrix& data, std::size_t k, Metric metric, const std::vector<double>& w, double* host_local);

// log((1/n) sum_j exp(-|x_i - x_j|^2 / (2 h))) for every row i.
void gaussian_kernel_log_mean(const Matrix& x, double h, double* host_out);

// Per-column minimum and maximum of a view, and whether all its values are finite.
void column_range(const View& view, std::vector<double>& lo, std::vector<double>& hi, bool* finite);
// The same for an integer view, exactly.
void column_range(const View& view, std::vector<std::int64_t>& lo, std::vector<std::int64_t>& hi);

// The keys of the rows of a view under a binning (core/histogram.hpp), as row_symbols
// folds them, and whether values were non-finite or outside the binning.
void row_keys(const View& view, const Binning& binning, const KeyMultipliers& multipliers, std::vector<Key>& keys,
              bool* nonfinite, bool* outside);

}  // namespace infoscope::cuda
