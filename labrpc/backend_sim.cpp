// The simulated backend (LAB_SIM=1): virtual time, exactly one task running at a time,
// and every choice — which runnable task goes next, the order of timers due at the same
// instant, how much virtual time a step of work costs — drawn from the run's seed. The
// same seed gives the same run: the same interleaving, the same log, the same figures.
//
// Tasks are fibers (ucontext) on the thread that created the World: a task runs only
// while it is the scheduler's `current_`; when it blocks in the runtime it picks the next
// task and switches to it. No OS scheduling is involved, so a switch costs well under a
// microsecond whatever else the machine is doing. Each fiber keeps its own C++ exception
// state (swapped at every switch) and, under ASan/TSan, tells the sanitizer about its
// stack. Stacks are mmap'd with a guard page and reused.
//
// Time: when no task can run, the clock jumps to the next timer. Work is not free: each
// hand-off charges kStepCost (a seeded draw, tens of microseconds), so loops that run "for
// 5 seconds" of virtual time end, and a network hop costs what a fast one would.
//
// Determinism: runnable tasks are chosen by task id (creation order), never by address;
// every World starts its clock, task ids and scheduler stream afresh from the seed, so a
// test replays the same whether run alone or after others.
//
// Trace: with LAB_SIM_TRACE=<file>, every scheduling event (task switch, spawn, timer,
// random draw) is written to the file, one line each; tester/determinism.cpp compares
// two runs' traces (LAB_CHECK_DETERMINISM=1).
//
// Guards: when every task is blocked and no timer is pending, the World fails naming each
// task and what it waits in (deadlock). Once a World is cancelled every blocking call
// throws at once, so a task that catches lab::Cancelled and loops would never give the
// processor back: after kSwallowedCancels of them it is named and parked for good. A task that keeps the processor for kStallLimitSeconds of
// real time (blocked outside the runtime, or spinning) is reported by a watchdog thread,
// naming it, and the process aborts rather than hang (LAB_SIM_STALL_SECONDS sets the
// limit). A World whose virtual clock passes
// kVirtualTimeCap fails (a livelock that keeps scheduling timers).
//
// Like backend_real.cpp, this file may use std::thread, std::mutex and clocks (for the
// watchdog thread only) — scripts/check-runtime-rule.sh knows it.
//
// macOS's <ucontext.h> compiles only with _XOPEN_SOURCE defined (its fibers are marked
// deprecated there, yet work); _DARWIN_C_SOURCE keeps the rest of the system's calls in
// view. Both must come before the first header.
#if defined(__APPLE__)
#define _XOPEN_SOURCE 600
#define _DARWIN_C_SOURCE
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
#include "labrpc/backend.hpp"
#include "labrpc/platform.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <queue>
#include <random>
#include <set>
#include <string_view>
#include <thread>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define LAB_SIM_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define LAB_SIM_TSAN 1
#endif

// The C++ runtime's per-thread exception state (Itanium ABI), which fibers sharing one
// thread must each keep their own of.
namespace __cxxabiv1 {
struct __cxa_eh_globals;
extern "C" __cxa_eh_globals* __cxa_get_globals() noexcept;
}  // namespace __cxxabiv1

namespace lab::detail {
namespace {

struct ExceptionState {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};
ExceptionState* thread_exception_state() {
  return reinterpret_cast<ExceptionState*>(__cxxabiv1::__cxa_get_globals());
}

constexpr size_t kStackBytes = 1 << 20;  // per task, touched pages only
constexpr size_t kGuardBytes = 1 << 12;

constexpr Duration kEpoch = std::chrono::hours(1);  // virtual clock at a World's start
// Charged per hand-off: 20..120 us. With it a kvraft operation costs about 2 ms of virtual
// time, near what it takes on real threads on the 2-core reference machine, so the tests'
// "run for 5 seconds" loops do as many operations in both worlds.
constexpr int64_t kStepCostMinNs = 20'000;
constexpr int64_t kStepCostMaxNs = 120'000;
constexpr Duration kVirtualTimeCap = std::chrono::minutes(30);
constexpr int kStallLimitSeconds = 20;  // LAB_SIM_STALL_SECONDS overrides
constexpr int kEndYieldLimit = 1'000'000;  // owner's turns waiting for tasks to unwind

class SimWorld;
class SimMutex;
struct SimTask;
// Who holds a mutex (nullptr when free), for the reports.
const SimTask* holder_of(const SimMutex* mutex);

struct SimTask {
  uint64_t id = 0;
  std::string name;
  std::function<void()> fn;
  ucontext_t context{};
  void* stack = nullptr;  // mmap'd, kGuardBytes of guard then the stack; null for main
  ExceptionState exceptions;
#ifdef LAB_SIM_ASAN
  void* asan_fake_stack = nullptr;
#endif
#ifdef LAB_SIM_TSAN
  void* tsan_fiber = nullptr;
#endif
  const char* waiting_in = "running";  // for deadlock and stall reports
  TimePoint blocked_since{};            // virtual time
  const SimMutex* waiting_on = nullptr;  // in Mutex::lock
  const char* blocking_call = nullptr;  // tls_blocking_call while switched out
  uint64_t cancels = 0;  // Cancelled thrown at it once its World was cancelled
  bool parked = false;   // stopped for good: it swallowed too many Cancelled
  uint64_t wait_token = 0;                    // bumped by each wake; stale timers skip
  std::deque<SimTask*>* wait_list = nullptr;  // the CondVar list it sits in, if any
  bool runnable = false;
  bool finished = false;
};

struct SimTimer {
  TimePoint deadline;
  uint64_t tiebreak;  // seeded: the order of timers due at one instant
  uint64_t seq;
  bool wakes_task = false;  // wake task `task_id` (if its wait_token still matches) ...
  uint64_t task_id = 0;     // (an id, not a pointer: finished tasks are freed)
  uint64_t token = 0;
  std::shared_ptr<Timer::State> callback;  // ... or run this callback on a new task
};
struct TimerLater {
  bool operator()(const SimTimer& a, const SimTimer& b) const {
    if (a.deadline != b.deadline) return a.deadline > b.deadline;
    if (a.tiebreak != b.tiebreak) return a.tiebreak > b.tiebreak;
    return a.seq > b.seq;
  }
};

// The one scheduler of the process. `mu_` guards everything here and in SimWorld;
// task code runs without it, one task at a time.
class Scheduler {
 public:
  std::mutex mu_;
  SimWorld* world_ = nullptr;  // the active World (one at a time)
  SimTask* current_ = nullptr;
  TimePoint now_{kEpoch};
  uint64_t switches_ = 0;  // for the stall watchdog
  std::thread watchdog_;

  void start_watchdog();
};

Scheduler& sched() {
  static Scheduler* s = new Scheduler();
  return *s;
}

thread_local SimTask* tls_task = nullptr;  // the running fiber, on the World's thread

// The event trace (LAB_SIM_TRACE), written under the scheduler lock (random draws come
// from the running task, the only one that runs).
class Trace {
 public:
  Trace() {
    const char* path = std::getenv("LAB_SIM_TRACE");
    if (path == nullptr || *path == '\0') return;
    file_ = std::fopen(path, "w");
    if (file_ == nullptr) {
      std::fprintf(stderr, "simulation: cannot write LAB_SIM_TRACE=%s\n", path);
      std::exit(2);
    }
    g_trace_random_draw = [](uint64_t value) { trace().line("rand %016llx", static_cast<unsigned long long>(value)); };
  }
  bool on() const { return file_ != nullptr; }
  template <class... Args>
  void line(const char* format, Args... args) {
    if (file_ == nullptr) return;
    std::fprintf(file_, "%llu ", static_cast<unsigned long long>(++events_));
    std::fprintf(file_, format, args...);
    std::fputc('\n', file_);
  }
  void flush() {
    if (file_ != nullptr) std::fflush(file_);
  }
  static Trace& trace() {
    static Trace* t = new Trace();
    return *t;
  }

 private:
  std::FILE* file_ = nullptr;
  uint64_t events_ = 0;
};
Trace& trace() { return Trace::trace(); }
long long vt_us(TimePoint t) {
  return static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch() - kEpoch).count());
}
thread_local WorldImpl* tls_world = nullptr;

// Stacks of finished tasks, kept for reuse.
std::vector<void*>& free_stacks() {
  static std::vector<void*> stacks;
  return stacks;
}
void* take_stack() {
  if (!free_stacks().empty()) {
    void* s = free_stacks().back();
    free_stacks().pop_back();
    return s;
  }
  void* s = mmap(nullptr, kStackBytes + kGuardBytes, PROT_READ | PROT_WRITE,
                 platform::stack_mmap_flags(), -1, 0);
  if (s == MAP_FAILED) throw std::runtime_error("simulation: cannot map a task stack");
  mprotect(s, kGuardBytes, PROT_NONE);  // overflow faults instead of corrupting
  return s;
}

class SimWorld final : public WorldImpl {
 public:
  SimWorld(std::string name, Duration join_bound)
      : name_(std::move(name)), rng_(Rng::derived("sim-scheduler")) {
    (void)join_bound;  // unwinding takes no real time here; kEndYieldLimit bounds it
    Scheduler& s = sched();
    std::unique_lock<std::mutex> g(s.mu_);
    if (s.world_ != nullptr) {
      throw std::logic_error("simulation runs one World at a time: " + name_ + " inside " +
                             s.world_->name());
    }
    s.world_ = this;
    s.now_ = TimePoint(kEpoch);
    start_ = s.now_;
    trace().line("world %s", name_.c_str());
    owner_ = new_task("main");
#ifdef LAB_SIM_TSAN
    owner_->tsan_fiber = __tsan_get_current_fiber();
#endif
#ifdef LAB_SIM_ASAN
    find_owner_stack();
#endif
    s.current_ = owner_;
    tls_task = owner_;
  }
  ~SimWorld() override { end(); }

  // --- WorldImpl ---
  void spawn(std::string name, std::function<void()> fn) override {
    std::unique_lock<std::mutex> g(sched().mu_);
    if (ending_) throw Cancelled("go(" + name + "): world " + name_ + " has ended");
    spawn_locked(std::move(name), std::move(fn));
  }
  void fail(const std::string& message) override {
    std::unique_lock<std::mutex> g(sched().mu_);
    fail_locked(message);
  }
  bool failed() const override {
    std::unique_lock<std::mutex> g(sched().mu_);
    return !failure_.empty();
  }
  std::string failure() const override {
    std::unique_lock<std::mutex> g(sched().mu_);
    return failure_;
  }
  std::vector<std::string> end() override;
  size_t live_tasks() const override {
    std::unique_lock<std::mutex> g(sched().mu_);
    return live_;
  }
  const std::string& name() const override { return name_; }
  bool abandoned() const override { return abandoned_; }
  std::string dump() override {
    std::unique_lock<std::mutex> g(sched().mu_);
    std::string text;
    for (auto& [id, t] : tasks_) {
      if (!t->finished) text += "[" + t->name + "] " + describe(*t) + "\n";
    }
    return text;
  }

  // --- Used by the simulated primitives, all under sched().mu_ ---
  bool cancelled() const { return cancelled_; }
  std::string cancel_reason() const {
    return failure_.empty() ? "world " + name_ + " has ended" : failure_;
  }

  // The Cancelled that the current task `me` meets in a blocking call of a cancelled
  // World. A task that keeps calling the runtime after many of them catches them and
  // loops: it would never give the processor back (nothing it waits for can happen), so
  // it is named and parked for good, and the World ends without it (a straggler).
  Cancelled cancelled_error(std::unique_lock<std::mutex>& g, SimTask* me) {
    if (++me->cancels == kSwallowedCancels && me != owner_) {
      std::fprintf(stderr,
                   "simulation: task [%s] keeps running after its World was cancelled: it "
                   "catches lab::Cancelled (catch (...)?) and calls the runtime again (%llu "
                   "times); let Cancelled propagate out of the task. It is stopped here.\n",
                   me->name.c_str(), static_cast<unsigned long long>(kSwallowedCancels));
      me->parked = true;
      me->waiting_in = "a loop that catches lab::Cancelled (stopped)";
      ++parked_;
      switch_away(g, me);  // never made runnable again
    }
    return Cancelled(cancel_reason());
  }

  void fail_locked(const std::string& message) {
    if (failure_.empty()) failure_ = message.empty() ? "failed" : message;
    cancel_locked();
  }

  void make_runnable(SimTask* t) {
    if (t->finished || t->runnable) return;
    t->runnable = true;
    runnable_.insert(t->id);
  }

  // Every wait of the World's tasks ends; each will throw Cancelled when it resumes.
  void cancel_locked() {
    if (cancelled_) return;
    cancelled_ = true;
    for (auto& [id, t] : tasks_) {
      if (t->wait_list != nullptr) {
        remove_from(*t->wait_list, t.get());
        t->wait_list = nullptr;
        ++t->wait_token;
        make_runnable(t.get());
      }
    }
  }

  void add_timer(TimePoint deadline, SimTask* task, std::shared_ptr<Timer::State> callback) {
    SimTimer t;
    t.deadline = deadline;
    t.tiebreak = rng_.next();
    t.seq = ++timer_seq_;
    t.wakes_task = task != nullptr;
    t.task_id = task ? task->id : 0;
    t.token = task ? task->wait_token : 0;
    t.callback = std::move(callback);
    timers_.push(std::move(t));
  }

  // The current task `me` gives up the processor (it is blocked, or runnable if
  // yielding) and resumes when it is chosen again.
  void switch_away(std::unique_lock<std::mutex>& g, SimTask* me) {
    SimTask* next = pick_next();
    if (next == me) {
      mark_running(next);
      return;
    }
    switch_to(g, me, next);
  }

  void mark_running(SimTask* next) {
    Scheduler& s = sched();
    s.current_ = next;
    ++s.switches_;
    next->runnable = false;
    next->waiting_in = "running";
    trace().line("t=%lld run %llu %s", vt_us(s.now_), static_cast<unsigned long long>(next->id),
                 next->name.c_str());
  }

  // Saves `me` and runs `next`; returns when `me` runs again. The scheduler lock is not
  // held across the switch: it belongs to the thread, which every fiber shares.
  void switch_to(std::unique_lock<std::mutex>& g, SimTask* me, SimTask* next) {
    mark_running(next);
    tls_task = next;
    ExceptionState* eh = thread_exception_state();
    me->exceptions = *eh;
    *eh = next->exceptions;
    me->blocking_call = tls_blocking_call;
    tls_blocking_call = next->blocking_call;
    g.unlock();
#ifdef LAB_SIM_ASAN
    const void* bottom = next->stack ? static_cast<char*>(next->stack) + kGuardBytes : owner_bottom_;
    const size_t size = next->stack ? kStackBytes : owner_size_;
    __sanitizer_start_switch_fiber(me->finished ? nullptr : &me->asan_fake_stack, bottom, size);
#endif
#ifdef LAB_SIM_TSAN
    __tsan_switch_to_fiber(next->tsan_fiber, 0);
#endif
    swapcontext(&me->context, &next->context);
#ifdef LAB_SIM_ASAN
    __sanitizer_finish_switch_fiber(me->asan_fake_stack, nullptr, nullptr);
#endif
    g.lock();
    reclaim_finished();
  }

  static void remove_from(std::deque<SimTask*>& list, SimTask* t) {
    for (auto it = list.begin(); it != list.end(); ++it) {
      if (*it == t) {
        list.erase(it);
        return;
      }
    }
  }

 private:
  SimTask* new_task(std::string name) {
    auto t = std::make_unique<SimTask>();
    t->id = next_task_id_++;
    t->name = std::move(name);
    SimTask* raw = t.get();
    tasks_[raw->id] = std::move(t);
    return raw;
  }

  void spawn_locked(std::string name, std::function<void()> fn) {
    SimTask* t = new_task(std::move(name));
    t->fn = std::move(fn);
    ++live_;
    t->stack = take_stack();
    getcontext(&t->context);
    t->context.uc_stack.ss_sp = static_cast<char*>(t->stack) + kGuardBytes;
    t->context.uc_stack.ss_size = kStackBytes;
    t->context.uc_link = nullptr;
    makecontext(&t->context, &SimWorld::fiber_entry, 0);
#ifdef LAB_SIM_TSAN
    t->tsan_fiber = __tsan_create_fiber(0);
#endif
    make_runnable(t);
    trace().line("spawn %llu %s", static_cast<unsigned long long>(t->id), t->name.c_str());
  }

  // Where every task's fiber starts: run its function, then give the processor away
  // for good.
  static void fiber_entry() {
    SimWorld* world = active_world_for_fiber();
#ifdef LAB_SIM_ASAN
    __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
    SimTask* t = tls_task;
    {
      std::unique_lock<std::mutex> g(sched().mu_);
      world->reclaim_finished();
    }
    std::function<void()> fn = std::move(t->fn);
    try {
      fn();
    } catch (const Cancelled&) {
    } catch (const std::exception& e) {
      world->fail("task " + t->name + ": " + e.what());
    } catch (...) {
      world->fail("task " + t->name + ": unknown exception");
    }
    fn = nullptr;  // its captures may use the runtime: destroy them while still current
    std::unique_lock<std::mutex> g(sched().mu_);
    t->finished = true;
    --world->live_;
    world->finished_.push_back(t);
    world->switch_to(g, t, world->pick_next());
    std::abort();  // a finished task is never resumed
  }

  static SimWorld* active_world_for_fiber();

  // What a task waits in and for how long (virtual time), and who holds the lock it
  // waits for, for the deadlock report and dump(). No addresses: a seed's output must
  // replay byte for byte. Under mu_.
  std::string describe(const SimTask& t) const {
    if (t.parked) return std::string("stopped: ") + t.waiting_in;
    if (t.waiting_in == std::string_view("running")) return "running";
    char text[64];
    std::snprintf(text, sizeof text, "blocked %.1f s in ",
                  std::chrono::duration<double>(sched().now_ - t.blocked_since).count());
    std::string line = text + std::string(t.waiting_in);
    if (t.waiting_on != nullptr) {
      const SimTask* holder = holder_of(t.waiting_on);
      auto it = holder == nullptr ? tasks_.end() : tasks_.find(holder->id);
      line += ", held by " + (it == tasks_.end() || it->second.get() != holder
                                  ? std::string("no task of this World")
                                  : "[" + holder->name + "]" + (holder == &t ? " itself" : ""));
    }
    return line;
  }

  // Returns the stacks of finished tasks to the pool, except the one we stand on.
  void reclaim_finished() {
    for (auto it = finished_.begin(); it != finished_.end();) {
      SimTask* t = *it;
      if (t == tls_task) {
        ++it;
        continue;
      }
#ifdef LAB_SIM_TSAN
      if (t->tsan_fiber) __tsan_destroy_fiber(t->tsan_fiber);
#endif
      free_stacks().push_back(t->stack);
      tasks_.erase(t->id);
      it = finished_.erase(it);
    }
  }

#ifdef LAB_SIM_ASAN
  // The owner thread's own stack, for ASan's fiber switches back to it.
  void find_owner_stack() { platform::current_thread_stack(&owner_bottom_, &owner_size_); }
  const void* owner_bottom_ = nullptr;
  size_t owner_size_ = 0;
#endif

  // Charges a step of work, fires due timers, and chooses who runs next (maybe the
  // caller, if it is runnable). Under mu_.
  SimTask* pick_next() {
    Scheduler& s = sched();
    s.now_ += std::chrono::nanoseconds(kStepCostMinNs +
                                       rng_.intn(kStepCostMaxNs - kStepCostMinNs + 1));
    fire_due_timers();
    while (runnable_.empty()) {
      if (timers_.empty()) {
        report_deadlock();
        continue;
      }
      s.now_ = std::max(s.now_, timers_.top().deadline);
      fire_due_timers();
    }
    if (s.now_ - start_ > kVirtualTimeCap && !cancelled_) {
      fail_locked("simulation: virtual time passed its cap of " +
                  std::to_string(std::chrono::duration_cast<std::chrono::minutes>(kVirtualTimeCap).count()) +
                  " minutes (livelock?)");
    }
    auto it = runnable_.begin();
    std::advance(it, rng_.intn(static_cast<int64_t>(runnable_.size())));
    SimTask* next = tasks_.at(*it).get();
    runnable_.erase(it);
    return next;
  }

  void fire_due_timers() {
    Scheduler& s = sched();
    while (!timers_.empty() && timers_.top().deadline <= s.now_) {
      SimTimer t = timers_.top();
      timers_.pop();
      if (t.wakes_task) {
        auto it = tasks_.find(t.task_id);
        if (it == tasks_.end()) continue;  // finished and freed
        SimTask* task = it->second.get();
        if (task->wait_token != t.token || task->finished) continue;  // woken already
        ++task->wait_token;
        trace().line("t=%lld timer wakes %llu", vt_us(s.now_),
                     static_cast<unsigned long long>(task->id));
        if (task->wait_list != nullptr) {
          remove_from(*task->wait_list, task);
          task->wait_list = nullptr;
        }
        make_runnable(task);
      } else if (t.callback) {
        int pending = 0;
        if (!t.callback->status.compare_exchange_strong(pending, 1) || ending_) continue;
        auto cb = t.callback;
        spawn_locked("timer", [this, cb] {
          try {
            cb->fn();
          } catch (const Cancelled&) {
          } catch (const std::exception& e) {
            fail(std::string("timer: ") + e.what());  // as the real backend words it
          }
          cb->fn = nullptr;
        });
      }
    }
  }

  // Every task is blocked and nothing is scheduled: fail, naming them; the cancel makes
  // their waits return so they unwind.
  void report_deadlock() {
    std::string who;
    for (auto& [id, t] : tasks_) {
      if (t->finished) continue;
      who += "\n  [" + t->name + "] " + describe(*t);
    }
    const std::string message = "simulation: deadlock: every task is blocked and no timer is pending:" + who;
    if (cancelled_) {
      // Even cancelled, some task waits forever outside a cancellable wait (a lock whose
      // holder cannot run): nothing can recover this World.
      std::fprintf(stderr, "%s\n", message.c_str());
      std::abort();
    }
    std::fprintf(stderr, "%s\n", message.c_str());
    fail_locked(message);
  }

  const std::string name_;
  Rng rng_;
  TimePoint start_;
  SimTask* owner_ = nullptr;
  std::map<uint64_t, std::unique_ptr<SimTask>> tasks_;
  std::set<uint64_t> runnable_;
  std::priority_queue<SimTimer, std::vector<SimTimer>, TimerLater> timers_;
  std::vector<SimTask*> finished_;  // tasks whose stacks await reclaiming
  std::string failure_;
  std::vector<std::string> stragglers_;
  uint64_t next_task_id_ = 0;
  uint64_t timer_seq_ = 0;
  size_t live_ = 0;
  size_t parked_ = 0;  // tasks stopped for swallowing Cancelled
  bool cancelled_ = false;
  bool ending_ = false;
  bool ended_ = false;
  bool abandoned_ = false;
};

std::vector<std::string> SimWorld::end() {
  Scheduler& s = sched();
  std::unique_lock<std::mutex> g(s.mu_);
  if (ended_) return stragglers_;
  ending_ = true;
  cancel_locked();
  // The owner yields until every task has unwound (but the parked ones, which never will).
  for (int turn = 0; live_ > parked_ && turn < kEndYieldLimit; ++turn) {
    make_runnable(owner_);
    switch_away(g, owner_);
  }
  for (auto& [id, t] : tasks_) {
    if (!t->finished && t.get() != owner_) stragglers_.push_back(t->name);
  }
  ended_ = true;
  trace().line("end %s t=%lld", name_.c_str(), vt_us(s.now_));
  trace().flush();
  if (!stragglers_.empty()) {
    std::fprintf(stderr, "lab: world %s: %zu task(s) never finished:", name_.c_str(),
                 stragglers_.size());
    for (const auto& n : stragglers_) std::fprintf(stderr, " [%s]", n.c_str());
    std::fprintf(stderr, "\n");
    abandoned_ = true;  // their fibers' stacks still reference this object: leak it
  } else {
    reclaim_finished();
  }
  s.world_ = nullptr;
  s.current_ = nullptr;
  tls_task = nullptr;
  return stragglers_;
}

SimWorld* active_world() { return sched().world_; }
SimWorld* SimWorld::active_world_for_fiber() { return sched().world_; }

void Scheduler::start_watchdog() {
  const char* env = std::getenv("LAB_SIM_STALL_SECONDS");
  const int limit_s = env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : kStallLimitSeconds;
  watchdog_ = std::thread([this, limit_s] {
    const auto limit = std::chrono::seconds(limit_s);
    uint64_t last_switches = 0;
    auto last_change = std::chrono::steady_clock::now();
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      std::unique_lock<std::mutex> g(mu_);
      const auto real_now = std::chrono::steady_clock::now();
      if (world_ == nullptr || current_ == nullptr || switches_ != last_switches) {
        last_switches = switches_;
        last_change = real_now;
        continue;
      }
      if (real_now - last_change > limit) {
        std::fprintf(stderr,
                     "simulation: task [%s] has kept running for %lld s of real time without "
                     "returning to the runtime: it blocks outside it (std::mutex, a real "
                     "sleep, I/O) or spins; aborting\n",
                     current_->name.c_str(), static_cast<long long>(limit_s));
        std::abort();
      }
    }
  });
  watchdog_.detach();
}

// --- Primitives -------------------------------------------------------------------

// The task calling into the runtime, or nullptr outside any simulated World (then the
// caller is the only thread running and never has to wait for another).
SimTask* me() { return tls_task; }

class SimMutex final : public MutexImpl {
 public:
  void lock() override {
    std::unique_lock<std::mutex> g(sched().mu_);
    SimTask* self = me();
    if (owner_ == nullptr) {
      owner_ = self ? self : outside();
      return;
    }
    if (self == nullptr || active_world() == nullptr) {
      throw std::logic_error("simulation: a lab::Mutex held by a task was locked outside its World");
    }
    waiters_.push_back(self);
    self->waiting_in = "Mutex::lock";
    self->waiting_on = this;
    self->blocked_since = sched().now_;
    active_world()->switch_away(g, self);  // unlock() hands the mutex over before waking us
    self->waiting_on = nullptr;
  }
  void unlock() override {
    std::unique_lock<std::mutex> g(sched().mu_);
    if (waiters_.empty()) {
      owner_ = nullptr;
      return;
    }
    SimTask* next = waiters_.front();
    waiters_.pop_front();
    owner_ = next;
    active_world()->make_runnable(next);
  }
  bool try_lock() override {
    std::unique_lock<std::mutex> g(sched().mu_);
    if (owner_ != nullptr) return false;
    owner_ = me() ? me() : outside();
    return true;
  }

 private:
  static SimTask* outside() {
    static SimTask t;
    return &t;
  }
  friend const SimTask* holder_of(const SimMutex* mutex);
  SimTask* owner_ = nullptr;
  std::deque<SimTask*> waiters_;
};

const SimTask* holder_of(const SimMutex* mutex) { return mutex->owner_; }

class SimCondVar final : public CondVarImpl {
 public:
  void wait_until(Lock& lock, TimePoint deadline) override {
    Scheduler& s = sched();
    SimTask* self = me();
    SimWorld* world = active_world();
    if (auto* mine = static_cast<SimWorld*>(tls_world); mine != nullptr && self == nullptr) {
      // The owner thread of a World that has ended: its waits throw, as in the real world.
      std::unique_lock<std::mutex> g(s.mu_);
      if (mine->cancelled()) throw Cancelled(mine->cancel_reason());
    }
    if (self == nullptr || world == nullptr) {
      // Outside a World only the caller runs: nobody could notify, so only time passes.
      if (deadline == TimePoint::max()) {
        throw std::logic_error("simulation: untimed wait outside any World would never end");
      }
      std::unique_lock<std::mutex> g(s.mu_);
      s.now_ = std::max(s.now_, deadline);
      return;
    }
    {
      std::unique_lock<std::mutex> g(s.mu_);
      if (world->cancelled()) throw world->cancelled_error(g, self);
      ++self->wait_token;
      waiters_.push_back(self);
      self->wait_list = &waiters_;
      self->waiting_in = tls_blocking_call != nullptr ? tls_blocking_call
                         : deadline == TimePoint::max() ? "CondVar::wait"
                                                        : "CondVar::wait_until";
      self->blocked_since = s.now_;
      if (deadline != TimePoint::max()) world->add_timer(deadline, self, nullptr);
    }
    lock.unlock();
    {
      std::unique_lock<std::mutex> g(s.mu_);
      if (self->wait_list != nullptr) world->switch_away(g, self);
    }
    lock.lock();
    std::unique_lock<std::mutex> g(s.mu_);
    if (world->cancelled()) throw world->cancelled_error(g, self);
  }
  void notify_one() override {
    std::unique_lock<std::mutex> g(sched().mu_);
    if (!waiters_.empty()) wake(waiters_.front());
  }
  void notify_all() override {
    std::unique_lock<std::mutex> g(sched().mu_);
    while (!waiters_.empty()) wake(waiters_.front());
  }

 private:
  void wake(SimTask* t) {
    waiters_.pop_front();
    t->wait_list = nullptr;
    ++t->wait_token;  // its timer, if any, is now stale
    active_world()->make_runnable(t);
  }
  std::deque<SimTask*> waiters_;
};

class SimBackend final : public Backend {
 public:
  SimBackend() { sched().start_watchdog(); }
  TimePoint now() override {
    std::unique_lock<std::mutex> g(sched().mu_);
    return sched().now_;
  }
  std::unique_ptr<MutexImpl> make_mutex() override { return std::make_unique<SimMutex>(); }
  std::unique_ptr<CondVarImpl> make_condvar() override { return std::make_unique<SimCondVar>(); }
  std::unique_ptr<WorldImpl> make_world(std::string name, Duration join_bound) override {
    return std::make_unique<SimWorld>(std::move(name), join_bound);
  }
  WorldImpl* current_world() override { return tls_world; }
  void set_current_world(WorldImpl* world) override { tls_world = world; }
  Timer after(Duration d, std::function<void()> fn) override {
    auto state = std::make_shared<Timer::State>();
    state->fn = std::move(fn);
    state->delay = d;
    state->world = tls_world;
    std::unique_lock<std::mutex> g(sched().mu_);
    SimWorld* world = active_world();
    if (world == nullptr) throw std::logic_error("simulation: after() outside any World");
    world->add_timer(sched().now_ + d, nullptr, state);
    return Timer(state);
  }
  bool cancel_timer(const std::shared_ptr<Timer::State>& state) override {
    int pending = 0;
    if (!state->status.compare_exchange_strong(pending, 2)) return false;
    state->fn = nullptr;
    return true;
  }
  Timer watchdog(Duration, std::function<void()>) override {
    throw std::logic_error("simulation: lab::watchdog is for the real world (time stops with a simulated World)");
  }
  uint64_t random_seed() override {
    std::random_device rd;  // the seed of a run that did not choose one: not replayed
    return (static_cast<uint64_t>(rd()) << 32 | rd()) % 1000000000000ULL;
  }
  size_t live_task_threads() override { return 0; }  // fibers, on the World's own thread
  // One job after another on the caller: one task at a time, and the same order every run.
  // As in the real world, every job runs, and the first exception is rethrown after.
  void compute_parallel(size_t n, const std::function<void(size_t)>& job) override {
    std::exception_ptr first_error;
    for (size_t i = 0; i < n; ++i) {
      try {
        job(i);
      } catch (...) {
        if (!first_error) first_error = std::current_exception();
      }
    }
    if (first_error) std::rethrow_exception(first_error);
  }
};

}  // namespace

Backend* make_sim_backend() { return new SimBackend(); }

}  // namespace lab::detail
