// Optional debug output for Raft (see trace.hpp).
#include "raft/trace.hpp"

#include "labrpc/runtime.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace raft {

bool TraceEnabled() {
  static const bool enabled = [] {
    const char* value = std::getenv("VERBOSE");
    return value != nullptr && *value != '\0' && std::string(value) != "0";
  }();
  return enabled;
}

void TraceLine(int me, std::string_view topic, const std::string& message) {
  static const lab::TimePoint start = lab::now();
  std::fprintf(stderr, "%8.3f S%d %-6.*s %s\n", lab::seconds_since(start), me,
               static_cast<int>(topic.size()), topic.data(), message.c_str());
}

}  // namespace raft
