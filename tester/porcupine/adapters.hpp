// Gives a recorded history (history.hpp), read from any format, the types of a model:
// the step between the readers and the checker. For each model:
//
//   kv (KvModel, kv.hpp), kv-digest (KvDigestModel): :f get, put or append, with a
//     :key; put and append take a string (or a number, as its digits), a get returns
//     one (nil: ""). A :fail operation did not happen and is left out; so is a get that
//     never returned, which constrains nothing; a put or append that never returned may
//     take effect at any instant after its call, or never.
//   register, cas (RegisterModel, register.hpp): :f read (returns a whole number or
//     nil), write (takes a whole number) and, for cas only, cas (takes [from to]). A
//     failed read or write is left out; a failed cas is one whose compare did not match
//     (Jepsen's etcd and porcupine read :fail :cas so): it changed nothing, and the
//     register did not hold `from` when it ran. In JSON a cas may say so with "output":
//     false instead. A read that never returned, or :info, is left out (it saw nothing
//     known); a write or cas has an unknown output.
//
// Throws BadHistory naming the operation's file:line when the model has no meaning for
// it (another :f, a value of the wrong kind). Pure functions; safe from any task.
#pragma once

#include "tester/porcupine/history.hpp"
#include "tester/porcupine/kv.hpp"
#include "tester/porcupine/register.hpp"

#include <vector>

namespace porcupine {

std::vector<KvOperation> ToKvHistory(const RecordedHistory& history);

// `with_cas`: the cas model (read, write, cas), else the register (read, write).
std::vector<RegisterOperation> ToRegisterHistory(const RecordedHistory& history, bool with_cas);

// The way back, to write a register history out (json_history.hpp): an operation with an
// unknown output becomes an :info one, a cas that did not swap a :fail one. `where` is
// left empty.
RecordedHistory FromRegisterHistory(const std::vector<RegisterOperation>& history);

}  // namespace porcupine
