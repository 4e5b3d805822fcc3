// See jepsen_log.hpp.
#include "tester/porcupine/jepsen_log.hpp"

#include "tester/porcupine/edn.hpp"

#include <map>
#include <optional>
#include <regex>

namespace porcupine {

namespace {

struct Event {
  Datum process;
  std::string type;
  std::string f;
  std::optional<std::string> key;
  Datum value;
};

// A keyword's or a string's text; a number's digits; nullopt for anything else.
std::optional<std::string> name_of(const Datum& d) {
  switch (d.kind) {
    case Datum::Kind::Keyword:
    case Datum::Kind::String:
      return d.text;
    case Datum::Kind::Int:
      return std::to_string(d.number);
    default:
      return std::nullopt;
  }
}

Event from_map(const EdnMap& m) {
  Event e;
  const Datum* process = m.find("process");
  const Datum* type = m.find("type");
  const Datum* f = m.find("f");
  if (process == nullptr) throw std::invalid_argument("the event has no :process");
  if (type == nullptr || type->kind != Datum::Kind::Keyword) {
    throw std::invalid_argument("the event has no :type keyword");
  }
  if (f == nullptr || !name_of(*f)) throw std::invalid_argument("the event has no :f");
  e.process = *process;
  e.type = type->text;
  e.f = *name_of(*f);
  if (const Datum* key = m.find("key")) {
    if (!name_of(*key)) throw std::invalid_argument("the :key " + key->str() + " is not a name");
    e.key = name_of(*key);
  }
  if (const Datum* value = m.find("value")) e.value = *value;
  return e;
}

// "3 :invoke :cas [3 0]", the part of a log line after "jepsen.util - ".
Event from_log(std::string_view rest) {
  Event e;
  size_t pos = 0;
  e.process = ParseEdnValue(rest, pos);
  const Datum type = ParseEdnValue(rest, pos);
  const Datum f = ParseEdnValue(rest, pos);
  if (type.kind != Datum::Kind::Keyword) throw std::invalid_argument("expected a :type after the process");
  if (!name_of(f)) throw std::invalid_argument("expected an :f after the type");
  e.type = type.text;
  e.f = *name_of(f);
  e.value = ParseEdnValue(rest, pos);
  return e;
}

std::string describe(const Event& e) {
  return e.key ? ":f :" + e.f + " on :key " + *e.key : ":f :" + e.f;
}

}  // namespace

RecordedHistory ReadJepsenLog(std::istream& in, const std::string& source) {
  static const std::regex kLogLine(R"re(^(TRACE|DEBUG|INFO|WARN|ERROR)\s+(\S+)\s+-\s+(.*)$)re");
  RecordedHistory history;
  std::map<int64_t, size_t> open;  // process -> its operation
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = source + ":" + std::to_string(number);
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == ';') continue;
    Event e;
    try {
      if (line[first] == '{') {
        e = from_map(ParseEdnMap(line));
      } else {
        std::smatch m;
        if (!std::regex_match(line, m, kLogLine)) {
          throw std::invalid_argument("neither an EDN map nor a Jepsen log line");
        }
        if (m[2] != "jepsen.util") continue;  // the run's other logging
        e = from_log(m[3].str());
      }
    } catch (const std::invalid_argument& error) {
      throw BadHistory(where + ": not an event: " + error.what() + ": " + line);
    }
    if (e.process.kind != Datum::Kind::Int) continue;  // the nemesis, not a client
    const int64_t process = e.process.number;
    const std::string who = "process " + std::to_string(process);
    if (e.type == "invoke") {
      if (const auto it = open.find(process); it != open.end()) {
        throw BadHistory(where + ": " + who + " invokes again, but its operation from " +
                         history.ops[it->second].where + " has not completed");
      }
      RecordedOp op;
      op.client = static_cast<int>(process);
      op.f = e.f;
      op.key = e.key.value_or("");
      op.input = e.value;
      op.call = number;
      op.where = where;
      open[process] = history.ops.size();
      history.ops.push_back(std::move(op));
      continue;
    }
    if (e.type != "ok" && e.type != "fail" && e.type != "info") {
      throw BadHistory(where + ": unknown :type :" + e.type + " (expected :invoke, :ok, :fail or :info)");
    }
    const auto it = open.find(process);
    if (it == open.end()) {
      throw BadHistory(where + ": " + who + " completes (:" + e.type + ") without an invoke");
    }
    RecordedOp& op = history.ops[it->second];
    if (op.f != e.f || op.key != e.key.value_or("")) {
      throw BadHistory(where + ": " + who + " completes " + describe(e) + " but invoked " +
                       describe(Event{{}, {}, op.f, op.key.empty() ? std::nullopt
                                                                   : std::optional(op.key), {}}) +
                       " at " + op.where);
    }
    open.erase(it);
    if (e.type == "info") continue;  // may or may not have happened: returns at the end
    op.completion = e.type == "ok" ? Completion::Ok : Completion::Fail;
    op.output = e.value;
    op.ret = number;
  }
  for (RecordedOp& op : history.ops) {
    if (op.completion == Completion::Info) op.ret = number + 1;
  }
  return history;
}

}  // namespace porcupine
