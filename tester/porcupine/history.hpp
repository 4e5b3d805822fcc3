// A history as a file records it, before a model gives it types: what every reader
// (jepsen_log.hpp, json_history.hpp) produces and every model's adapter (adapters.hpp)
// takes. Keeping the two apart lets any format feed any model.
//
// Completions follow Jepsen's three kinds:
//   ok    the operation happened, between its call and its return, and `output` is what
//         it returned;
//   fail  it did not take effect (a read or write that failed is left out of the check;
//         a compare-and-set that failed is one whose compare did not match, see
//         adapters.hpp);
//   info  it may or may not have taken effect, at any instant after its call: like an
//         operation that never returned, it is checked as returning after every other
//         event, with an unknown output (porcupine does the same).
//
// Pure data; safe from any task.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace porcupine {

// A value in a recorded history: nil, a whole number, a string, a keyword (EDN's :name,
// kept without the colon), a boolean or a list.
struct Datum {
  enum class Kind { Nil, Int, String, Keyword, Bool, List };
  Kind kind = Kind::Nil;
  int64_t number = 0;  // Int; Bool: 0 or 1
  std::string text;    // String, Keyword
  std::vector<Datum> items;  // List

  static Datum Nil() { return {}; }
  static Datum Int(int64_t n) { return Datum{Kind::Int, n, {}, {}}; }
  static Datum String(std::string s) { return Datum{Kind::String, 0, std::move(s), {}}; }
  static Datum Keyword(std::string s) { return Datum{Kind::Keyword, 0, std::move(s), {}}; }
  static Datum Bool(bool b) { return Datum{Kind::Bool, b ? 1 : 0, {}, {}}; }
  static Datum List(std::vector<Datum> items) { return Datum{Kind::List, 0, {}, std::move(items)}; }

  bool is_nil() const { return kind == Kind::Nil; }
  // As EDN writes it: nil, 3, "x", :timed-out, true, [1 2].
  std::string str() const;
};

enum class Completion { Ok, Fail, Info };

struct RecordedOp {
  int client = 0;
  std::string f;       // the function: read, write, cas, get, put, append...
  std::string key;     // empty when the history has no keys
  Datum input;         // the invocation's argument
  Datum output;        // what the completion said (nil when it did not return)
  Completion completion = Completion::Info;
  int64_t call = 0;
  int64_t ret = 0;     // for Info: after every event of the history
  std::string where;   // "file:line" of the call, for errors
};

// The operations in call order.
struct RecordedHistory {
  std::vector<RecordedOp> ops;
};

// A file that is not what its format says: the message starts with "file:line: ".
class BadHistory : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace porcupine
