// Reads histories in lincheck's JSON format: one object per operation, with its client,
// function, input, output, and call and return times on any one clock.
//
//   {"model": "cas",
//    "operations": [
//      {"client": 0, "f": "write", "input": 3, "call": 0, "return": 10},
//      {"client": 1, "f": "read", "output": 3, "call": 5, "return": 12},
//      {"client": 2, "f": "cas", "input": [3, 4], "call": 6, "return": 20},
//      {"client": 2, "f": "cas", "input": [7, 1], "status": "fail", "call": 21, "return": 25},
//      {"client": 3, "f": "write", "input": 5, "call": 7},
//      {"client": 0, "f": "put", "key": "k", "input": "x", "call": 11, "return": 15}]}
//
// Per operation: "client" (whole number), "f" (string) and "call" (whole number) are
// required; "key" (string or number) partitions the history; "input" and "output" are
// null (the default), whole numbers, strings, booleans or arrays of them; "return" is a
// whole number not before "call", or absent (or null) for an operation that never
// returned; "status" is "ok" (the default), "fail" (it did not take effect) or "info"
// (it may or may not have: checked like one that never returned). history.hpp says what
// they mean for the check. "model" (optional) names the model the file is for: kv,
// kv-digest, register or cas. The whole file may also be just the array of operations.
// Any other field is an error, so that a misspelt one is not silently ignored.
//
// Pure functions; safe from any task.
#pragma once

#include "tester/porcupine/history.hpp"

#include <istream>
#include <ostream>
#include <string>

namespace porcupine {

struct JsonHistory {
  std::string model;  // empty when the file does not say
  RecordedHistory history;
};

// Throws BadHistory ("source:line: problem", the line where the bad value starts).
JsonHistory ReadJsonHistory(std::istream& in, const std::string& source);

// Writes `history` in the same format, one operation per line (Info ones without a
// return), "model" first when not empty.
void WriteJsonHistory(std::ostream& out, const RecordedHistory& history, const std::string& model);

}  // namespace porcupine
