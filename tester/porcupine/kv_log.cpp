// See kv_log.hpp.
#include "tester/porcupine/kv_log.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <stdexcept>

namespace porcupine {

namespace {

int OpCode(const std::string& f) { return f == "get" ? 0 : f == "put" ? 1 : 2; }

const char* OpName(int op) { return op == 0 ? "get" : op == 1 ? "put" : "append"; }

std::string Quoted(const std::string& s) {
  if (s.find_first_of("\"\n\r") != std::string::npos) {
    throw std::invalid_argument("WriteKvLog: cannot write \"" + s + "\" in the log format");
  }
  return "\"" + s + "\"";
}

}  // namespace

std::vector<KvOperation> ReadKvLog(std::istream& in, const std::string& source) {
  static const std::regex kEvent(
      R"re(^\{:process (\d+), :type :(invoke|ok), :f :(get|put|append), )re"
      R"re(:key "([^"]*)", :value (nil|"([^"]*)")\}\s*$)re");
  std::vector<KvOperation> history;
  std::map<int, size_t> open;  // process -> its operation in history
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    std::smatch m;
    const auto where = [&] { return source + ":" + std::to_string(number) + ": "; };
    if (!std::regex_match(line, m, kEvent)) {
      throw std::runtime_error(where() + "not an event: " + line);
    }
    const int process = std::stoi(m[1]);
    const int op = OpCode(m[3]);
    const std::string value = m[6];
    if (m[2] == "invoke") {
      if (open.count(process) != 0) {
        throw std::runtime_error(where() + "process " + m[1].str() + " invokes twice");
      }
      KvOperation o;
      o.ClientId = process;
      o.Input.Op = op;
      o.Input.Key = m[4];
      if (op != 0) o.Input.Value = value;
      o.Call = number;
      open[process] = history.size();
      history.push_back(std::move(o));
      continue;
    }
    const auto it = open.find(process);
    if (it == open.end()) {
      throw std::runtime_error(where() + "process " + m[1].str() + " returns without an invoke");
    }
    KvOperation& o = history[it->second];
    if (o.Input.Op != op || o.Input.Key != m[4].str()) {
      throw std::runtime_error(where() + "process " + m[1].str() + " returns another operation");
    }
    if (op == 0) o.Output.Value = value;
    o.Return = number;
    open.erase(it);
  }
  for (const auto& [process, index] : open) history[index].Return = number + 1;
  return history;
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
