// infoscope._cuda: the CUDA backend for Python, compiled by the host compiler against the CUDA-free interface
// of csrc/cuda/backend.hpp. Arrays arrive validated from the Python layer: host arrays as C-contiguous numpy
// arrays, device arrays as (pointer, dtype, shape, strides, stream) read from __cuda_array_interface__.
// OutOfMemory reaches Python as MemoryError, other CUDA errors as RuntimeError naming the call, file and line.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/histogram.hpp"
#include "core/problem.hpp"
#include "core/rules.hpp"
#include "cuda/backend.hpp"
#include "interrupt.hpp"

namespace py = pybind11;
namespace cu = infoscope::cuda;
using infoscope::bindings::release_gil;
using HostMatrix = py::array_t<double, py::array::c_style>;
using Index = py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>;

namespace {

cu::DType parse_dtype(const std::string& typestr) {
  // __cuda_array_interface__ typestr: byte order, kind, size ("<f4", "|b1", ...).
  const std::string t = typestr.size() > 1 ? typestr.substr(1) : typestr;
  if (t == "f2") return cu::DType::Float16;
  if (t == "f4") return cu::DType::Float32;
  if (t == "f8") return cu::DType::Float64;
  if (t == "i1") return cu::DType::Int8;
  if (t == "i2") return cu::DType::Int16;
  if (t == "i4") return cu::DType::Int32;
  if (t == "i8") return cu::DType::Int64;
  if (t == "u1") return cu::DType::UInt8;
  if (t == "b1") return cu::DType::Bool;
  if (t == "V2" || t == "bf16") return cu::DType::BFloat16;
  throw std::invalid_argument("unsupported dtype '" + typestr + "' on the device");
}

// A device array described by the Python layer: 2-D shape and strides in elements.
cu::View view(std::uintptr_t ptr, const std::string& typestr, std::size_t rows, std::size_t cols,
              std::int64_t row_stride, std::int64_t col_stride, std::uintptr_t stream) {
  return {reinterpret_cast<const void*>(ptr), parse_dtype(typestr), rows, cols, row_stride, col_stride, stream};
}

cu::Matrix upload(const HostMatrix& a, int device) {
  if (a.ndim() != 2) throw std::invalid_argument("expected a 2-D array");
  cu::DeviceGuard guard(device);
  const auto rows = static_cast<std::size_t>(a.shape(0)), cols = static_cast<std::size_t>(a.shape(1));
  const double* data = a.data();
  py::gil_scoped_release release;
  return cu::upload(data, rows, cols);
}

py::array_t<double> to_host(const cu::Matrix& m) {
  py::array_t<double> out({static_cast<py::ssize_t>(m.rows), static_cast<py::ssize_t>(m.cols)});
  double* dst = out.mutable_data();
  cu::DeviceGuard guard(m.device);
  py::gil_scoped_release release;
  cu::download(m, dst);
  return out;
}

// Runs fn(out) with the GIL released on the matrix's device; returns the n values.
// (device < 0: the callee picks its own.)
template <class Fn>
py::array_t<double> values(int device, std::size_t n, Fn&& fn) {
  py::array_t<double> out(static_cast<py::ssize_t>(n));
  double* dst = out.mutable_data();
  std::optional<cu::DeviceGuard> guard;
  if (device >= 0) guard.emplace(device);
  release_gil([&] { fn(dst); });
  return out;
}

infoscope::Symbols row_symbols(const cu::View& v, int device, const infoscope::Binning& binning) {
  cu::DeviceGuard guard(device);
  const infoscope::KeyMultipliers m = infoscope::key_multipliers(binning.count);
  std::vector<infoscope::Key> keys;
  bool nonfinite = false, outside = false;
  {
    py::gil_scoped_release release;
    cu::row_keys(v, binning, m, keys, &nonfinite, &outside);
  }
  infoscope::check_key_problems(binning, nonfinite, outside);
  return infoscope::number_keys(keys, m);
}

}  // namespace

PYBIND11_MODULE(_cuda, m) {
  m.doc() = "infoscope CUDA backend. Use the estimators' device= argument, which validates inputs.";
  // pybind11 tries the most recently registered translator first: the subclass OutOfMemory after its base.
  py::register_exception<cu::Error>(m, "CudaError", PyExc_RuntimeError);
  py::register_exception<cu::OutOfMemory>(m, "DeviceOutOfMemory", PyExc_MemoryError);

  m.attr("MAX_NEIGHBORS") = cu::kMaxNeighbors;
  m.def("device_count", &cu::device_count, "Number of visible CUDA devices (0 without a driver).");
  m.def("_throw_status", &cu::throw_status, py::arg("status"),
        "Raises what a failed CUDA call with this cudaError_t status raises (tests of the error translation).");
  m.def("devices_problem", &cu::devices_problem, "Why no CUDA device can be used; '' when one is visible.");
  m.def("device_problem", &cu::device_problem, py::arg("device"),
        "Why a device cannot run this build's kernels; '' when it can.");
  m.def("runtime_version", &cu::runtime_version);
  m.def("architectures", &cu::architectures, "The CUDA architectures compiled in.");
  m.def("devices", [] {
    py::list out;
    for (const auto& d : cu::devices()) {
      py::dict info;
      info["index"] = d.index;
      info["name"] = d.name;
      info["compute_capability"] = std::to_string(d.major) + "." + std::to_string(d.minor);
      info["memory_gib"] = static_cast<double>(d.memory) / (1 << 30);
      info["multiprocessors"] = d.multiprocessors;
      out.append(info);
    }
    return out;
  });
  m.def("device_of", [](std::uintptr_t ptr) { return cu::device_of(reinterpret_cast<const void*>(ptr)); },
        py::arg("ptr"), "The device holding a pointer; -1 for host memory.");

  py::class_<cu::View>(m, "View", "A 2-D device array of another framework (shape and strides in elements).")
      .def(py::init(&view), py::arg("ptr"), py::arg("typestr"), py::arg("rows"), py::arg("cols"),
           py::arg("row_stride"), py::arg("col_stride"), py::arg("stream"))
      .def_readonly("rows", &cu::View::rows)
      .def_readonly("cols", &cu::View::cols);

  py::class_<cu::Matrix>(m, "Matrix", "A float64 row-major matrix in device memory.")
      .def_readonly("rows", &cu::Matrix::rows)
      .def_readonly("cols", &cu::Matrix::cols)
      .def_readonly("device", &cu::Matrix::device)
      .def_property_readonly("shape", [](const cu::Matrix& a) { return py::make_tuple(a.rows, a.cols); })
      .def("to_host", &to_host)
      .def_property_readonly("__cuda_array_interface__", [](const cu::Matrix& a) {
        py::dict cai;
        cai["shape"] = py::make_tuple(a.rows, a.cols);
        cai["typestr"] = "<f8";
        cai["data"] = py::make_tuple(reinterpret_cast<std::uintptr_t>(a.data()), false);
        cai["version"] = 3;
        cai["strides"] = py::none();
        cai["stream"] = py::none();  // the backend's work is complete when its calls return
        return cai;
      });
  m.def("upload", &upload, py::arg("a").noconvert(), py::arg("device"));
  m.def(
      "to_float64",
      [](const cu::View& v, int device) {
        cu::DeviceGuard guard(device);
        bool finite = true;
        py::gil_scoped_release release;
        cu::Matrix out = cu::to_float64(v, &finite);
        return std::make_pair(std::move(out), finite);
      },
      py::arg("view"), py::arg("device"), "(the view as a float64 matrix, whether all its values are finite)");
  m.def(
      "assemble",
      [](const std::vector<const cu::Matrix*>& blocks, const std::vector<std::size_t>& row_offset,
         const std::vector<std::size_t>& col_offset, std::size_t rows, std::size_t cols) {
        if (blocks.empty() || row_offset.size() != blocks.size() || col_offset.size() != blocks.size()) {
          throw std::invalid_argument("assemble: one row and column offset per block");
        }
        cu::DeviceGuard guard(blocks.front()->device);
        py::gil_scoped_release release;
        return cu::assemble(blocks, row_offset, col_offset, rows, cols);
      },
      py::arg("blocks"), py::arg("row_offset"), py::arg("col_offset"), py::arg("rows"), py::arg("cols"));
  m.def(
      "gather",
      [](const cu::Matrix& src, const Index& rows, const Index& back, const Index& col) {
        auto vec = [](const Index& a) { return std::vector<std::uint64_t>(a.data(), a.data() + a.size()); };
        const auto r = vec(rows), b = vec(back), c = vec(col);
        cu::DeviceGuard guard(src.device);
        py::gil_scoped_release release;
        return cu::gather(src, r, b, c);
      },
      py::arg("src"), py::arg("rows"), py::arg("back"), py::arg("col"));
  m.def("column_moments", [](const cu::Matrix& a) {
    std::vector<double> mean, std;
    cu::DeviceGuard guard(a.device);
    cu::column_moments(a, mean, std);
    return std::make_pair(py::array_t<double>(mean.size(), mean.data()), py::array_t<double>(std.size(), std.data()));
  });
  m.def(
      "affine_columns",
      [](cu::Matrix& a, const std::vector<double>& shift, const std::vector<double>& scale,
         std::optional<const cu::Matrix*> add) {  // optional: typed "Matrix | None" in the stubs
        cu::DeviceGuard guard(a.device);
        py::gil_scoped_release release;
        cu::affine_columns(a, shift, scale, add.value_or(nullptr));
      },
      py::arg("a"), py::arg("shift"), py::arg("scale"), py::arg("add") = py::none());

  // The problem interface is the CPU module's class: Python holds either backend's problems as one type.
  py::module_::import("infoscope._core");
  py::class_<cu::KsgConditionalMI, infoscope::CmiProblem>(m, "KsgConditionalMI",
                                                          "KSG / Frenzel-Pompe CMI on the device, prepared for surrogates.")
      .def(py::init([](cu::Matrix& xzy, std::size_t dx, std::size_t dz, std::size_t k,
                       std::vector<std::size_t> trial_starts, std::size_t theiler) {
             if (dx + dz >= xzy.cols) throw std::invalid_argument("y needs at least one column");
             const std::size_t dy = xzy.cols - dx - dz;
             cu::Matrix data = std::move(xzy);
             xzy.rows = xzy.cols = 0;  // the Python object is left empty, not dangling
             return release_gil([&] {
               return new cu::KsgConditionalMI(std::move(data), dx, dz, dy, k,
                                               infoscope::TimeWindow{std::move(trial_starts), theiler});
             });
           }),
           py::arg("xzy"), py::arg("dx"), py::arg("dz"), py::arg("k"), py::arg("trial_starts"), py::arg("theiler"),
           "Takes over the matrix's memory: xzy is empty afterwards.");

  m.def(
      "ksg2_locals",
      [](const cu::Matrix& a, std::size_t dx, std::size_t k) {
        return values(a.device, a.rows, [&](double* out) { cu::ksg2_locals(a, dx, k, out); });
      },
      py::arg("xy"), py::arg("dx"), py::arg("k"));
  m.def(
      "kl_locals",
      [](const cu::Matrix& a, std::size_t k, const std::string& metric, const std::vector<double>& w) {
        const infoscope::Metric mt = infoscope::rules::metric_from_name(metric);
        return values(a.device, a.rows, [&](double* out) { cu::kl_locals(a, k, mt, w, out); });
      },
      py::arg("x"), py::arg("k"), py::arg("metric"), py::arg("weights"));
  m.def(
      "gaussian_kernel_log_mean",
      [](const cu::Matrix& a, double h) {
        return values(a.device, a.rows, [&](double* out) { cu::gaussian_kernel_log_mean(a, h, out); });
      },
      py::arg("x"), py::arg("h"));

  m.def(
      "column_range",
      [](const cu::View& v, int device) -> py::object {
        cu::DeviceGuard guard(device);
        if (v.dtype >= cu::DType::Int8) {
          std::vector<std::int64_t> lo, hi;
          cu::column_range(v, lo, hi);
          return py::make_tuple(py::array_t<std::int64_t>(lo.size(), lo.data()),
                                py::array_t<std::int64_t>(hi.size(), hi.data()), true);
        }
        std::vector<double> lo, hi;
        bool finite = true;
        cu::column_range(v, lo, hi, &finite);
        return py::make_tuple(py::array_t<double>(lo.size(), lo.data()), py::array_t<double>(hi.size(), hi.data()),
                              finite);
      },
      py::arg("view"), py::arg("device"), "(column minima, column maxima, all finite) of a device array.");
  m.def("row_symbols", &row_symbols, py::arg("view"), py::arg("device"), py::arg("binning"),
        "The symbols of the rows of a device array under a binning, numbered as the CPU core numbers them.");
}
