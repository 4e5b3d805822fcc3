// The real backend: tasks are OS threads, locks are real locks, time is the monotonic
// clock, and timers run on one libuv loop thread. This is the only file (with its
// header) allowed to touch std::thread, std::mutex, std::condition_variable, clocks and
// random_device (scripts/check-runtime-rule.sh knows it).
//
// Tasks: each World keeps its own pool of threads. go() hands the task to an idle thread
// of the World or starts a new one, so a blocked task never starves another; threads
// end with their World, so none outlives its test.
//
// Hand-offs: a thread whose last wait ended within kSpinWindow spins (yielding) for that
// long before it sleeps, so a call that a handler answers in microseconds costs no
// futex sleep and wake-up; a thread whose waits are long (a ticker, a sleep) never
// spins.
//
// CPU: a World's task threads, and the timer thread, all run on one CPU: the one the
// kernel had the World's creator on (where the system can pin threads: Linux; see
// labrpc/platform.hpp). The lab's tasks mostly wake one another, and a
// wake-up sent to another CPU costs an interprocessor interrupt (on a virtual machine,
// an exit to the hypervisor too). On this 2-core VM one CPU halved the CPU time per
// committed Raft command (raft_bench -tc=BenchmarkCommitCost) and TestBasic3A did more
// operations for less CPU (docs/benchmarks.md). LAB_TASK_CPUS=all lets the kernel place
// them anywhere; the test's own thread and the checker's threads are never pinned.
//
// Computation (lab::compute_parallel): each job runs on a thread of its own, made for the
// call and joined before it returns, allowed on every CPU the process had when it started,
// so that the checker's partitions use all cores even when a pinned task calls it; a
// caller that is not pinned runs the first job itself (and a lone job runs there).
//
// Cancellation: a cancelled World wakes every condition-variable wait of its threads
// (they register while they wait; see RealCondVar for why no wake-up is lost).
//
// Reports: each thread of a World (its workers, and its owner as [main]) has a TaskState:
// the task it runs, the runtime call it is blocked in and since when (a few relaxed stores
// per blocking call), and how many Cancelled it was thrown; each mutex records its holder
// (a store per lock and unlock). World::dump() reads them, and each thread's stack, taken
// by a signal whose handler calls backtrace(); the straggler report reads them too. A
// lock's slow path only (the uncontended one stays a try_lock) reads the clock.
//
// Memory: glibc's malloc keeps at most kMallocArenas arenas (other systems' mallocs keep
// their defaults). By default glibc gives threads that contend for the heap arenas of
// their own, up to eight per core, and each arena keeps
// the memory freed into it; with a task (a thread) per RPC, nearly every thread of a test
// ends up allocating, and the snapshot tests' peak RSS was 0.7 MiB (12%) higher for it.
// Two arenas cost no measurable throughput (make bench, TestBasic3A's operations).
#include "labrpc/backend.hpp"
#include "labrpc/platform.hpp"
#include "labrpc/symbolize.hpp"

#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace lab {
namespace detail {
namespace {

constexpr auto kSpinWindow = std::chrono::microseconds(50);
constexpr int kMallocArenas = 2;

// Whether this thread's last wait ended within kSpinWindow (see the header comment).
thread_local bool tls_spin = false;

// Yields until done() or the spin window passes; returns done().
template <class Done>
bool spin_until(Done done) {
  const auto end = std::chrono::steady_clock::now() + kSpinWindow;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::yield();
  }
  return done();
}

std::atomic<size_t> g_live_task_threads{0};

// The CPU a new World's threads share (see the header comment), or -1 for any. Where
// the system cannot pin threads, any: LAB_TASK_CPUS=one then says so, once.
int world_cpu() {
  static const bool any = [] {
    const char* v = std::getenv("LAB_TASK_CPUS");
    if (v == nullptr || *v == '\0') return !platform::can_pin_threads();
    if (std::strcmp(v, "all") == 0) return true;
    if (std::strcmp(v, "one") == 0) {
      if (platform::can_pin_threads()) return false;
      std::fprintf(stderr, "lab: LAB_TASK_CPUS=one: this system cannot pin threads to a CPU; "
                           "tasks run on any CPU\n");
      return true;
    }
    std::fprintf(stderr, "lab: LAB_TASK_CPUS=%s: expected one or all\n", v);
    std::exit(2);
  }();
  return any ? -1 : platform::current_cpu();
}

// Moves `thread` to `cpu` (-1: leaves it). A failure only costs speed, so it is ignored.
void pin(pthread_t thread, int cpu) {
  if (cpu >= 0) platform::pin_thread(thread, cpu);
}

class RealWorld;
thread_local WorldImpl* tls_world = nullptr;

std::chrono::steady_clock::time_point to_steady(TimePoint t) {
  if (t == TimePoint::max()) return std::chrono::steady_clock::time_point::max();
  return std::chrono::steady_clock::time_point(t.time_since_epoch());
}

// What the runtime knows of a thread that runs a World's tasks or owns the World, for
// World::dump() and the straggler report: the task it runs, the runtime call it is
// blocked in and since when, how often it was told it is cancelled, and (on request) its
// stack. The thread sets its own fields with relaxed stores (a few per blocking call);
// whoever reports reads them.
struct TaskState {
  static constexpr int kMaxFrames = 48;

  pthread_t thread{};
  std::string name;      // the task's, or "main" for the owner; under the World's mu_
  bool running = false;  // a worker between tasks is not; under the World's mu_
  std::atomic<const char*> blocked_in{nullptr};  // "Mutex::lock", "Channel::recv"...; null
                                                 // while it runs
  std::atomic<const void*> blocked_on{nullptr};  // the RealMutex, in Mutex::lock
  std::atomic<int64_t> blocked_since{0};         // steady_clock nanoseconds
  std::atomic<uint64_t> cancels{0};  // Cancelled thrown at it once its World was cancelled
  void* frames[kMaxFrames];
  std::atomic<int> nframes{-1};  // set by the stack signal's handler

  void block(const char* what, const void* on, std::chrono::steady_clock::time_point since) {
    blocked_on.store(on, std::memory_order_relaxed);
    blocked_since.store(since.time_since_epoch().count(), std::memory_order_relaxed);
    blocked_in.store(what, std::memory_order_release);
  }
  void unblock() { blocked_in.store(nullptr, std::memory_order_relaxed); }
};

// The calling thread's TaskState: a worker's, or the owner's of the World it created.
thread_local TaskState* tls_task_state = nullptr;
// The holder of a lock taken by a thread the runtime does not track (a timer callback).
TaskState g_untracked;

class RealMutex final : public MutexImpl {
 public:
  void lock() override {
    if (!mu_.try_lock()) {
      TaskState* me = tls_task_state;
      if (me != nullptr) me->block("Mutex::lock", this, std::chrono::steady_clock::now());
      mu_.lock();
      if (me != nullptr) me->unblock();
    }
    hold();
  }
  void unlock() override {
    holder_.store(nullptr, std::memory_order_relaxed);
    mu_.unlock();
  }
  bool try_lock() override {
    if (!mu_.try_lock()) return false;
    hold();
    return true;
  }
  const TaskState* holder() const { return holder_.load(std::memory_order_relaxed); }

 private:
  void hold() {
    TaskState* me = tls_task_state;
    holder_.store(me != nullptr ? me : &g_untracked, std::memory_order_relaxed);
  }

  std::mutex mu_;
  std::atomic<const TaskState*> holder_{nullptr};  // for the dump: who holds it
};

class RealCondVar;

// What a cancelled World must wake: the condition variables its threads wait on.
class Waiters {
 public:
  void add(RealCondVar* cv) {
    std::lock_guard<std::mutex> g(mu_);
    waiting_.insert(cv);
  }
  void remove(RealCondVar* cv) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = waiting_.find(cv);
    if (it != waiting_.end()) waiting_.erase(it);
  }
  void wake_all();

 private:
  std::mutex mu_;
  std::multiset<RealCondVar*> waiting_;
};

class RealWorld final : public WorldImpl {
 public:
  // Created on the thread that owns it, which it tracks as [main] while it is current.
  RealWorld(std::string name, Duration join_bound)
      : name_(std::move(name)), join_bound_(join_bound), cpu_(world_cpu()) {
    owner_.thread = pthread_self();
    owner_.name = "main";
    owner_.running = true;
    owner_saved_ = tls_task_state;
    tls_task_state = &owner_;
  }
  ~RealWorld() override { end(); }

  // The owner thread leaves this World (it becomes another World's, or none): it is the
  // TaskState it was before.
  void release_owner_thread() {
    if (tls_task_state == &owner_) tls_task_state = owner_saved_;
  }

  void spawn(std::string name, std::function<void()> fn) override {
    std::unique_lock<std::mutex> g(mu_);
    if (ending_) throw Cancelled("go(" + name + "): world " + name_ + " has ended");
    queue_.push_back({std::move(name), std::move(fn)});
    queued_.store(queue_.size(), std::memory_order_release);
    ++live_;
    // Every queued task needs a worker of its own: a spinning one, an idle one woken
    // now, or a new thread. (Counting only "some worker is idle" let two tasks spawned
    // back to back share one worker, the second stuck behind a 7-second call.)
    if (queue_.size() <= spinning_) return;
    if (queue_.size() <= spinning_ + idle_) {
      work_.notify_one();
      return;
    }
    threads_.emplace_back([this] { worker(); });
  }

  void fail(const std::string& message) override {
    {
      std::lock_guard<std::mutex> g(mu_);
      if (failure_.empty()) failure_ = message.empty() ? "failed" : message;
    }
    cancel();
  }
  bool failed() const override {
    std::lock_guard<std::mutex> g(mu_);
    return !failure_.empty();
  }
  std::string failure() const override {
    std::lock_guard<std::mutex> g(mu_);
    return failure_;
  }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  std::string cancel_reason() const {
    std::lock_guard<std::mutex> g(mu_);
    return failure_.empty() ? "world " + name_ + " has ended" : failure_;
  }
  Waiters& waiters() { return waiters_; }

  bool begin_timer_callback() {
    std::lock_guard<std::mutex> g(mu_);
    if (ending_) return false;
    ++timer_callbacks_running_;
    return true;
  }
  void end_timer_callback() {
    std::lock_guard<std::mutex> g(mu_);
    if (--timer_callbacks_running_ == 0) idle_or_done_.notify_all();
  }

  void add_timer(std::shared_ptr<Timer::State> t) {
    std::lock_guard<std::mutex> g(mu_);
    std::erase_if(timers_, [](const auto& s) { return s->status.load() != 0; });
    timers_.push_back(std::move(t));
  }

  std::vector<std::string> end() override {
    std::unique_lock<std::mutex> g(mu_);
    if (ended_) return stragglers_;
    ending_ = true;
    auto timers = std::move(timers_);
    g.unlock();
    for (auto& t : timers) backend().cancel_timer(t);
    cancel();
    g.lock();
    work_.notify_all();
    const auto start = std::chrono::steady_clock::now();
    TaskState* me = tls_task_state;
    if (me != nullptr) me->block("World::end, joining its tasks", nullptr, start);
    idle_or_done_.wait_until(g, start + join_bound_,
                             [&] { return live_ == 0 && timer_callbacks_running_ == 0; });
    if (me != nullptr) me->unblock();
    std::vector<TaskReport> why;  // each straggler, and why it did not end
    for (const TaskState& st : states_) {
      if (!st.running) continue;
      stragglers_.push_back(st.name);
      why.push_back(report_of(st, std::chrono::steady_clock::now()));
    }
    ended_ = true;
    auto threads = std::move(threads_);
    const bool all_done = live_ == 0;
    g.unlock();
    if (all_done) {
      for (auto& t : threads) t.join();
    } else {
      std::fprintf(stderr, "lab: world %s: %zu task(s) still running after %.1f s, abandoned:\n%s",
                   name_.c_str(), stragglers_.size(),
                   std::chrono::duration<double>(join_bound_).count(),
                   report_lines(why, {}).c_str());
      // The stragglers still use this object: leak it rather than free it under them.
      for (auto& t : threads) t.detach();
      abandoned_ = true;
    }
    return stragglers_;
  }
  bool abandoned() const override { return abandoned_; }

  size_t live_tasks() const override {
    std::lock_guard<std::mutex> g(mu_);
    return live_;
  }
  const std::string& name() const override { return name_; }
  int cpu() const { return cpu_; }

  std::string dump() override;
  // Counts a Cancelled thrown at the calling thread, and returns it.
  Cancelled cancelled_error() const {
    if (TaskState* me = tls_task_state) me->cancels.fetch_add(1, std::memory_order_relaxed);
    return Cancelled(cancel_reason());
  }

 private:
  struct Task {
    std::string name;
    std::function<void()> fn;
  };

  void cancel() {
    cancelled_.store(true, std::memory_order_release);
    waiters_.wake_all();
  }

  // A live task, for the reports: what it waits in and for how long, or why it still
  // runs. Under mu_.
  struct TaskReport {
    std::string name;
    std::string state;    // "in Mutex::lock on mutex 0x..., held by [main]", "running, ..."
    double seconds = -1;  // how long it has been blocked; -1 when it is not
  };
  TaskReport report_of(const TaskState& st, std::chrono::steady_clock::time_point now) const {
    TaskReport r{st.name, "", -1};
    const uint64_t cancels = st.cancels.load(std::memory_order_relaxed);
    if (cancelled() && cancels >= kSwallowedCancels) {
      r.state = "keeps running after its World was cancelled: it caught lab::Cancelled " +
                std::to_string(cancels) +
                " times and called the runtime again (catch (...) in a loop?); let Cancelled "
                "propagate out of the task";
      return r;
    }
    const char* in = st.blocked_in.load(std::memory_order_acquire);
    if (in == nullptr) {
      r.state = "running, not in a runtime wait (a loop that never blocks, or blocked outside "
                "the runtime: a std::mutex, a real sleep, I/O?)";
      return r;
    }
    r.seconds = std::chrono::duration<double>(
                    now - std::chrono::steady_clock::time_point(
                              std::chrono::nanoseconds(st.blocked_since.load())))
                    .count();
    r.state = std::string("in ") + in;
    if (std::string_view(in) == "Mutex::lock") {
      const auto* mutex = static_cast<const RealMutex*>(st.blocked_on.load());
      char address[32];
      std::snprintf(address, sizeof address, "%p", static_cast<const void*>(mutex));
      r.state += std::string(" on mutex ") + address + ", held by " + holder_name(mutex->holder(), &st);
    }
    return r;
  }

  // One line per group of alike tasks (same name, state and stack, in order of first
  // appearance: an RPC handler blocked behind a lock comes by the hundred), each followed
  // by its stack lines, if any.
  static std::string report_lines(const std::vector<TaskReport>& reports,
                                  const std::vector<std::vector<std::string>>& stacks) {
    struct Group {
      const TaskReport* first;
      const std::vector<std::string>* stack;
      size_t count = 0;
      double min_seconds = 0, max_seconds = 0;
    };
    std::vector<Group> groups;
    std::map<std::string, size_t> by_key;
    static const std::vector<std::string> kNoStack;
    for (size_t i = 0; i < reports.size(); ++i) {
      const TaskReport& r = reports[i];
      const std::vector<std::string>& stack = i < stacks.size() ? stacks[i] : kNoStack;
      std::string key = r.name + '\n' + r.state;
      for (const std::string& line : stack) key += '\n' + line;
      auto [it, fresh] = by_key.try_emplace(key, groups.size());
      if (fresh) groups.push_back({&r, &stack, 0, r.seconds, r.seconds});
      Group& g = groups[it->second];
      ++g.count;
      g.min_seconds = std::min(g.min_seconds, r.seconds);
      g.max_seconds = std::max(g.max_seconds, r.seconds);
    }
    std::string text;
    for (const Group& g : groups) {
      char head[96] = "";
      const char* sep = g.count > 1 ? ", " : " ";
      if (g.count > 1) std::snprintf(head, sizeof head, " x%zu", g.count);
      text += "[" + g.first->name + "]" + head;
      if (g.first->seconds < 0) {
        text += sep + g.first->state + "\n";
      } else {
        if (g.count > 1 && g.max_seconds - g.min_seconds >= 0.05) {
          std::snprintf(head, sizeof head, "%sblocked %.1f to %.1f s ", sep, g.min_seconds, g.max_seconds);
        } else {
          std::snprintf(head, sizeof head, "%sblocked %.1f s ", sep, g.max_seconds);
        }
        text += head + g.first->state + "\n";
      }
      for (const std::string& line : *g.stack) text += "    " + line + "\n";
    }
    return text;
  }

  // Who holds a lock, as the dump names it. Under mu_.
  std::string holder_name(const TaskState* holder, const TaskState* asking) const {
    if (holder == nullptr) return "nobody (released just now)";
    if (holder == &g_untracked) return "a thread that runs none of this World's tasks (a timer callback?)";
    const bool ours = holder == &owner_ || std::any_of(states_.begin(), states_.end(),
                                                       [&](const TaskState& st) { return &st == holder; });
    if (!ours) return "a task of another World";
    return "[" + holder->name + "]" + (holder == asking ? " itself" : "");
  }

  void worker() {
    pin(pthread_self(), cpu_);
    ++g_live_task_threads;
    tls_world = this;
    std::unique_lock<std::mutex> g(mu_);
    TaskState& me = states_.emplace_back();
    me.thread = pthread_self();
    tls_task_state = &me;
    for (;;) {
      if (tls_spin && queue_.empty() && !ending_) {
        ++spinning_;
        g.unlock();
        spin_until([&] { return queued_.load(std::memory_order_acquire) > 0 || cancelled(); });
        g.lock();
        --spinning_;
      }
      if (queue_.empty() && !ending_) {
        const auto idle_since = std::chrono::steady_clock::now();
        ++idle_;
        work_.wait(g, [&] { return !queue_.empty() || ending_; });
        --idle_;
        tls_spin = std::chrono::steady_clock::now() - idle_since < kSpinWindow;
      } else {
        tls_spin = true;
      }
      if (queue_.empty()) break;
      Task task = std::move(queue_.front());
      queue_.pop_front();
      queued_.store(queue_.size(), std::memory_order_release);
      me.name = task.name;
      me.running = true;
      g.unlock();
      run(task);
      task = {};
      g.lock();
      me.running = false;
      if (--live_ == 0) idle_or_done_.notify_all();
    }
    g.unlock();
    tls_task_state = nullptr;
    tls_world = nullptr;
    --g_live_task_threads;
  }

  void run(Task& task) {
    try {
      task.fn();
    } catch (const Cancelled&) {
      // The World ended or failed: unwinding is the task's way out.
    } catch (const std::exception& e) {
      fail("task " + task.name + ": " + e.what());
    } catch (...) {
      fail("task " + task.name + ": unknown exception");
    }
  }

  const std::string name_;
  const Duration join_bound_;
  const int cpu_;  // where its threads run, -1 for anywhere
  mutable std::mutex mu_;
  std::condition_variable work_;
  std::condition_variable idle_or_done_;
  std::deque<Task> queue_;
  std::vector<std::thread> threads_;
  std::deque<TaskState> states_;  // one per worker thread, never moved: others point at them
  TaskState owner_;
  TaskState* owner_saved_ = nullptr;  // the owner thread's TaskState before this World
  std::vector<std::shared_ptr<Timer::State>> timers_;
  std::vector<std::string> stragglers_;
  std::string failure_;
  std::atomic<bool> cancelled_{false};
  Waiters waiters_;
  std::atomic<size_t> queued_{0};  // queue_.size(), readable without mu_ by spinners
  size_t timer_callbacks_running_ = 0;  // on the loop thread, using this World
  size_t idle_ = 0;                // workers asleep on work_
  size_t spinning_ = 0;            // workers spinning for work
  size_t live_ = 0;
  bool ending_ = false;
  bool ended_ = false;
  bool abandoned_ = false;
};

// --- Stacks, for World::dump(): each live thread of the World is sent kStackSignal, whose
// handler stores the thread's backtrace in its TaskState. backtrace() is called once
// first, so that it loads what it needs outside any handler.
const int kStackSignal = platform::stack_report_signal();

void store_stack(int) {
  TaskState* me = tls_task_state;
  if (me != nullptr && me->nframes.load(std::memory_order_relaxed) < 0) {
    me->nframes.store(backtrace(me->frames, TaskState::kMaxFrames), std::memory_order_release);
  }
}

void install_stack_handler() {
  static const bool installed = [] {
    void* warm_up[1];
    backtrace(warm_up, 1);
    struct sigaction action {};
    action.sa_handler = store_stack;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    return sigaction(kStackSignal, &action, nullptr) == 0;
  }();
  (void)installed;
}

std::string RealWorld::dump() {
  install_stack_handler();
  std::vector<TaskState*> live;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!ended_) live.push_back(&owner_);
    for (TaskState& st : states_) {
      if (st.running) live.push_back(&st);
    }
    // Under mu_: a thread running a task is not joined meanwhile.
    for (TaskState* st : live) {
      st->nframes.store(-1, std::memory_order_relaxed);
      pthread_kill(st->thread, kStackSignal);
    }
  }
  // A thread answers at once, unless its handler cannot run (it waits for a lock the
  // interrupted code holds; ThreadSanitizer holds signals back from a thread in a lock):
  // then its stack is left out.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  const auto answered = [&] {
    return std::all_of(live.begin(), live.end(),
                       [](TaskState* st) { return st->nframes.load(std::memory_order_acquire) >= 0; });
  };
  while (!answered() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::vector<std::vector<void*>> stacks;
  for (TaskState* st : live) {
    const int n = st->nframes.load(std::memory_order_acquire);
    stacks.emplace_back(st->frames, st->frames + std::max(n, 0));
  }
  std::vector<std::vector<std::string>> frames = symbolize(stacks, 12);
  for (size_t i = 0; i < live.size(); ++i) {
    if (stacks[i].empty()) frames[i] = {"(no stack: the thread did not answer)"};
  }
  std::lock_guard<std::mutex> g(mu_);
  const auto now = std::chrono::steady_clock::now();
  std::vector<TaskReport> reports;
  for (TaskState* st : live) reports.push_back(report_of(*st, now));
  return report_lines(reports, frames);
}

// A condition variable whose waits a World's cancel can always interrupt: the waiter
// checks the cancel flag under the internal mutex `inner_` and sleeps on it; the
// canceller notifies under the same mutex, after setting the flag. Lock order: the
// World's waiter registry is never held while taking `inner_` in a waiter.
class RealCondVar final : public CondVarImpl {
 public:
  void wait_until(Lock& lock, TimePoint deadline) override {
    auto* world = static_cast<RealWorld*>(tls_world);
    if (world != nullptr && world->cancelled()) throw world->cancelled_error();
    const auto start = std::chrono::steady_clock::now();
    const auto steady_deadline = to_steady(deadline);
    if (world != nullptr && tls_spin && steady_deadline > start + kSpinWindow) {
      const uint64_t seq = notified_.load(std::memory_order_acquire);
      lock.unlock();
      spin_until([&] { return notified_.load(std::memory_order_acquire) != seq; });
      lock.lock();
      if (notified_.load(std::memory_order_acquire) != seq) {
        if (world->cancelled()) throw world->cancelled_error();
        return;
      }
    }
    if (world != nullptr) world->waiters().add(this);
    TaskState* me = tls_task_state;
    if (me != nullptr) me->block(tls_blocking_call ? tls_blocking_call : "CondVar::wait", this, start);
    {
      std::unique_lock<std::mutex> inner(inner_);
      if (world == nullptr || !world->cancelled()) {
        lock.unlock();
        if (deadline == TimePoint::max()) {
          cv_.wait(inner);
        } else {
          cv_.wait_until(inner, steady_deadline);
        }
      }
    }
    if (me != nullptr) me->unblock();
    if (world != nullptr) world->waiters().remove(this);
    if (lock.owns_lock() == false) lock.lock();
    tls_spin = std::chrono::steady_clock::now() - start < kSpinWindow;
    if (world != nullptr && world->cancelled()) throw world->cancelled_error();
  }
  // Taking and releasing inner_ before notifying is enough: a waiter holds inner_ from
  // its last check until it sleeps, so once we get inner_ every waiter that could miss
  // this notify is asleep on cv_. Notifying after the release spares the woken thread
  // from blocking at once on inner_ (glibc does not hand the mutex over).
  void notify_one() override {
    notified_.fetch_add(1, std::memory_order_release);
    { std::lock_guard<std::mutex> inner(inner_); }
    cv_.notify_one();
  }
  void notify_all() override {
    notified_.fetch_add(1, std::memory_order_release);
    { std::lock_guard<std::mutex> inner(inner_); }
    cv_.notify_all();
  }

 private:
  std::mutex inner_;
  std::condition_variable cv_;
  std::atomic<uint64_t> notified_{0};  // bumped by every notify, watched by spinners
};

void Waiters::wake_all() {
  std::lock_guard<std::mutex> g(mu_);
  for (RealCondVar* cv : waiting_) cv->notify_all();
}

// The libuv loop thread that runs every timer of the process. Other threads hand it
// work through a queue and a uv_async_t.
class TimerLoop {
 public:
  TimerLoop() {
    uv_loop_init(&loop_);
    uv_async_init(&loop_, &wakeup_, [](uv_async_t* a) { static_cast<TimerLoop*>(a->data)->drain(); });
    wakeup_.data = this;
    thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  }
  // The loop lives as long as the process; it is never joined.
  ~TimerLoop() = delete;

  void post(std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> g(mu_);
      pending_.push_back(std::move(fn));
    }
    uv_async_send(&wakeup_);
  }
  uv_loop_t* loop() { return &loop_; }
  // Timers wake tasks: run where the newest World's tasks run.
  void move_to(int cpu) { pin(thread_.native_handle(), cpu); }

 private:
  void drain() {
    std::deque<std::function<void()>> work;
    {
      std::lock_guard<std::mutex> g(mu_);
      work.swap(pending_);
    }
    for (auto& fn : work) fn();
  }

  uv_loop_t loop_;
  uv_async_t wakeup_;
  std::mutex mu_;
  std::deque<std::function<void()>> pending_;
  std::thread thread_;
};

TimerLoop& timer_loop() {
  static TimerLoop* loop = new TimerLoop();
  return *loop;
}

// Keeps the timer's state alive while libuv holds the handle.
struct TimerHandle {
  uv_timer_t timer;
  std::shared_ptr<Timer::State> state;
};

void close_timer(uv_timer_t* handle) {
  uv_timer_stop(handle);
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) { delete static_cast<TimerHandle*>(h->data); });
}

class RealBackend final : public Backend {
 public:
  // Created before the runtime starts any thread, so the limit holds for all of them.
  RealBackend() { platform::limit_malloc_arenas(kMallocArenas); }
  TimePoint now() override {
    return TimePoint(std::chrono::duration_cast<Duration>(
        std::chrono::steady_clock::now().time_since_epoch()));
  }
  std::unique_ptr<MutexImpl> make_mutex() override { return std::make_unique<RealMutex>(); }
  std::unique_ptr<CondVarImpl> make_condvar() override { return std::make_unique<RealCondVar>(); }
  std::unique_ptr<WorldImpl> make_world(std::string name, Duration join_bound) override {
    auto world = std::make_unique<RealWorld>(std::move(name), join_bound);
    timer_loop().move_to(world->cpu());
    return world;
  }
  WorldImpl* current_world() override { return tls_world; }
  void set_current_world(WorldImpl* world) override {
    if (auto* leaving = static_cast<RealWorld*>(tls_world)) leaving->release_owner_thread();
    tls_world = world;
  }

  Timer after(Duration d, std::function<void()> fn) override {
    return schedule(d, std::move(fn), tls_world);
  }
  Timer watchdog(Duration d, std::function<void()> fn) override {
    return schedule(d, std::move(fn), nullptr);
  }

  bool cancel_timer(const std::shared_ptr<Timer::State>& state) override {
    int pending = 0;
    if (!state->status.compare_exchange_strong(pending, 2)) return false;
    // Free the handle and the callback on the loop thread, where libuv lives.
    timer_loop().post([state] {
      state->fn = nullptr;
      if (state->handle != nullptr) {
        auto* h = static_cast<uv_timer_t*>(state->handle);
        state->handle = nullptr;
        close_timer(h);
      }
    });
    return true;
  }

  uint64_t random_seed() override {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32 | rd()) % 1000000000000ULL;
  }
  size_t live_task_threads() override { return g_live_task_threads.load(); }

  void compute_parallel(size_t n, const std::function<void(size_t)>& job) override {
    if (n == 0) return;
    std::mutex mu;
    std::exception_ptr first_error;
    const auto run = [&](size_t i) {
      try {
        job(i);
      } catch (...) {
        std::lock_guard<std::mutex> g(mu);
        if (!first_error) first_error = std::current_exception();
      }
    };
    // A caller free to use every CPU (the test's thread, a tool's main) does job 0
    // itself: it starts at once, and one thread fewer is made. A pinned one (a World's
    // task) only waits.
    const bool caller_free = platform::thread_uses_every_cpu();
    const size_t first_thread = caller_free || n == 1 ? 1 : 0;
    std::vector<std::thread> threads;
    threads.reserve(n);
    size_t i = first_thread;
    try {
      for (; i < n; ++i) {
        threads.emplace_back([&run, i] {
          platform::unpin_current_thread();
          run(i);
        });
      }
    } catch (const std::system_error&) {
      for (; i < n; ++i) run(i);  // no more threads to be had: the rest on the caller
    }
    if (first_thread == 1) run(0);
    for (std::thread& t : threads) t.join();
    if (first_error) std::rethrow_exception(first_error);
  }

 private:
  // A timer of `world` (ended with it), or of none.
  Timer schedule(Duration d, std::function<void()> fn, WorldImpl* owner) {
    auto state = std::make_shared<Timer::State>();
    state->fn = std::move(fn);
    state->delay = d;
    state->world = owner;
    if (auto* world = static_cast<RealWorld*>(owner)) world->add_timer(state);
    timer_loop().post([state] {
      if (state->status.load() != 0) return;
      auto* h = new TimerHandle{{}, state};
      h->timer.data = h;
      uv_timer_init(timer_loop().loop(), &h->timer);
      state->handle = &h->timer;  // touched only on the loop thread
      // libuv counts whole milliseconds from a cached loop time: refresh it and add one
      // millisecond so the timer never fires before its delay.
      uv_update_time(timer_loop().loop());
      const auto ms = std::chrono::ceil<std::chrono::milliseconds>(state->delay).count() + 1;
      uv_timer_start(
          &h->timer,
          [](uv_timer_t* t) {
            auto st = static_cast<TimerHandle*>(t->data)->state;
            st->handle = nullptr;
            close_timer(t);
            int pending = 0;
            if (!st->status.compare_exchange_strong(pending, 1)) return;
            auto* world = static_cast<RealWorld*>(st->world);
            // A World that is ending no longer runs callbacks, and waits for a running one.
            if (world != nullptr && !world->begin_timer_callback()) return;
            tls_world = world;
            try {
              st->fn();
            } catch (const Cancelled&) {
            } catch (const std::exception& e) {
              if (world) world->fail(std::string("timer: ") + e.what());
            }
            tls_world = nullptr;
            st->fn = nullptr;
            if (world != nullptr) world->end_timer_callback();
          },
          static_cast<uint64_t>(std::max<int64_t>(ms, 0)), 0);
    });
    return Timer(state);
  }
};

}  // namespace

Backend* make_real_backend() { return new RealBackend(); }

}  // namespace detail

// Here because this file may read the clock (see runtime.hpp); no backend is involved.
double real_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace lab
