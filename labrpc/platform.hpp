// The few calls the runtime and the tester need that are not plain POSIX: CPU affinity,
// the executable's own path, a task stack's mmap flags, malloc's arena limit, the signal
// that asks a thread for its stack, and a thread's own stack bounds. Each has a Linux
// form and a fallback (macOS's call where it has one, else a documented no-op), so the
// rest of the tree compiles anywhere POSIX; platform.cpp is the one file with #ifdefs.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <string>

namespace lab::platform {

// Whether this system can pin a thread to one CPU (Linux: yes; macOS and others: no, and
// pin_thread() does nothing there).
bool can_pin_threads();

// Moves `thread` to run on `cpu` only; false where pinning is not available or failed.
bool pin_thread(pthread_t thread, int cpu);

// Whether the calling thread may run on every CPU the process started with (true where
// threads cannot be pinned).
bool thread_uses_every_cpu();

// Lets the calling thread run on every CPU the process started with again; nothing where
// threads cannot be pinned.
void unpin_current_thread();

// The CPU the calling thread runs on now, or -1 where the system does not say.
int current_cpu();

// How many CPUs the calling thread may run on, or -1 where the system does not say.
int allowed_cpu_count();

// Remembers argv[0] (made absolute against the current directory, or found on PATH),
// for executable_path() on systems without a call for it. main() calls it first.
void remember_argv0(const char* argv0);

// The absolute path of the running executable: the proc filesystem's link on Linux,
// _NSGetExecutablePath on macOS, else what remember_argv0() found; "" if none.
std::string executable_path();

// The executable's file name (executable_path() without its folders).
std::string executable_name();

// mmap flags for a task's stack: private anonymous memory, with the no-reserve and
// stack flags where the system defines them.
int stack_mmap_flags();

// Caps the heap arenas malloc keeps (glibc's M_ARENA_MAX); a no-op elsewhere, which
// costs memory only.
void limit_malloc_arenas(int arenas);

// The signal World::dump() sends a thread to take its stack: a real-time signal where
// the system has them, else SIGUSR2.
int stack_report_signal();

// The calling thread's stack: its lowest address and its size; false if unknown.
bool current_thread_stack(const void** bottom, size_t* size);

// A signal's short name without "SIG" ("SEGV"), or "" where the system has none for it.
std::string signal_abbrev(int signal);

// pipe() whose two ends close on exec; false (with errno) on failure.
bool pipe_cloexec(int fds[2]);

}  // namespace lab::platform
