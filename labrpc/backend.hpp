// The seam between the runtime's interface (runtime.hpp) and the world that carries it
// out. The real backend (backend_real.cpp: OS threads, the monotonic clock, a libuv timer
// loop) implements it today; a simulated backend (virtual time, one task at a time)
// implements the same classes, and no caller changes.
//
// Only runtime.cpp and the backends include this file.
#pragma once

#include "labrpc/runtime.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace lab {

namespace detail {
class WorldImpl;
}

struct Timer::State {
  std::function<void()> fn;
  Duration delay{};
  detail::WorldImpl* world = nullptr;
  // 0 pending, 1 fired, 2 cancelled.
  std::atomic<int> status{0};
  void* handle = nullptr;  // the backend's own handle, touched only by the backend
};

}  // namespace lab

namespace lab::detail {

class MutexImpl {
 public:
  virtual ~MutexImpl() = default;
  virtual void lock() = 0;
  virtual void unlock() = 0;
  virtual bool try_lock() = 0;
};

class CondVarImpl {
 public:
  virtual ~CondVarImpl() = default;
  // May wake early; throws Cancelled when the caller's World is cancelled.
  virtual void wait_until(Lock& lock, TimePoint deadline) = 0;
  virtual void notify_one() = 0;
  virtual void notify_all() = 0;
};

class WorldImpl {
 public:
  virtual ~WorldImpl() = default;
  virtual void spawn(std::string name, std::function<void()> fn) = 0;
  // Records the first failure and cancels.
  virtual void fail(const std::string& message) = 0;
  virtual bool failed() const = 0;
  virtual std::string failure() const = 0;
  // Cancels, joins within the bound, returns stragglers' names.
  virtual std::vector<std::string> end() = 0;
  virtual size_t live_tasks() const = 0;
  // True when end() left stragglers running: they still use the object, so it must leak.
  virtual bool abandoned() const = 0;
  virtual const std::string& name() const = 0;
  virtual std::string dump() = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual TimePoint now() = 0;
  virtual std::unique_ptr<MutexImpl> make_mutex() = 0;
  virtual std::unique_ptr<CondVarImpl> make_condvar() = 0;
  virtual std::unique_ptr<WorldImpl> make_world(std::string name, Duration join_bound) = 0;
  // The WorldImpl of the calling task or owner thread, or nullptr.
  virtual WorldImpl* current_world() = 0;
  // Makes `world` (may be null) the calling thread's World.
  virtual void set_current_world(WorldImpl* world) = 0;
  virtual Timer after(Duration d, std::function<void()> fn) = 0;
  virtual bool cancel_timer(const std::shared_ptr<Timer::State>& state) = 0;
  virtual Timer watchdog(Duration d, std::function<void()> fn) = 0;
  // A fresh seed for a run that does not set LAB_SEED (runtime.cpp reads LAB_SEED).
  virtual uint64_t random_seed() = 0;
  virtual size_t live_task_threads() = 0;
  // lab::compute_parallel (runtime.hpp).
  virtual void compute_parallel(size_t n, const std::function<void(size_t)>& job) = 0;
};

// Set by the simulated backend when it traces events (LAB_SIM_TRACE): every random draw
// is reported, so the determinism check sees a draw that differs between two runs.
extern void (*g_trace_random_draw)(uint64_t value);

// After this many lab::Cancelled thrown at one task of a cancelled World, the task is
// reported as one that catches them and goes on (catch (...) in a loop): a task that
// cleans up on Cancelled meets a few, not a hundred.
inline constexpr uint64_t kSwallowedCancels = 100;

// The active backend, chosen once per process: LAB_SIM=1 selects the simulated world,
// LAB_SIM=0 (or unset, or empty) the real one; any other value stops the run.
Backend& backend();
Backend* make_real_backend();
Backend* make_sim_backend();
bool simulated();

}  // namespace lab::detail
