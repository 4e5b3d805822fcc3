// The runtime's public interface, forwarded to the active backend (backend.hpp), plus
// what is the same in every world: WaitGroup, the run seed and the random streams.
#include "labrpc/runtime.hpp"

#include "labrpc/backend.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace lab {

namespace detail {

void (*g_trace_random_draw)(uint64_t value) = nullptr;
constinit thread_local const char* tls_blocking_call = nullptr;

// LAB_SIM: unset or empty is 0. Anything but 0 or 1 stops the run: a student who typed
// LAB_SIM=yes to replay a seed must not silently run the real world.
bool simulated() {
  static const bool sim = [] {
    const char* s = std::getenv("LAB_SIM");
    const std::string_view v = s == nullptr ? "" : s;
    if (v.empty() || v == "0") return false;
    if (v == "1") return true;
    std::fprintf(stderr, "lab: LAB_SIM=%s: expected 0 (real world) or 1 (simulated world)\n", s);
    std::exit(2);
  }();
  return sim;
}

Backend& backend() {
  static Backend* chosen = simulated() ? make_sim_backend() : make_real_backend();
  return *chosen;
}

}  // namespace detail

using detail::backend;

Clock::time_point Clock::now() { return backend().now(); }

double seconds_since(TimePoint since) {
  return std::chrono::duration<double>(now() - since).count();
}

void sleep(Duration d) {
  detail::BlockingCall blocking("sleep");
  thread_local Mutex mu;
  thread_local CondVar never_notified;
  const TimePoint deadline = now() + d;
  Lock lock(mu);
  while (now() < deadline) never_notified.wait_until(lock, deadline);
}

void go(std::string name, std::function<void()> fn) {
  detail::WorldImpl* world = backend().current_world();
  if (world == nullptr) throw std::logic_error("lab::go(" + name + ") called outside any World");
  world->spawn(std::move(name), std::move(fn));
}

void compute_parallel(size_t n, const std::function<void(size_t job)>& job) {
  backend().compute_parallel(n, job);
}

bool Timer::cancel() { return state_ && backend().cancel_timer(state_); }

Timer after(Duration d, std::function<void()> fn) { return backend().after(d, std::move(fn)); }

Timer watchdog(Duration d, std::function<void()> fn) {
  return backend().watchdog(d, std::move(fn));
}

Mutex::Mutex() : impl_(backend().make_mutex()) {}
Mutex::~Mutex() = default;
void Mutex::lock() { impl_->lock(); }
void Mutex::unlock() { impl_->unlock(); }
bool Mutex::try_lock() { return impl_->try_lock(); }

CondVar::CondVar() : impl_(backend().make_condvar()) {}
CondVar::~CondVar() = default;
void CondVar::wait(Lock& lock) { impl_->wait_until(lock, TimePoint::max()); }
bool CondVar::wait_until(Lock& lock, TimePoint deadline) {
  impl_->wait_until(lock, deadline);
  return now() < deadline;
}
void CondVar::notify_one() { impl_->notify_one(); }
void CondVar::notify_all() { impl_->notify_all(); }

void WaitGroup::add(int n) {
  Lock lock(mu_);
  if (count_ + n < 0) throw std::logic_error("WaitGroup: negative counter");
  count_ += n;
  if (count_ == 0) zero_.notify_all();
}
void WaitGroup::done() { add(-1); }
void WaitGroup::wait() {
  detail::BlockingCall blocking("WaitGroup::wait");
  Lock lock(mu_);
  zero_.wait(lock, [&] { return count_ == 0; });
}
bool WaitGroup::wait_for(Duration d) {
  detail::BlockingCall blocking("WaitGroup::wait");
  Lock lock(mu_);
  return zero_.wait_until(lock, now() + d, [&] { return count_ == 0; });
}

World::World(std::string name, Duration join_bound)
    : previous_(backend().current_world()),
      impl_(backend().make_world(std::move(name), join_bound)) {
  backend().set_current_world(impl_.get());
}

World::~World() {
  end();
  backend().set_current_world(previous_);
  if (impl_->abandoned()) {
    // Stragglers still use it: leak it on purpose (and tell LeakSanitizer so).
    detail::WorldImpl* leaked = impl_.release();
#if defined(__SANITIZE_ADDRESS__)
    __lsan_ignore_object(leaked);
#else
    (void)leaked;
#endif
  }
}

void World::fail(const std::string& message) { impl_->fail(message); }
bool World::failed() const { return impl_->failed(); }
std::string World::failure() const { return impl_->failure(); }
std::vector<std::string> World::end() { return impl_->end(); }
size_t World::live_tasks() const { return impl_->live_tasks(); }
const std::string& World::name() const { return impl_->name(); }
std::string World::dump() { return impl_->dump(); }

void fatal(const std::string& message) {
  if (detail::WorldImpl* world = backend().current_world()) world->fail(message);
  throw Cancelled(message);
}

size_t live_task_threads() { return backend().live_task_threads(); }

bool simulated() { return detail::simulated(); }

// --- Randomness: splitmix64, small, fast and good enough for fault injection. ---

namespace {
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

namespace {
// LAB_SEED, when set and not empty: a decimal integer in 0..2^64-1, nothing else (no
// sign, no spaces, no overflow); anything else stops the run with one line.
std::optional<uint64_t> seed_from_environment() {
  const char* s = std::getenv("LAB_SEED");
  if (s == nullptr || *s == '\0') return std::nullopt;
  uint64_t value = 0;
  const char* end = s + std::strlen(s);
  const auto [stop, error] = std::from_chars(s, end, value, 10);
  if (error != std::errc() || stop != end) {
    std::fprintf(stderr, "lab: LAB_SEED=%s: expected a decimal integer from 0 to %llu\n", s,
                 static_cast<unsigned long long>(UINT64_MAX));
    std::exit(2);
  }
  return value;
}
}  // namespace

uint64_t run_seed() {
  static const uint64_t seed = [] {
    const std::optional<uint64_t> chosen = seed_from_environment();
    const uint64_t s = chosen ? *chosen : backend().random_seed();
    const auto n = static_cast<unsigned long long>(s);
    // The first line of every run: the seed and the world, and the exact replay command.
    if (simulated()) {
      std::printf("lab: seed %llu, simulated world (replay with LAB_SIM=1 LAB_SEED=%llu)\n", n, n);
    } else {
      std::printf("lab: seed %llu, real world (replay with LAB_SEED=%llu)\n", n, n);
    }
    std::fflush(stdout);
    return s;
  }();
  return seed;
}

Rng::Rng(uint64_t seed) : state_(seed) {}

Rng Rng::derived(std::string_view stream_name) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (char c : stream_name) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
  return Rng(mix(run_seed() ^ h));
}

uint64_t Rng::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  const uint64_t value = mix(state_);
  if (detail::g_trace_random_draw != nullptr) detail::g_trace_random_draw(value);
  return value;
}

int64_t Rng::intn(int64_t n) {
  if (n <= 0) throw std::invalid_argument("Rng::intn: n must be positive");
  return static_cast<int64_t>(next() % static_cast<uint64_t>(n));
}

}  // namespace lab
