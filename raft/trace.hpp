// Raft's debug output: a thin layer over the runtime's topic logger (labrpc/log.hpp), so
// Raft's lines carry a time, a topic and the peer like every other log line.
//
//   Trace(me, "vote", "for ", candidate, " in term ", term);
//   Trace(me, lab::Topic::commit, "through ", index);
// prints (with LAB_LOG=all, LAB_LOG=vote,... or VERBOSE=1)
//      412.3 vote     S1 for 2 in term 3
// Topic words map onto the logger's topics: the logger's own names ("vote", "leader",
// "commit", "snapshot", ...) as they are, plus Raft's older words role → leader,
// elect → vote, start → log, boot → persist, snap → snapshot; anything else is "info".
// Costs one branch when logging is off.
//
// Callable from any task; see labrpc/log.hpp for the threading rule.
#pragma once

#include "labrpc/log.hpp"

#include <string_view>

namespace raft {

// True when any log topic is on.
bool TraceEnabled();
// The logger's topic for a topic word (see above).
lab::Topic TraceTopic(std::string_view word);

template <class... Parts>
void Trace(int me, lab::Topic topic, const Parts&... parts) {
  lab::log(topic, me, parts...);
}

template <class... Parts>
void Trace(int me, std::string_view topic, const Parts&... parts) {
  if (!lab::log_any()) [[likely]] return;
  lab::log(TraceTopic(topic), me, parts...);
}

}  // namespace raft
