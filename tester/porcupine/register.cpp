// See register.hpp.
#include "tester/porcupine/register.hpp"

#include "tester/porcupine/kv.hpp"

namespace porcupine {

std::vector<std::vector<size_t>> RegisterModel::partition(
    const std::vector<RegisterOperation>& history) const {
  return PartitionByKey(history);
}

std::string RegisterModel::describe_operation(const Input& in, const Output& out) const {
  const std::string key = in.Key.empty() ? "" : "'" + in.Key + "'";
  const std::string sep = in.Key.empty() ? "" : ", ";
  switch (in.op) {
    case RegisterInput::Read:
      return "read(" + key + ") -> " + (!out.known ? "?" : describe_state(out.value));
    case RegisterInput::Write:
      return "write(" + key + sep + std::to_string(in.value) + ")";
    case RegisterInput::Cas:
      return "cas(" + key + sep + std::to_string(in.value) + ", " + std::to_string(in.to) +
             ") -> " + (!out.known ? "?" : out.ok ? "ok" : "fail");
  }
  return "<invalid>";
}

std::string RegisterModel::describe_state(const State& s) const {
  return s ? std::to_string(*s) : "nil";
}

}  // namespace porcupine
