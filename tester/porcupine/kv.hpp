// The key/value face of the linearizability checker (porcupine's KvModel), as the kvraft
// tester uses it: record a history of Get/Put/Append operations, check it, and draw a
// picture of it when it is not linearizable. The generic checker (models, search,
// partitions, timeout) lives beside this file.
//
// Pure computation on a finished history: call it after the clients have stopped.
#pragma once

#include "labrpc/runtime.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace porcupine {

enum class CheckResult { Ok, Illegal, Unknown };

// Input of one operation: Op 0 = get, 1 = put, 2 = append (porcupine's encoding).
struct KvInput {
  int Op = 0;
  std::string Key;
  std::string Value;
};
// Output: what a get returned (empty for put and append).
struct KvOutput {
  std::string Value;
};
// One completed operation: its client (0-based, used only for drawing), what it did,
// and when it was called and returned (ns on the runtime's clock, same origin for all).
struct KvOperation {
  int ClientId = 0;
  KvInput Input;
  int64_t Call = 0;
  KvOutput Output;
  int64_t Return = 0;
};

// What the verbose check found: the longest linearizable prefixes, per partition, for the
// picture. Opaque to callers.
struct LinearizationInfo;

struct KvCheck {
  CheckResult result = CheckResult::Unknown;
  std::shared_ptr<LinearizationInfo> info;
};

// Checks `history` against the key/value model, partitioned by key, in verbose mode.
// timeout <= 0 means no limit; past it the answer is Unknown unless some partition was
// already proved Illegal.
KvCheck CheckKvOperationsVerbose(const std::vector<KvOperation>& history, lab::Duration timeout);

// Writes a self-contained HTML picture of `history` and `check` to `path`. Throws
// std::runtime_error naming the path when it cannot be written.
void VisualizeKv(const std::vector<KvOperation>& history, const KvCheck& check,
                 const std::string& path);

}  // namespace porcupine
