// infoscope._core: the CPU core for Python. Takes validated float64 C-contiguous arrays (the Python layer
// converts once), releases the GIL, calls csrc/core. std::invalid_argument reaches Python as ValueError.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

#include "core/knn_estimators.hpp"
#include "core/parallel.hpp"

namespace py = pybind11;
using Matrix = py::array_t<double, py::array::c_style>;

namespace {

struct Samples {
  const double* data;
  std::size_t n, cols;
};

Samples samples(const Matrix& a) {
  if (a.ndim() != 2) throw std::invalid_argument("expected a 2-D array of samples");
  return {a.data(), static_cast<std::size_t>(a.shape(0)), static_cast<std::size_t>(a.shape(1))};
}

infoscope::Metric parse_metric(const std::string& name) {
  if (name == "chebyshev") return infoscope::Metric::Chebyshev;
  if (name == "euclidean") return infoscope::Metric::Euclidean;
  throw std::invalid_argument("metric must be 'chebyshev' or 'euclidean', got '" + name + "'");
}

// Runs fn(out_pointer) with the GIL released and returns the n local values.
template <class Fn>
py::array_t<double> locals(std::size_t n, Fn&& fn) {
  py::array_t<double> out(static_cast<py::ssize_t>(n));
  double* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    fn(dst);
  }
  return out;
}

std::string compiler() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return "gcc " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
         std::to_string(__GNUC_PATCHLEVEL__);
#elif defined(_MSC_VER)
  return "msvc " + std::to_string(_MSC_VER);
#else
  return "unknown";
#endif
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "infoscope CPU core (C++17). Use the functions of the infoscope package, which validate inputs.";

  m.def(
      "kl_entropy",
      [](const Matrix& x, std::size_t k, const std::string& metric, int workers) {
        const Samples s = samples(x);
        const infoscope::Metric mt = parse_metric(metric);
        return locals(s.n, [&](double* out) { infoscope::kl_entropy(s.data, s.n, s.cols, k, mt, workers, out); });
      },
      py::arg("x").noconvert(), py::arg("k"), py::arg("metric"), py::arg("workers"),
      "Local Kozachenko-Leonenko entropies (nats) of the rows of x.");

  m.def(
      "ksg_mutual_info",
      [](const Matrix& xy, std::size_t dx, std::size_t k, int algorithm, int workers) {
        const Samples s = samples(xy);
        if (dx == 0 || dx >= s.cols) throw std::invalid_argument("dx must split the columns into x and y");
        return locals(s.n, [&](double* out) {
          infoscope::ksg_mutual_info(s.data, s.n, dx, s.cols - dx, k, algorithm, workers, out);
        });
      },
      py::arg("xy").noconvert(), py::arg("dx"), py::arg("k"), py::arg("algorithm"), py::arg("workers"),
      "Local KSG mutual informations (nats); xy holds the dx columns of x, then those of y.");

  m.def(
      "ksg_conditional_mutual_info",
      [](const Matrix& xzy, std::size_t dx, std::size_t dz, std::size_t k, int workers) {
        const Samples s = samples(xzy);
        if (dx == 0 || dz == 0 || dx + dz >= s.cols) {
          throw std::invalid_argument("dx and dz must split the columns into x, z and y");
        }
        return locals(s.n, [&](double* out) {
          infoscope::ksg_conditional_mutual_info(s.data, s.n, dx, dz, s.cols - dx - dz, k, workers, out);
        });
      },
      py::arg("xzy").noconvert(), py::arg("dx"), py::arg("dz"), py::arg("k"), py::arg("workers"),
      "Local Frenzel-Pompe conditional mutual informations (nats); columns ordered x, z, y.");

  m.def(
      "build_info",
      []() {
        py::dict info;
        info["version"] = INFOSCOPE_VERSION;
        info["compiler"] = compiler();
#ifdef _OPENMP
        info["openmp"] = true;
#else
        info["openmp"] = false;
#endif
        info["threads"] = infoscope::available_threads();
        info["native_arch"] = static_cast<bool>(INFOSCOPE_NATIVE_BUILD);
        info["cuda_option"] = INFOSCOPE_CUDA_OPTION;
        return info;
      },
      "How this core was built: version, compiler, OpenMP, threads, CPU tuning, CUDA option.");
}
