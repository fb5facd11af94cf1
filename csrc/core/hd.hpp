// INFOSCOPE_HD marks the small functions that the CUDA kernels share with the CPU core (distances, digamma,
// the k-best list): one definition, compiled for both, so both paths compute the same numbers. Empty for the
// host compiler.
#pragma once

#if defined(__CUDACC__)
#define INFOSCOPE_HD __host__ __device__
#else
#define INFOSCOPE_HD
#endif
