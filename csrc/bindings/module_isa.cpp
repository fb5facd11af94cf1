// Which builds of the core this CPU can run: asked by infoscope/_native.py before it imports one. Compiled for the
// compiler's default target, so that it loads on any machine of the architecture.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

namespace py = pybind11;

namespace {

// The x86-64 micro-architecture levels (v2: SSE4.2, POPCNT; v3: AVX2, FMA, BMI2; v4: AVX-512 F/BW/CD/DQ/VL) this
// CPU and its operating system support, lowest first; empty on other processors.
std::vector<std::string> supported_levels() {
  std::vector<std::string> levels;
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
#if (defined(__clang__) && __clang_major__ >= 16) || (!defined(__clang__) && __GNUC__ >= 12)
  if (__builtin_cpu_supports("x86-64-v2")) levels.push_back("v2");
  if (__builtin_cpu_supports("x86-64-v3")) levels.push_back("v3");
  if (__builtin_cpu_supports("x86-64-v4")) levels.push_back("v4");
#else  // older compilers know the features, not the levels
  const bool v2 = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt");
  const bool v3 = v2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
  const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  if (v2) levels.push_back("v2");
  if (v3) levels.push_back("v3");
  if (v4) levels.push_back("v4");
#endif
#endif
  return levels;
}

}  // namespace

PYBIND11_MODULE(_isa, m) {
  m.doc() = "The instruction-set levels of this CPU, for choosing a build of the infoscope core.";
  m.def("supported_levels", &supported_levels,
        "The x86-64 levels ('v2', 'v3', 'v4') this CPU and its operating system support, lowest first; empty on "
        "other processors.");
}
