// What the benchmarks read about their own process from getrusage: CPU seconds (user +
// system), context switches, peak RSS. Benchmark code only: the lab's own code reads no
// clocks or counters outside the runtime.
#pragma once

#include <sys/resource.h>

namespace bench {

inline rusage self_usage() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru;
}

inline double cpu_seconds() {
  const rusage ru = self_usage();
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Voluntary and involuntary.
inline long context_switches() {
  const rusage ru = self_usage();
  return ru.ru_nvcsw + ru.ru_nivcsw;
}

inline long peak_rss_kib() { return self_usage().ru_maxrss; }

}  // namespace bench
