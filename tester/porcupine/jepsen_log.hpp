// Reads Jepsen histories, one event per line, in either of the forms Jepsen writes:
//   an EDN map per line (a history.edn, or porcupine's key/value test data):
//     {:process 0, :type :invoke, :f :cas, :value [3 0]}
//     {:process 0, :type :ok, :f :cas, :value [3 0]}
//     {:process 3, :type :invoke, :f :append, :key "7", :value "x 3 0 y"}
//   or the lines of a Jepsen run's log (porcupine's etcd test data):
//     INFO  jepsen.util - 3	:invoke	:write	4
//     INFO  jepsen.util - 3	:info	:write	:timed-out
// An :invoke starts a process's operation; the process's next :ok, :fail or :info ends
// it (history.hpp says what each means). Time is the line number: the events of a Jepsen
// history are in time order, and only their order matters. An operation still open at
// the end, like an :info one, returns after the last line. Events of a process that is
// not a number (the :nemesis) and, in a log, lines of other loggers are skipped.
//
// Pure function; safe from any task.
#pragma once

#include "tester/porcupine/history.hpp"

#include <istream>
#include <string>

namespace porcupine {

// Throws BadHistory ("source:line: problem") for a line that is neither form, an event
// without :process, :type or :f, an unknown :type, a process that invokes twice, a
// completion without an invoke, or one whose :f or :key differs from its invoke's.
RecordedHistory ReadJepsenLog(std::istream& in, const std::string& source);

}  // namespace porcupine
