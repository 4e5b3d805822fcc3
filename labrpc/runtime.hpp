// The lab's runtime: the only way project code spawns tasks, waits, reads the clock or
// draws random numbers (docs/design.md, "The runtime and its one rule").
//
// Everything here is callable from any task. Blocking calls (sleep, CondVar waits,
// Channel send/recv, WaitGroup::wait) are the only places a task may block; they go
// through the active backend, so a simulated backend (virtual time, one task at a
// time) can replace the real one (OS threads) without changing any caller.
//
// Ownership: every task belongs to a World (one per test). Ending a World cancels it:
// each blocking call made by one of its tasks, or by the thread that owns the World,
// throws lab::Cancelled, so every task unwinds; then the World joins them all and names
// any task that did not finish within a bound. A task that throws anything else fails
// its World with the exception's message, as Go's log.Fatalf would end the test.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>  // std::unique_lock / std::lock_guard over lab::Mutex
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lab {

using namespace std::chrono_literals;

// The runtime's monotonic clock: real time in the real world, virtual in simulation.
struct Clock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<Clock>;
  static constexpr bool is_steady = true;
  static time_point now();
};
using Duration = Clock::duration;
using TimePoint = Clock::time_point;

inline TimePoint now() { return Clock::now(); }
// Seconds since `since`, as the Go tests print them.
double seconds_since(TimePoint since);

// The machine's monotonic clock in seconds (from an arbitrary start), in either world and
// without starting a backend: for tools that time whole runs from outside any World (the
// seed sweep's parent process, which must stay single-threaded). Never for a test's logic,
// which reads lab::now().
double real_seconds();

// Thrown out of a blocking call once the caller's World has ended or failed.
class Cancelled : public std::runtime_error {
 public:
  explicit Cancelled(const std::string& why) : std::runtime_error(why) {}
};

// Sleeps for d (at least). Throws Cancelled when the caller's World ends meanwhile.
void sleep(Duration d);

// Starts a task in the caller's World. `name` appears in straggler reports.
// Throws std::logic_error when called outside any World.
void go(std::string name, std::function<void()> fn);

// Runs job(0), ..., job(n - 1) at once and returns when every one has ended, rethrowing
// the first exception a job threw. For pure computation on data a run has finished with
// (the linearizability checker's partitions): in the real world each job gets an OS thread
// of its own, free to run on any CPU the process may use, outside any World's pinning (a
// World's tasks share one CPU), except that a caller that is not pinned itself runs the
// first job; in the simulated world the jobs run one after another on the caller, so the
// run stays deterministic. Callable from a task or from no World at
// all. Not cancellable: a job must end by itself (a stop flag, a deadline read with
// real_seconds() or now()). A job may take lab::Mutex briefly but must not wait on the
// runtime (no CondVar wait, sleep, Channel or go) outside the simulated world.
void compute_parallel(size_t n, const std::function<void(size_t job)>& job);

// A one-shot timer: fn runs once, after d, on the runtime's timer task. fn must not block.
class Timer {
 public:
  struct State;
  explicit Timer(std::shared_ptr<State> state) : state_(std::move(state)) {}
  // True when this call stopped the timer before it fired.
  bool cancel();

 private:
  std::shared_ptr<State> state_;
};
Timer after(Duration d, std::function<void()> fn);

// A timer of no World: fn runs after d on the timer task unless cancelled first, even if
// the caller's World has ended or its tasks are stuck (the tester's hang watchdog). Real
// world only (std::logic_error in simulation, where time stops with the World and its
// own guards catch a stuck test).
Timer watchdog(Duration d, std::function<void()> fn);

namespace detail {
class MutexImpl;
class CondVarImpl;
class WorldImpl;

// The runtime call the calling thread is in, for World::dump() and deadlock reports
// ("Channel::recv"): set by the outermost blocking call (a Channel's send waits on a
// CondVar, and is reported as Channel::send). Two stores per call.
extern constinit thread_local const char* tls_blocking_call;
class BlockingCall {
 public:
  explicit BlockingCall(const char* what) : outermost_(tls_blocking_call == nullptr) {
    if (outermost_) tls_blocking_call = what;
  }
  ~BlockingCall() {
    if (outermost_) tls_blocking_call = nullptr;
  }
  BlockingCall(const BlockingCall&) = delete;
  BlockingCall& operator=(const BlockingCall&) = delete;

 private:
  const bool outermost_;
};
}  // namespace detail

// A mutual-exclusion lock; use with std::unique_lock / std::lock_guard. Not cancellable:
// hold it briefly.
class Mutex {
 public:
  Mutex();
  ~Mutex();
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void lock();
  void unlock();
  bool try_lock();

 private:
  friend class CondVar;
  std::unique_ptr<detail::MutexImpl> impl_;
};

using Lock = std::unique_lock<Mutex>;

// A condition variable over lab::Mutex. Waits may wake spuriously; they throw Cancelled
// when the caller's World ends. Notify with the lock held (as everything here does)
// unless the CondVar outlives its waiters: a waiter that sees the change may free it.
class CondVar {
 public:
  CondVar();
  ~CondVar();
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;
  void wait(Lock& lock);
  // False when the deadline passed.
  bool wait_until(Lock& lock, TimePoint deadline);
  bool wait_for(Lock& lock, Duration d) { return wait_until(lock, now() + d); }
  template <class Pred>
  void wait(Lock& lock, Pred pred) {
    while (!pred()) wait(lock);
  }
  // False when the deadline passed with pred still false.
  template <class Pred>
  bool wait_until(Lock& lock, TimePoint deadline, Pred pred) {
    while (!pred()) {
      if (!wait_until(lock, deadline)) return pred();
    }
    return true;
  }
  void notify_one();
  void notify_all();

 private:
  std::unique_ptr<detail::CondVarImpl> impl_;
};

// Go's channel: unbuffered (capacity 0: a send waits until a receiver takes the value)
// or buffered. Closing wakes everyone: send returns false, recv drains what is queued,
// then returns nullopt.
template <class T>
class Channel {
 public:
  explicit Channel(size_t capacity = 0) : capacity_(capacity) {}

  // False when the channel is (or gets) closed before the value is taken or queued.
  bool send(T value) {
    detail::BlockingCall blocking("Channel::send");
    Lock lock(mu_);
    if (capacity_ > 0) {
      changed_.wait(lock, [&] { return closed_ || queue_.size() < capacity_; });
      if (closed_) return false;
      queue_.push_back({next_ticket_++, std::move(value)});
      changed_.notify_all();
      return true;
    }
    if (closed_) return false;
    const uint64_t ticket = next_ticket_++;
    queue_.push_back({ticket, std::move(value)});
    changed_.notify_all();
    // As in Go, a value handed to a receiver that is already waiting is sent at once:
    // with more receivers waiting than values queued, one of them takes this one (a
    // waiting receiver leaves only with a value while any is queued). This spares the
    // sender a sleep and the receiver a wake-up call per value.
    if (receivers_waiting_ >= queue_.size()) return true;
    try {
      changed_.wait(lock, [&] { return closed_ || taken_through_ >= ticket; });
    } catch (...) {
      withdraw(ticket);
      throw;
    }
    if (taken_through_ >= ticket) return true;
    withdraw(ticket);
    return false;
  }

  std::optional<T> recv() { return recv_until(TimePoint::max()); }
  std::optional<T> recv_for(Duration d) { return recv_until(now() + d); }
  // nullopt on timeout, or when closed and drained.
  std::optional<T> recv_until(TimePoint deadline) {
    detail::BlockingCall blocking("Channel::recv");
    Lock lock(mu_);
    const auto ready = [&] { return closed_ || !queue_.empty(); };
    if (!ready()) {
      ++receivers_waiting_;
      struct Leave {
        size_t& waiting;
        ~Leave() { --waiting; }
      } leave{receivers_waiting_};
      if (!changed_.wait_until(lock, deadline, ready)) return std::nullopt;
    }
    if (queue_.empty()) return std::nullopt;
    Item item = std::move(queue_.front());
    queue_.pop_front();
    taken_through_ = item.ticket;
    changed_.notify_all();
    return std::move(item.value);
  }

  void close() {
    Lock lock(mu_);
    closed_ = true;
    changed_.notify_all();
  }
  bool closed() {
    Lock lock(mu_);
    return closed_;
  }

 private:
  struct Item {
    uint64_t ticket;
    T value;
  };
  void withdraw(uint64_t ticket) {
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (it->ticket == ticket) {
        queue_.erase(it);
        return;
      }
    }
  }

  const size_t capacity_;
  Mutex mu_;
  CondVar changed_;
  std::deque<Item> queue_;
  uint64_t next_ticket_ = 1;
  uint64_t taken_through_ = 0;  // tickets are taken in order
  size_t receivers_waiting_ = 0;  // inside recv's wait
  bool closed_ = false;
};

// Go's sync.WaitGroup.
class WaitGroup {
 public:
  void add(int n = 1);
  void done();
  void wait();
  bool wait_for(Duration d);

 private:
  Mutex mu_;
  CondVar zero_;
  int count_ = 0;
};

// The owner of a test's tasks. Constructing one makes it the calling thread's World
// (tasks it starts inherit it); destroying it ends it and restores the previous one.
class World {
 public:
  explicit World(std::string name, Duration join_bound = 10s);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Records a fatal failure (the first one wins) and cancels the World.
  void fail(const std::string& message);
  bool failed() const;
  std::string failure() const;  // empty when none

  // Cancels every blocked call of the World's tasks, joins them, and returns the names
  // of tasks still running after the join bound (they are reported and abandoned).
  // Idempotent; the destructor calls it.
  std::vector<std::string> end();

  size_t live_tasks() const;
  const std::string& name() const;

  // Every live task of the World and the thread that owns it ([main]): what each is
  // blocked in (Mutex::lock, naming the mutex and its holder; Channel::recv; sleep...)
  // and for how long, or that it keeps running after cancellation, and in the real world
  // its stack. Go's test binary prints the like (every goroutine) on a timeout.
  std::string dump();

 private:
  detail::WorldImpl* previous_;  // the thread's World before this one (declared first:
                                 // read before make_world)
  std::unique_ptr<detail::WorldImpl> impl_;
};

// Fails the caller's World (see World::fail) and throws Cancelled to end the caller.
[[noreturn]] void fatal(const std::string& message);

// True in the simulated world (LAB_SIM=1): virtual time, one task at a time.
bool simulated();

// Number of task threads alive in the process (the real backend's own loop thread
// excluded). Tests assert it returns to zero when their World ends.
size_t live_task_threads();

// --- Randomness -------------------------------------------------------------------
// One seed per run: LAB_SEED=n fixes it, else it is drawn at random; either way it is
// printed once, on first use, so any run can be replayed. Each user derives its own
// stream by name, so extra draws in one place do not reshuffle the others.

uint64_t run_seed();

class Rng {
 public:
  explicit Rng(uint64_t seed);
  // A stream derived from the run seed and a name ("network", "raft-3", ...).
  static Rng derived(std::string_view stream_name);

  uint64_t next();
  // Uniform in [0, n); n > 0.
  int64_t intn(int64_t n);
  // Uniform in [lo, hi].
  int64_t range(int64_t lo, int64_t hi) { return lo + intn(hi - lo + 1); }
  Duration duration_ms(int64_t lo_ms, int64_t hi_ms) {
    return std::chrono::milliseconds(range(lo_ms, hi_ms));
  }

 private:
  uint64_t state_;
};

}  // namespace lab
