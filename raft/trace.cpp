// Raft's debug output (see trace.hpp).
#include "raft/trace.hpp"

namespace raft {

bool TraceEnabled() { return lab::log_any(); }

lab::Topic TraceTopic(std::string_view word) {
  struct Alias {
    std::string_view word;
    lab::Topic topic;
  };
  static constexpr Alias kAliases[] = {
      {"role", lab::Topic::leader},  {"elect", lab::Topic::vote},
      {"start", lab::Topic::log},    {"boot", lab::Topic::persist},
      {"snap", lab::Topic::snapshot}, {"apnd", lab::Topic::append},
  };
  for (const Alias& alias : kAliases) {
    if (alias.word == word) return alias.topic;
  }
  for (int k = 0; k < lab::kTopicCount; k++) {
    const auto topic = static_cast<lab::Topic>(k);
    if (lab::topic_name(topic) == word) return topic;
  }
  return lab::Topic::info;
}

}  // namespace raft
