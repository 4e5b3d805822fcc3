// Optional debug output for Raft: one line per event on stderr, off unless the
// environment variable VERBOSE is set to a non-zero value (read once per process).
//
//   Trace(me, "vote", "granted to ", candidate, " in term ", term);
// prints
//   0.412 S1 vote   granted to 2 in term 3
// (seconds since the first trace line, peer, topic, message), so a run can be sorted
// and filtered by topic. Costs one branch when off.
//
// Callable from any task; each line is written with a single call, so lines from
// different peers do not interleave.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace raft {

bool TraceEnabled();
void TraceLine(int me, std::string_view topic, const std::string& message);

template <class... Parts>
void Trace(int me, std::string_view topic, const Parts&... parts) {
  if (!TraceEnabled()) return;
  std::ostringstream out;
  (out << ... << parts);
  TraceLine(me, topic, out.str());
}

}  // namespace raft
