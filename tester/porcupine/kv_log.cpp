// See kv_log.hpp.
#include "tester/porcupine/kv_log.hpp"

#include "tester/porcupine/adapters.hpp"
#include "tester/porcupine/jepsen_log.hpp"

#include <algorithm>
#include <stdexcept>

namespace porcupine {

namespace {

const char* OpName(int op) { return op == 0 ? "get" : op == 1 ? "put" : "append"; }

std::string Quoted(const std::string& s) {
  if (s.find_first_of("\"\n\r") != std::string::npos) {
    throw std::invalid_argument("WriteKvLog: cannot write \"" + s + "\" in the log format");
  }
  return "\"" + s + "\"";
}

}  // namespace

std::vector<KvOperation> ReadKvLog(std::istream& in, const std::string& source) {
  return ToKvHistory(ReadJepsenLog(in, source));
}

void WriteKvLog(std::ostream& out, const std::vector<KvOperation>& history) {
  struct Event {
    int64_t time;
    bool is_return;
    size_t op;
  };
  std::vector<Event> events;
  events.reserve(2 * history.size());
  for (size_t i = 0; i < history.size(); ++i) {
    events.push_back({history[i].Call, false, i});
    events.push_back({history[i].Return, true, i});
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.time != b.time ? a.time < b.time : !a.is_return && b.is_return;
  });
  for (const Event& e : events) {
    const KvOperation& o = history[e.op];
    const bool get = o.Input.Op == 0;
    std::string value = "nil";
    if (!get) value = Quoted(o.Input.Value);
    if (get && e.is_return) value = Quoted(o.Output.Value);
    out << "{:process " << o.ClientId << ", :type :" << (e.is_return ? "ok" : "invoke")
        << ", :f :" << OpName(o.Input.Op) << ", :key " << Quoted(o.Input.Key)
        << ", :value " << value << "}\n";
  }
}

}  // namespace porcupine
