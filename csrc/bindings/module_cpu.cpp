// infoscope._core: the CPU core for Python. Takes validated C-contiguous arrays (float64 for the k-NN family;
// float32, float64 or int64 for binning: the Python layer converts once, if at all), releases the GIL, calls
// csrc/core. std::invalid_argument reaches Python as ValueError; Ctrl-C stops long calls (interrupt.hpp).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/brute_force.hpp"
#include "core/gaussian.hpp"
#include "core/histogram.hpp"
#include "core/kernel_density.hpp"
#include "core/knn_estimators.hpp"
#include "core/mixed_estimators.hpp"
#include "core/parallel.hpp"
#include "core/permutations.hpp"
#include "core/preprocess.hpp"
#include "core/problem.hpp"
#include "core/rules.hpp"
#include "core/special.hpp"
#include "interrupt.hpp"

namespace py = pybind11;
using infoscope::bindings::release_gil;
using Matrix = py::array_t<double, py::array::c_style>;
using Permutations = py::array_t<std::uint32_t, py::array::c_style>;

namespace {

struct Samples {
  const double* data;
  std::size_t n, cols;
};

Samples samples(const Matrix& a) {
  if (a.ndim() != 2) throw std::invalid_argument("expected a 2-D array of samples");
  return {a.data(), static_cast<std::size_t>(a.shape(0)), static_cast<std::size_t>(a.shape(1))};
}

// Runs fn(out_pointer) with the GIL released (as `job`, when given) and returns the n local values.
template <class Fn>
py::array_t<double> locals(std::size_t n, Fn&& fn, infoscope::Job* job = nullptr) {
  py::array_t<double> out(static_cast<py::ssize_t>(n));
  double* dst = out.mutable_data();
  release_gil([&] { fn(dst); }, job);
  return out;
}

// Symbols of the rows of a 2-D C-contiguous array of float32, float64 or int64.
infoscope::Symbols row_symbols(const py::array& a, const infoscope::Binning& binning, int workers) {
  if (a.ndim() != 2 || !(a.flags() & py::array::c_style)) throw std::invalid_argument("expected a C-contiguous 2-D array");
  const auto n = static_cast<std::size_t>(a.shape(0)), d = static_cast<std::size_t>(a.shape(1));
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* data = static_cast<const T*>(a.data());
    return release_gil([&] { return infoscope::row_symbols<T>(data, n, d, binning, workers); });
  };
  if (py::isinstance<py::array_t<float>>(a)) return run(float{});
  if (py::isinstance<py::array_t<double>>(a)) return run(double{});
  if (py::isinstance<py::array_t<std::int64_t>>(a)) return run(std::int64_t{});
  throw std::invalid_argument("expected float32, float64 or int64 data");
}

// The estimates of a problem with Y permuted by each row of a (count, n) array, computed with the GIL released.
py::array_t<double> surrogates(const infoscope::CmiProblem& problem, const Permutations& perms) {
  if (perms.ndim() != 2 || static_cast<std::size_t>(perms.shape(1)) != problem.size()) {
    throw std::invalid_argument("perms must have shape (count, n)");
  }
  const auto count = static_cast<std::size_t>(perms.shape(0));
  py::array_t<double> out(static_cast<py::ssize_t>(count));
  const std::uint32_t* p = perms.data();
  double* dst = out.mutable_data();
  release_gil([&] { problem.surrogates(p, count, dst); });
  return out;
}

using Indices = py::array_t<std::size_t, py::array::c_style>;

// Checks the (count, 4) bounds of many estimates over `columns`; returns count.
std::size_t many_count(const Indices& columns, const Indices& bounds) {
  if (columns.ndim() != 1 || bounds.ndim() != 2 || bounds.shape(1) != 4) {
    throw std::invalid_argument("columns must be 1-D and bounds of shape (count, 4)");
  }
  const auto count = static_cast<std::size_t>(bounds.shape(0));
  const std::size_t* b = bounds.data();
  for (std::size_t e = 0; e < count; ++e) {
    if (b[4 * e + 3] > static_cast<std::size_t>(columns.shape(0))) throw std::invalid_argument("bounds beyond columns");
  }
  return count;
}

// (estimates, count x n local values or None) of many estimates computed by run(estimates, local) without the GIL.
template <class Run>
py::tuple many(std::size_t count, std::size_t n, bool with_locals, Run&& run) {
  py::array_t<double> estimates(static_cast<py::ssize_t>(count));
  py::object locals = py::none();
  double* local = nullptr;
  if (with_locals) {
    py::array_t<double> values({static_cast<py::ssize_t>(count), static_cast<py::ssize_t>(n)});
    local = values.mutable_data();
    locals = values;
  }
  double* out = estimates.mutable_data();
  release_gil([&] { run(out, local); });
  return py::make_tuple(estimates, locals);
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

PYBIND11_MODULE(INFOSCOPE_MODULE_NAME, m) {
  m.doc() = "infoscope CPU core (C++17). Use the functions of the infoscope package, which validate inputs.";

  py::class_<infoscope::Job>(m, "Job", "Progress of one native call, readable from another thread while it runs.")
      .def(py::init<>())
      .def_property_readonly(
          "done", [](const infoscope::Job& j) { return j.done.load(std::memory_order_relaxed); },
          "Items (rows) the call's parallel loops have finished.");

  m.def(
      "kl_entropy",
      [](const Matrix& x, std::size_t k, const std::string& metric, int workers, std::vector<double> weights) {
        const Samples s = samples(x);
        const infoscope::Metric mt = infoscope::rules::metric_from_name(metric);
        return locals(s.n, [&](double* out) {
          infoscope::kl_entropy(s.data, s.n, s.cols, k, mt, workers, out, weights);
        });
      },
      py::arg("x").noconvert(), py::arg("k"), py::arg("metric"), py::arg("workers"),
      py::arg("weights") = std::vector<double>{},
      "Local Kozachenko-Leonenko entropies (nats) of the rows of x; weights over the 1st..k-th neighbours "
      "(Berrett et al. 2019), or none for the k-th alone.");

  m.def(
      "nearest_neighbours",
      [](const Matrix& x, std::size_t k, int workers) {
        const Samples s = samples(x);
        if (s.n >= (std::size_t{1} << 32)) throw std::invalid_argument("more rows than 32-bit indices hold");
        py::array_t<std::uint32_t> out({static_cast<py::ssize_t>(s.n), static_cast<py::ssize_t>(k)});
        std::uint32_t* dst = out.mutable_data();
        release_gil([&] { infoscope::nearest_neighbours(s.data, s.n, s.cols, k, workers, dst); });
        return out;
      },
      py::arg("x").noconvert(), py::arg("k"), py::arg("workers"),
      "(n, k) uint32 row indices of the k nearest other rows of every row of x (max-norm, ties by lower index).");

  m.def(
      "permuted_cross_products",
      [](const Matrix& wt, const Matrix& y, const Permutations& perms, int workers) {
        const Samples sw = samples(wt), sy = samples(y);
        if (sw.cols != sy.n) throw std::invalid_argument("wt must have a column per row of y");
        if (perms.ndim() != 2 || static_cast<std::size_t>(perms.shape(1)) != sy.n)
          throw std::invalid_argument("perms must be a (count, n) array of row maps");
        const auto count = static_cast<std::size_t>(perms.shape(0));
        py::array_t<double> out({static_cast<py::ssize_t>(count), static_cast<py::ssize_t>(sw.n),
                                 static_cast<py::ssize_t>(sy.cols)});
        double* dst = out.mutable_data();
        const std::uint32_t* p = perms.data();
        release_gil([&] {
          infoscope::permuted_cross_products(sw.data, sw.n, sy.n, sy.data, sy.cols, p, count, workers, dst);
        });
        return out;
      },
      py::arg("wt").noconvert(), py::arg("y").noconvert(), py::arg("perms").noconvert(), py::arg("workers"),
      "(count, a, dy) W^T Y[perms[s]] / n for each row map s, wt = W^T (a, n): the cross-products of Gaussian CMI "
      "surrogates.");

  m.def(
      "shuffle_within_trials",
      [](const std::vector<std::int64_t>& starts, std::size_t count, std::uint64_t seed, int workers,
         std::optional<Permutations> out) {
        if (starts.size() < 2) throw std::invalid_argument("starts must hold at least two offsets (one trial)");
        const auto n = static_cast<py::ssize_t>(std::max<std::int64_t>(starts.back(), 0));
        if (!out) out = Permutations({static_cast<py::ssize_t>(count), n});
        if (out->ndim() != 2 || out->shape(0) != static_cast<py::ssize_t>(count) || out->shape(1) != n)
          throw std::invalid_argument("out must be a (count, n) uint32 array");
        std::uint32_t* dst = out->mutable_data();
        release_gil([&] {
          infoscope::shuffle_within_trials(starts.data(), starts.size() - 1, count, seed, workers, dst);
        });
        return *out;
      },
      py::arg("starts"), py::arg("count"), py::arg("seed"), py::arg("workers"),
      py::arg("out").noconvert() = py::none(),
      "(count, n) uint32 row maps, each a uniform random permutation of the rows within every trial "
      "starts[t]:starts[t + 1] (Fisher-Yates, xoshiro256**); map s depends only on (seed, s). Written into out "
      "when given (a C-contiguous array reused across calls).");

  m.def(
      "standardize",
      [](const std::vector<Matrix>& blocks, bool normalize, std::optional<Matrix> noise, double noise_scale) {
        if (blocks.empty()) throw std::invalid_argument("standardize: no blocks");
        std::vector<infoscope::ColumnBlock> parts;
        std::size_t d = 0;
        const auto n = static_cast<std::size_t>(blocks.front().shape(0));
        for (const Matrix& b : blocks) {
          const Samples s = samples(b);
          if (s.n != n) throw std::invalid_argument("standardize: blocks of different lengths");
          parts.push_back({s.data, s.cols});
          d += s.cols;
        }
        if (noise && (noise->ndim() != 2 || static_cast<std::size_t>(noise->shape(0)) != n ||
                      static_cast<std::size_t>(noise->shape(1)) != d)) {
          throw std::invalid_argument("standardize: noise must have the shape of the table");
        }
        Matrix out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(d)});
        py::array_t<double> scale(static_cast<py::ssize_t>(d));
        infoscope::standardize(parts, n, normalize, noise ? noise->data() : nullptr, noise_scale, out.mutable_data(),
                               scale.mutable_data());
        return py::make_tuple(out, scale);
      },
      py::arg("blocks"), py::arg("normalize"), py::arg("noise"), py::arg("noise_scale"),
      "(the blocks side by side, standardised and with noise * noise_scale added, the scales divided out).");

  m.def("digamma", py::vectorize(infoscope::digamma), py::arg("x"), "The digamma function psi(x) of the core.");
  m.def("normal_quantile", py::vectorize(infoscope::normal_quantile), py::arg("p"),
        "The standard normal quantile function Phi^-1(p).");

  m.def(
      "lnc_correction",
      [](const Matrix& x, std::size_t k, double alpha, int workers) {
        if (!(alpha > 0.0 && alpha <= 1.0)) throw std::invalid_argument("alpha must be in (0, 1]");
        const Samples s = samples(x);
        return locals(s.n, [&](double* out) {
          infoscope::lnc_correction(s.data, s.n, s.cols, k, std::log(alpha), workers, out);
        });
      },
      py::arg("x").noconvert(), py::arg("k"), py::arg("alpha"), py::arg("workers"),
      "Local LNC corrections (Gao, Ver Steeg & Galstyan 2015, nats) to add to KSG local values of the joint rows x.");

  m.def(
      "ksg_mutual_info",
      [](const Matrix& xy, std::size_t dx, std::size_t k, int algorithm, int workers, std::size_t theiler) {
        const Samples s = samples(xy);
        if (dx == 0 || dx >= s.cols) throw std::invalid_argument("dx must split the columns into x and y");
        const infoscope::TimeWindow window{{}, theiler};
        return locals(s.n, [&](double* out) {
          infoscope::ksg_mutual_info(s.data, s.n, dx, s.cols - dx, k, algorithm, workers, out, window);
        });
      },
      py::arg("xy").noconvert(), py::arg("dx"), py::arg("k"), py::arg("algorithm"), py::arg("workers"),
      py::arg("theiler") = 0,
      "Local KSG mutual informations (nats); xy holds the dx columns of x, then those of y; the rows are one time "
      "series whose neighbours at most theiler steps away are left out.");

  m.def(
      "ksg_multi_information",
      [](const Matrix& xs, const std::vector<std::size_t>& dims, std::size_t k, int algorithm, int workers,
         std::size_t theiler) {
        const Samples s = samples(xs);
        std::size_t cols = 0;
        for (std::size_t d : dims) cols += d;
        if (cols != s.cols) throw std::invalid_argument("dims must add up to the columns of xs");
        const infoscope::TimeWindow window{{}, theiler};
        return locals(s.n, [&](double* out) {
          infoscope::ksg_multi_information(s.data, s.n, dims, k, algorithm, window, workers, out);
        });
      },
      py::arg("xs").noconvert(), py::arg("dims"), py::arg("k"), py::arg("algorithm"), py::arg("workers"),
      py::arg("theiler") = 0,
      "Local KSG multi-informations (nats, Kraskov et al. 2004 eqs. 11-12); xs holds the variables' columns side "
      "by side, dims[v] of variable v.");

  py::class_<infoscope::CmiProblem>(
      m, "CmiProblem",
      "I(X;Y|Z) prepared once, repeatable with the rows of Y permuted: the one interface of every backend.")
      .def("__len__", &infoscope::CmiProblem::size)
      .def_property_readonly("batch", &infoscope::CmiProblem::surrogate_batch,
                             "Surrogates per call that keep the backend busy.")
      .def(
          "locals",
          [](const infoscope::CmiProblem& self) {
            return locals(self.size(), [&](double* out) { self.locals(out); });
          },
          "The local values (nats).")
      .def("surrogates", &surrogates, py::arg("perms").noconvert(),
           "Estimates with the rows of Y permuted by each row of perms, a (count, n) uint32 array.");

  py::class_<infoscope::KsgConditionalMI, infoscope::CmiProblem>(
      m, "KsgConditionalMI",
      "KSG I(X;Y|Z) (Frenzel-Pompe for algorithm 1; KSG I(X;Y) when dz = 0) of time-indexed samples, repeatable "
      "with Y permuted.")
      .def(py::init([](const Matrix& xzy, std::size_t dx, std::size_t dz, std::size_t k,
                       std::vector<std::size_t> trial_starts, std::size_t theiler, int workers, int algorithm) {
             const Samples s = samples(xzy);
             if (dx + dz >= s.cols) throw std::invalid_argument("y needs at least one column");
             return release_gil([&] {
               return std::make_unique<infoscope::KsgConditionalMI>(
                   s.data, s.n, dx, dz, s.cols - dx - dz, k,
                   infoscope::TimeWindow{std::move(trial_starts), theiler}, workers, algorithm);
             });
           }),
           py::arg("xzy").noconvert(), py::arg("dx"), py::arg("dz"), py::arg("k"), py::arg("trial_starts"),
           py::arg("theiler"), py::arg("workers"), py::arg("algorithm") = 1)
      .def("share_conditioning", &infoscope::KsgConditionalMI::share_conditioning, py::arg("other"),
           "Share other's neighbours in the X-Z and Z spaces when other has the same X and Z columns, window and "
           "algorithm (built once, at the first surrogates of either); returns whether it does.");

  // Mixed discrete-continuous estimators (mixed_estimators.hpp): the first `split` columns are the discrete (or X)
  // ones.
  auto split_columns = [](const Samples& s, std::size_t split, const char* what) {
    if (split == 0 || split >= s.cols) throw std::invalid_argument(std::string(what) + " must split the columns in two");
  };
  m.def(
      "ross_mutual_info",
      [split_columns](const Matrix& dc, std::size_t dd, std::size_t k, int workers) {
        const Samples s = samples(dc);
        split_columns(s, dd, "dd");
        return locals(s.n, [&](double* out) { infoscope::ross_mutual_info(s.data, s.n, dd, s.cols - dd, k, workers, out); });
      },
      py::arg("dc").noconvert(), py::arg("dd"), py::arg("k"), py::arg("workers"),
      "Local I(D;C) of Ross 2014 (nats); dc holds the dd discrete columns, then the continuous ones.");
  m.def(
      "gao_mutual_info",
      [split_columns](const Matrix& xy, std::size_t dx, std::size_t k, int workers) {
        const Samples s = samples(xy);
        split_columns(s, dx, "dx");
        return locals(s.n, [&](double* out) { infoscope::gao_mutual_info(s.data, s.n, dx, s.cols - dx, k, workers, out); });
      },
      py::arg("xy").noconvert(), py::arg("dx"), py::arg("k"), py::arg("workers"),
      "Local I(X;Y) of Gao, Kannan, Oh & Viswanath 2017 (nats) for discrete-continuous mixtures.");
  m.def(
      "mixed_entropy",
      [](const Matrix& x, std::size_t dd, std::size_t k, int workers) {
        const Samples s = samples(x);
        if (dd > s.cols) throw std::invalid_argument("dd must be at most the number of columns");
        return locals(s.n, [&](double* out) { infoscope::mixed_entropy(s.data, s.n, dd, s.cols - dd, k, workers, out); });
      },
      py::arg("x").noconvert(), py::arg("dd"), py::arg("k"), py::arg("workers"),
      "Local H(D) + h(C|D) (nats); x holds the dd discrete columns, then the continuous ones.");
  py::class_<infoscope::MixedConditionalMI, infoscope::CmiProblem>(
      m, "MixedConditionalMI",
      "Mesner-Shalizi I(X;Y|Z) of discrete-continuous mixtures (dz = 0: I(X;Y)), repeatable with Y permuted.")
      .def(py::init([](const Matrix& xzy, std::size_t dx, std::size_t dz, std::size_t k, int workers) {
             const Samples s = samples(xzy);
             if (dx + dz >= s.cols) throw std::invalid_argument("y needs at least one column");
             return release_gil([&] {
               return std::make_unique<infoscope::MixedConditionalMI>(s.data, s.n, dx, dz, s.cols - dx - dz, k, workers);
             });
           }),
           py::arg("xzy").noconvert(), py::arg("dx"), py::arg("dz"), py::arg("k"), py::arg("workers"));

  m.def(
      "ksg_many",
      [](const Matrix& data, const Indices& columns, const Indices& bounds, std::size_t k,
         std::vector<std::size_t> trial_starts, std::size_t theiler, int workers, bool with_locals) {
        const Samples s = samples(data);
        const std::size_t count = many_count(columns, bounds);
        const infoscope::TimeWindow window{std::move(trial_starts), theiler};
        return many(count, s.n, with_locals, [&](double* estimates, double* local) {
          infoscope::ksg_many(s.data, s.n, s.cols, columns.data(), bounds.data(), count, k, window, workers,
                              estimates, local);
        });
      },
      py::arg("data").noconvert(), py::arg("columns").noconvert(), py::arg("bounds").noconvert(), py::arg("k"),
      py::arg("trial_starts"), py::arg("theiler"), py::arg("workers"), py::arg("with_locals"),
      "KSG / Frenzel-Pompe estimates over column sets of one table: (estimates, local values or None).");

  m.def(
      "ross_many",
      [](const Matrix& by_column, const Indices& columns, const Indices& bounds, std::size_t k, int workers) {
        const Samples s = samples(by_column);  // rows of by_column are the table's columns
        const std::size_t count = many_count(columns, bounds);
        py::array_t<double> estimates(static_cast<py::ssize_t>(count));
        double* out = estimates.mutable_data();
        release_gil([&] {
          infoscope::ross_many(s.data, s.cols, s.n, columns.data(), bounds.data(), count, k, workers, out);
        });
        return estimates;
      },
      py::arg("by_column").noconvert(), py::arg("columns").noconvert(), py::arg("bounds").noconvert(), py::arg("k"),
      py::arg("workers"),
      "Ross estimates I(X;Y|Z) = I(X,Z;Y) - I(Z;Y) over column sets of a table given by column (cols x n), Y "
      "discrete: the estimates.");

  py::class_<infoscope::Binning> binning(m, "Binning", "How the columns of an array become integer codes.");
  py::enum_<infoscope::Binning::Rule>(binning, "Rule")
      .value("uniform", infoscope::Binning::Rule::Uniform)
      .value("edges", infoscope::Binning::Rule::Edges)
      .value("symbols", infoscope::Binning::Rule::Symbols);
  binning.def(py::init<>())
      .def_readwrite("rule", &infoscope::Binning::rule)
      .def_readwrite("clip", &infoscope::Binning::clip)
      .def_readwrite("lo", &infoscope::Binning::lo)
      .def_readwrite("hi", &infoscope::Binning::hi)
      .def_readwrite("origin", &infoscope::Binning::origin)
      .def_readwrite("scale", &infoscope::Binning::scale)
      .def_readwrite("edges", &infoscope::Binning::edges)
      .def_readwrite("shift", &infoscope::Binning::shift)
      .def_readwrite("count", &infoscope::Binning::count);

  py::class_<infoscope::Symbols>(m, "Symbols", "Dense symbols of n samples, numbered by first appearance.")
      .def_readonly("n_symbols", &infoscope::Symbols::n_symbols)
      .def_property_readonly("ids", [](const infoscope::Symbols& s) {
        return py::array_t<std::uint32_t>(static_cast<py::ssize_t>(s.ids.size()), s.ids.data());
      })
      .def("__len__", [](const infoscope::Symbols& s) { return s.ids.size(); });

  m.def(
      "element_codes",
      [](const py::array& a, const infoscope::Binning& binning, int workers) {
        if (a.ndim() != 2 || !(a.flags() & py::array::c_style)) throw std::invalid_argument("expected a C-contiguous 2-D array");
        const auto n = static_cast<std::size_t>(a.shape(0)), d = static_cast<std::size_t>(a.shape(1));
        py::array_t<std::int64_t> codes({a.shape(0), a.shape(1)});
        std::int64_t* out = codes.mutable_data();
        auto run = [&](auto tag) {
          using T = decltype(tag);
          const T* data = static_cast<const T*>(a.data());
          release_gil([&] { infoscope::element_codes<T>(data, n, d, binning, workers, out); });
        };
        if (py::isinstance<py::array_t<float>>(a)) {
          run(float{});
        } else if (py::isinstance<py::array_t<double>>(a)) {
          run(double{});
        } else if (py::isinstance<py::array_t<std::int64_t>>(a)) {
          run(std::int64_t{});
        } else {
          throw std::invalid_argument("expected float32, float64 or int64 data");
        }
        return codes;
      },
      py::arg("data").noconvert(), py::arg("binning"), py::arg("workers"),
      "The code of every element of data under binning, each column by its own rule.");
  m.def("row_symbols", &row_symbols, py::arg("data").noconvert(), py::arg("binning"), py::arg("workers"),
        "Symbols of the rows of data (binned per column; a row's symbol is its tuple of codes).");
  m.def(
      "symbol_entropy",
      [](const infoscope::Symbols& s, const std::string& correction) {
        const infoscope::Correction c = infoscope::correction_from_name(correction);
        return locals(s.ids.size(), [&](double* out) { infoscope::symbol_entropy(s, c, out); });
      },
      py::arg("symbols"), py::arg("correction"), "Local entropies (nats) of the symbols, bias-corrected.");

  py::class_<infoscope::BinnedConditionalMI, infoscope::CmiProblem>(
      m, "BinnedConditionalMI", "I(X;Y|Z) (I(X;Y) when z is None) of symbols, repeatable with Y permuted.")
      .def(py::init([](infoscope::Symbols x, std::optional<infoscope::Symbols> z, infoscope::Symbols y,
                       const std::string& correction, int workers) {
             const infoscope::Correction c = infoscope::correction_from_name(correction);
             return release_gil([&] {
               return std::make_unique<infoscope::BinnedConditionalMI>(std::move(x), std::move(z), std::move(y), c,
                                                                       workers);
             });
           }),
           py::arg("x"), py::arg("z"), py::arg("y"), py::arg("correction"), py::arg("workers"));

  m.def(
      "binned_many",
      [](const std::vector<infoscope::Symbols>& symbols, const Indices& columns, const Indices& bounds,
         const std::string& correction, int workers, bool with_locals) {
        const infoscope::Correction c = infoscope::correction_from_name(correction);
        const std::size_t count = many_count(columns, bounds);
        const std::size_t n = symbols.empty() ? 0 : symbols.front().ids.size();
        return many(count, n, with_locals, [&](double* estimates, double* local) {
          infoscope::binned_many(symbols, columns.data(), bounds.data(), count, c, workers, estimates, local);
        });
      },
      py::arg("symbols"), py::arg("columns").noconvert(), py::arg("bounds").noconvert(), py::arg("correction"),
      py::arg("workers"), py::arg("with_locals"),
      "Histogram estimates over column sets of a table of per-column symbols: (estimates, local values or None).");

  m.def(
      "gaussian_kernel_log_mean",
      [](const Matrix& x, double h, int workers, std::optional<infoscope::Job*> job) {  // optional: "Job | None"
        const Samples s = samples(x);
        return locals(
            s.n, [&](double* out) { infoscope::gaussian_kernel_log_mean(s.data, s.n, s.cols, h, workers, out); },
            job.value_or(nullptr));
      },
      py::arg("x").noconvert(), py::arg("h"), py::arg("workers"), py::arg("job") = py::none(),
      "log((1/N) sum_j exp(-|x_i - x_j|^2 / 2h)) for every row i of x.");

  using Codes = py::array_t<std::int64_t, py::array::c_style>;
  m.def(
      "windowed_transfer_entropy",
      [](const Codes& sources, const Codes& targets, std::uint64_t levels, const Permutations& pairs,
         std::size_t window, std::size_t step, const std::vector<std::size_t>& target_offsets,
         const std::vector<std::size_t>& source_offsets, const std::string& correction, int workers) {
        if (sources.ndim() != 2 || targets.ndim() != 2) throw std::invalid_argument("series must be 2-D (T, units)");
        if (pairs.ndim() != 2 || pairs.shape(1) != 2) throw std::invalid_argument("pairs must have shape (P, 2)");
        const infoscope::SymbolSeries src{sources.data(), static_cast<std::size_t>(sources.shape(0)),
                                          static_cast<std::size_t>(sources.shape(1)), levels};
        const infoscope::SymbolSeries tgt{targets.data(), static_cast<std::size_t>(targets.shape(0)),
                                          static_cast<std::size_t>(targets.shape(1)), levels};
        const infoscope::Correction c = infoscope::correction_from_name(correction);
        const auto n_pairs = static_cast<std::size_t>(pairs.shape(0));
        const std::size_t n_windows = window <= src.length && step > 0 ? (src.length - window) / step + 1 : 0;
        py::array_t<double> te({static_cast<py::ssize_t>(n_pairs), static_cast<py::ssize_t>(n_windows)});
        double* out = te.mutable_data();
        release_gil([&] {
          infoscope::windowed_transfer_entropy(src, tgt, pairs.data(), n_pairs, window, step, target_offsets,
                                               source_offsets, c, workers, out);
        });
        return te;
      },
      py::arg("sources").noconvert(), py::arg("targets").noconvert(), py::arg("levels"), py::arg("pairs").noconvert(),
      py::arg("window"), py::arg("step"), py::arg("target_offsets"), py::arg("source_offsets"), py::arg("correction"),
      py::arg("workers"), "Plug-in TE (nats) of many source -> target symbol series pairs in sliding windows.");

  m.def(
      "search_path",
      [](const std::string& path, const std::string& task) {
        using infoscope::SearchPath;
        using infoscope::SearchTask;
        static const char* const paths[] = {"auto", "grid", "tree", "brute"};
        std::vector<SearchTask> tasks;
        if (task == "all" || task == "neighbours") tasks.push_back(SearchTask::Neighbours);
        if (task == "all" || task == "counts") tasks.push_back(SearchTask::Counts);
        if (tasks.empty()) {
          throw py::value_error("search_path: task must be 'all', 'neighbours' or 'counts', got '" + task + "'");
        }
        const SearchPath previous = infoscope::forced_search_path(tasks.front());
        if (!path.empty()) {
          const auto* found = std::find(std::begin(paths), std::end(paths), path);
          if (found == std::end(paths)) {
            throw py::value_error("search_path: path must be 'auto', 'grid', 'tree' or 'brute', got '" + path + "'");
          }
          const auto chosen = static_cast<SearchPath>(found - std::begin(paths));
          for (SearchTask t : tasks) infoscope::force_search_path(t, chosen);
        }
        return std::string(paths[static_cast<int>(previous)]);
      },
      py::arg("path") = "", py::arg("task") = "all",
      "Forces the neighbour search of every k-NN estimate (process-wide; for tests and benchmarks): 'grid', "
      "'tree' or 'brute' wherever that path can be built, 'auto' for the cost model; for the joint spaces' k-NN "
      "searches ('neighbours'), the marginal spaces' radius counts ('counts') or both ('all'). Returns the "
      "previous setting (of the first task); an empty path only reads it.");

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
        info["isa"] = INFOSCOPE_ISA;  // v2 / v3 / v4 (x86-64 levels), native, or generic
        info["cuda_option"] = INFOSCOPE_CUDA_OPTION;
        return info;
      },
      "How this core was built: version, compiler, OpenMP, threads, instruction set, CUDA option.");
}
