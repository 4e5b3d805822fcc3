// Reads the EDN values Jepsen writes (extensible data notation, Clojure's literals): nil,
// true, false, whole numbers, strings, :keywords, symbols, [vectors], (lists), #{sets} and
// {maps}, with commas as spaces. Enough to read one history event per line,
//   {:process 0, :type :invoke, :f :cas, :value [3 0], :time 12345}
// and the value of a Jepsen log line (`[3 0]`, `nil`, `:timed-out`). Vectors, lists and
// sets become Datum lists; a map inside a value becomes the list of its keys and values;
// a number with a fraction or an exponent and a symbol become strings; a tag (#inst) is
// skipped and its value kept.
//
// Pure functions; safe from any task.
#pragma once

#include "tester/porcupine/history.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace porcupine {

// A map whose keys are keywords, in file order.
struct EdnMap {
  std::vector<std::pair<std::string, Datum>> entries;  // keyword without its colon
  const Datum* find(std::string_view keyword) const;
};

// The value that starts at text[pos] (after spaces), with pos moved past it. Throws
// std::invalid_argument saying what is wrong and where in `text` (column, from 1).
Datum ParseEdnValue(std::string_view text, size_t& pos);

// `text` as one map with keyword keys and nothing after it. Throws
// std::invalid_argument as above.
EdnMap ParseEdnMap(std::string_view text);

}  // namespace porcupine
