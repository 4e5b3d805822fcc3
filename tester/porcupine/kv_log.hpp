// Reads key/value histories in the Jepsen-style log format of porcupine's own test data
// (test_data/kv/*.txt): one event per line,
//   {:process 3, :type :invoke, :f :append, :key "7", :value "x 3 0 y"}
//   {:process 3, :type :ok, :f :append, :key "7", :value "x 3 0 y"}
//   {:process 5, :type :invoke, :f :get, :key "2", :value nil}
//   {:process 5, :type :ok, :f :get, :key "2", :value "x 1 0 yx 4 2 y"}
// An invoke starts a process's operation; that process's next completion ends it. Time
// is the line number. Read with ReadJepsenLog and given the kv model's types
// (adapters.hpp): a :fail operation is left out, an :info one or one still open at the
// end may take effect at any instant after its call (a get then is left out). For the
// checker's benchmark, to check histories recorded elsewhere (the files themselves are
// porcupine's and are not part of this repository), and to write ours out in the same
// form for other tools.
//
// Pure function; safe from any task.
#pragma once

#include "tester/porcupine/kv.hpp"

#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace porcupine {

// The operations in call order. Throws BadHistory (a std::runtime_error) naming `source`
// and the line for a line it cannot read, a completion without an open invoke or whose
// function or key differs from its invoke's, or an operation the kv model cannot take.
std::vector<KvOperation> ReadKvLog(std::istream& in, const std::string& source);

// Writes `history` in the same format: its calls and returns in time order (a call before
// a return at the same instant), the client as the process. Throws std::invalid_argument
// for a key or value the format cannot hold (a '"' or a line break).
void WriteKvLog(std::ostream& out, const std::vector<KvOperation>& history);

}  // namespace porcupine
