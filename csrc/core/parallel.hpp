// Parallel loop over query points, with errors carried out of the worker threads.
//
// An exception escaping an OpenMP region terminates the process, so each worker catches, records the first
// exception and stops taking work; it is rethrown on the calling thread after the join. The calling thread's
// job (core/cancel.hpp) is checked between chunks and credited with each finished one.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/cancel.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace infoscope {

// Builds (sorts, trees) of fewer points stay on one thread: waking a second thread can cost a scheduler tick
// (milliseconds) on a busy machine.
constexpr std::size_t kParallelBuildMin = 32768;

// Threads the machine offers to this process.
inline int available_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return std::max(1u, std::thread::hardware_concurrency());
#endif
}

// workers <= 0 means all available threads; never more threads than chunks of work.
inline int resolve_workers(int workers, std::size_t n, std::size_t min_per_thread) {
  const int avail = available_threads();
  int w = workers <= 0 ? avail : std::min(workers, avail);
  const std::size_t useful = std::max<std::size_t>(1, n / std::max<std::size_t>(1, min_per_thread));
  return static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(1, w)), useful));
}

// Calls body(begin, end) over [0, n) in chunks of `chunk`, on `workers` threads (see resolve_workers).
// Small inputs (fewer than min_per_thread items per thread) run on the calling thread: starting threads would
// cost more than the work. Throws Cancelled when the job stops; chunks already running finish first.
template <class Body>
void parallel_for(std::size_t n, int workers, std::size_t chunk, std::size_t min_per_thread, Body&& body) {
  if (n == 0) return;
  chunk = std::max<std::size_t>(1, chunk);
  Job* const job = current_job();
  const int threads = resolve_workers(workers, n, min_per_thread);
  if (threads == 1) {
    if (!job) {
      body(std::size_t{0}, n);
      return;
    }
    for (std::size_t begin = 0; begin < n; begin += chunk) {
      check_cancelled();
      const std::size_t end = std::min(n, begin + chunk);
      body(begin, end);
      job->done.fetch_add(end - begin, std::memory_order_relaxed);
    }
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  std::atomic<bool> failed{false};
  std::atomic<std::size_t> next{0};
  auto worker = [&]() {
    const JobScope scope(job);  // nested loops on this thread see the same job
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) return;
      const std::size_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
      if (begin >= n) return;
      try {
        check_cancelled();
        const std::size_t end = std::min(n, begin + chunk);
        body(begin, end);
        if (job) job->done.fetch_add(end - begin, std::memory_order_relaxed);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed.store(true, std::memory_order_relaxed);
        return;
      }
    }
  };
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  worker();
#else
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  try {
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  } catch (...) {
    failed.store(true);
    for (auto& th : pool) th.join();
    throw;
  }
  worker();
  for (auto& th : pool) th.join();
#endif
  if (error) std::rethrow_exception(error);
}

}  // namespace infoscope
