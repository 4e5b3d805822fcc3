// The platform calls behind platform.hpp: Linux's, macOS's, and a POSIX fallback for
// anything else. The only file in the tree that names a Linux-only or macOS-only call.
#include "labrpc/platform.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

#include <cctype>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace lab::platform {

namespace {

// Set once, by main() before any thread starts, then only read.
std::string& argv0_path() {
  static std::string path;
  return path;
}

// `path` made absolute and free of symlinks, or "" if it names no file.
std::string real_path(const std::string& path) {
  char resolved[PATH_MAX];
  return realpath(path.c_str(), resolved) != nullptr ? std::string(resolved) : std::string();
}

}  // namespace

bool can_pin_threads() {
#if defined(__linux__)
  return true;
#else
  return false;
#endif
}

bool pin_thread(pthread_t thread, int cpu) {
#if defined(__linux__)
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(thread, sizeof set, &set) == 0;
#else
  (void)thread;
  (void)cpu;
  return false;
#endif
}

int current_cpu() {
#if defined(__linux__)
  return sched_getcpu();
#else
  return -1;
#endif
}

#if defined(__linux__)
namespace {
// The CPUs the process may use, as it started (before any thread was pinned).
const cpu_set_t g_process_cpus = [] {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) CPU_SET(c, &set);
  }
  return set;
}();
}  // namespace
#endif

bool thread_uses_every_cpu() {
#if defined(__linux__)
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 && CPU_EQUAL(&set, &g_process_cpus);
#else
  return true;
#endif
}

void unpin_current_thread() {
#if defined(__linux__)
  pthread_setaffinity_np(pthread_self(), sizeof g_process_cpus, &g_process_cpus);
#endif
}

int allowed_cpu_count() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
  return CPU_COUNT(&set);
#else
  return -1;
#endif
}

void remember_argv0(const char* argv0) {
  if (argv0 == nullptr || *argv0 == '\0') return;
  const std::string_view name(argv0);
  if (name.find('/') != std::string_view::npos) {
    argv0_path() = real_path(argv0);
    return;
  }
  // A bare name was found on PATH by the shell: look for it the same way.
  const char* path = std::getenv("PATH");
  std::string_view dirs(path != nullptr ? path : "");
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    const std::string candidate = std::string(dir.empty() ? "." : dir) + "/" + argv0;
    if (access(candidate.c_str(), X_OK) == 0) {
      argv0_path() = real_path(candidate);
      return;
    }
  }
}

std::string executable_path() {
#if defined(__linux__)
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n > 0) return std::string(path, static_cast<size_t>(n));
#elif defined(__APPLE__)
  uint32_t size = 0;
  _NSGetExecutablePath(nullptr, &size);  // asks for the size needed
  std::vector<char> path(size + 1, '\0');
  if (_NSGetExecutablePath(path.data(), &size) == 0) {
    if (std::string resolved = real_path(path.data()); !resolved.empty()) return resolved;
  }
#endif
  return argv0_path();
}

std::string executable_name() {
  const std::string path = executable_path();
  return path.substr(path.find_last_of('/') + 1);
}

int stack_mmap_flags() {
#if defined(MAP_ANONYMOUS)
  int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#else
  int flags = MAP_PRIVATE | MAP_ANON;
#endif
#if defined(MAP_NORESERVE)
  flags |= MAP_NORESERVE;
#endif
#if defined(MAP_STACK)
  flags |= MAP_STACK;
#endif
  return flags;
}

void limit_malloc_arenas(int arenas) {
#if defined(__GLIBC__)
  mallopt(M_ARENA_MAX, arenas);
#else
  (void)arenas;
#endif
}

int stack_report_signal() {
#if defined(SIGRTMIN)
  return SIGRTMIN;
#else
  return SIGUSR2;
#endif
}

bool current_thread_stack(const void** bottom, size_t* size) {
#if defined(__linux__)
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return false;
  void* addr = nullptr;
  const bool ok = pthread_attr_getstack(&attr, &addr, size) == 0;
  pthread_attr_destroy(&attr);
  *bottom = addr;
  return ok;
#elif defined(__APPLE__)
  // macOS gives the stack's top (its highest address); the stack grows down from it.
  const size_t bytes = pthread_get_stacksize_np(pthread_self());
  *bottom = static_cast<const char*>(pthread_get_stackaddr_np(pthread_self())) - bytes;
  *size = bytes;
  return true;
#else
  (void)bottom;
  (void)size;
  return false;
#endif
}

std::string signal_abbrev(int signal) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char* name = sigabbrev_np(signal);
  return name != nullptr ? name : "";
#elif defined(__APPLE__)
  if (signal <= 0 || signal >= NSIG) return "";
  std::string name = sys_signame[signal];  // lower case there: "segv"
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
#else
  (void)signal;
  return "";
#endif
}

bool pipe_cloexec(int fds[2]) {
#if defined(__linux__)
  return pipe2(fds, O_CLOEXEC) == 0;
#else
  if (pipe(fds) != 0) return false;
  fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  return true;
#endif
}

}  // namespace lab::platform
