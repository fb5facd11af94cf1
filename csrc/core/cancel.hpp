// Cooperative cancellation and progress of long native work.
//
// The code that starts a piece of work (the Python bindings) gives it a Job through a JobScope on the thread
// that runs it. parallel_for hands the job to its worker threads, checks its stop flag between chunks and adds
// the items of each finished chunk to its progress; a stopped job ends with Cancelled, its partial results
// discarded. Work without a job (the C++ tests, any other caller) runs as before.
#pragma once

#include <atomic>
#include <cstddef>
#include <stdexcept>

namespace infoscope {

struct Job {
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> done{0};  // items finished by the parallel loops of the job, summed over loops
};

class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("the computation was cancelled") {}
};

namespace detail {
inline thread_local Job* current_job = nullptr;
}

inline Job* current_job() { return detail::current_job; }

// Makes `job` the current thread's job for the scope's lifetime (nullptr: none), then restores the previous one.
class JobScope {
 public:
  explicit JobScope(Job* job) : previous_(detail::current_job) { detail::current_job = job; }
  ~JobScope() { detail::current_job = previous_; }
  JobScope(const JobScope&) = delete;
  JobScope& operator=(const JobScope&) = delete;

 private:
  Job* previous_;
};

// Throws Cancelled when the current thread's job has been stopped; for long loops outside parallel_for.
inline void check_cancelled() {
  const Job* job = detail::current_job;
  if (job && job->stop.load(std::memory_order_relaxed)) throw Cancelled();
}

}  // namespace infoscope
