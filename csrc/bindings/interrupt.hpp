// Native work started from Python: run with the GIL released, stopped by Ctrl-C.
//
// Python turns SIGINT into KeyboardInterrupt only when its main thread runs bytecode, which it does not while a
// native call runs. So for the length of a call made on the main thread, a handler of ours takes SIGINT: it
// stops the call's job (core/cancel.hpp), whose loops end within a chunk, and passes the signal on to the handler
// it replaced, Python's, which records it. Once the work has returned, the recorded signal raises
// KeyboardInterrupt; the partial results are dropped with the job. Calls from other threads cannot be told
// about Ctrl-C (Python handles signals on its main thread only) and run to the end, as before.
#pragma once

#include <pybind11/pybind11.h>
#include <pythread.h>

#include <atomic>
#include <csignal>
#include <optional>
#include <utility>

#include "core/cancel.hpp"

namespace infoscope::bindings {

namespace py = pybind11;

namespace detail {

inline unsigned long main_thread_ident() {
  static const unsigned long ident =
      py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
  return ident;
}

#ifndef _WIN32
inline std::atomic<Job*> interrupted_job{nullptr};
inline struct sigaction replaced_handler;  // Python's, while ours is installed

extern "C" inline void on_sigint(int signal) {
  if (Job* job = interrupted_job.load()) job->stop.store(true, std::memory_order_relaxed);
  if (!(replaced_handler.sa_flags & SA_SIGINFO) && replaced_handler.sa_handler != SIG_DFL &&
      replaced_handler.sa_handler != SIG_IGN) {
    replaced_handler.sa_handler(signal);
  }
}

// Installs on_sigint for `job` while it lives, when Python's own handler (a function) holds SIGINT.
class SigintHook {
 public:
  explicit SigintHook(Job* job) {
    struct sigaction current;
    if (sigaction(SIGINT, nullptr, &current) != 0) return;
    if ((current.sa_flags & SA_SIGINFO) || current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN) return;
    replaced_handler = current;
    interrupted_job.store(job);
    struct sigaction ours = current;
    ours.sa_handler = on_sigint;
    installed_ = sigaction(SIGINT, &ours, nullptr) == 0;
    if (!installed_) interrupted_job.store(nullptr);
  }
  ~SigintHook() {
    if (!installed_) return;
    sigaction(SIGINT, &replaced_handler, nullptr);
    interrupted_job.store(nullptr);
  }
  SigintHook(const SigintHook&) = delete;
  SigintHook& operator=(const SigintHook&) = delete;

 private:
  bool installed_ = false;
};
#else
class SigintHook {  // no handler swap on Windows: calls run to the end
 public:
  explicit SigintHook(Job*) {}
};
#endif

}  // namespace detail

// Runs fn() with the GIL released as the job `job` (a fresh one when null, or one whose progress Python reads
// meanwhile), stoppable by Ctrl-C when called on the main thread; returns what fn returns. A stopped job raises
// KeyboardInterrupt (or the error Python's SIGINT handler raised).
template <class Fn>
decltype(auto) release_gil(Fn&& fn, Job* job = nullptr) {
  Job own;
  if (!job) job = &own;
  const bool on_main = PyThread_get_thread_ident() == detail::main_thread_ident();
  try {
    std::optional<detail::SigintHook> hook;
    if (on_main) hook.emplace(job);
    py::gil_scoped_release release;
    const JobScope scope(job);
    return std::forward<Fn>(fn)();
  } catch (const Cancelled&) {
    if (PyErr_CheckSignals() == 0) PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
}

}  // namespace infoscope::bindings
