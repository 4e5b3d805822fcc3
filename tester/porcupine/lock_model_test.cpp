// The worked example of docs/linearizability.md ("For instructors: your own model"): a
// lock service's model, written as an instructor would, checked through the generic
// interface. The model below is the doc's, word for word; keep them the same.
#include "tester/porcupine/checker.hpp"
#include "tester/porcupine/kv.hpp"  // PartitionByKey
#include "tester/porcupine/visualize.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

struct LockInput {
  bool acquire = true;  // false: release
  int client = 0;
  std::string Key;      // the lock's name: locks are independent, one partition each
};
struct LockOutput {
  bool ok = true;       // what Acquire returned
};
using LockOperation = porcupine::Operation<LockInput, LockOutput>;

struct LockModel {
  using State = int;  // who holds the lock, -1 nobody
  using Input = LockInput;
  using Output = LockOutput;
  State init() const { return -1; }
  std::pair<bool, State> step(State holder, const Input& in, const Output& out) const {
    if (!in.acquire) return {holder == in.client, -1};        // only the holder releases
    if (out.ok) return {holder == -1, in.client};             // got it: it was free
    return {holder != -1, holder};                            // refused: somebody held it
  }
  uint64_t hash(State s) const { return static_cast<uint64_t>(s + 2); }
  std::string describe_operation(const Input& in, const Output& out) const {
    return (in.acquire ? "acquire('" : "release('") + in.Key + "')" +
           (in.acquire ? (out.ok ? " -> true" : " -> false") : "");
  }
  std::string describe_state(State s) const { return s < 0 ? "free" : "held by " + std::to_string(s); }
  std::vector<std::vector<size_t>> partition(const std::vector<LockOperation>& h) const {
    return porcupine::PartitionByKey(h);
  }
};

LockOperation acquire(int client, std::string lock, bool ok, int64_t call, int64_t ret) {
  return LockOperation{client, LockInput{true, client, std::move(lock)}, call, LockOutput{ok}, ret};
}
LockOperation release(int client, std::string lock, int64_t call, int64_t ret) {
  return LockOperation{client, LockInput{false, client, std::move(lock)}, call, LockOutput{}, ret};
}

}  // namespace

TEST_SUITE("porcupine") {
  TEST_CASE("LockModel_theDocsWorkedExample") {
    // Client 0 holds "a" while 1 is refused; then 1 gets it. "b" is independent.
    const std::vector<LockOperation> ok = {
        acquire(0, "a", true, 0, 10),  acquire(1, "a", false, 5, 15), release(0, "a", 20, 30),
        acquire(1, "a", true, 25, 40), acquire(2, "b", true, 1, 2),
    };
    const porcupine::CheckOutcome outcome =
        porcupine::CheckOperationsVerbose(LockModel{}, ok, std::chrono::seconds(1));
    CHECK(outcome.result == porcupine::CheckResult::Ok);
    CHECK(outcome.partitions.size() == 2);
    // The lock granted twice, one grant after the other with no release between.
    CHECK_FALSE(porcupine::CheckOperations(
        LockModel{}, std::vector<LockOperation>{acquire(0, "a", true, 0, 10), acquire(1, "a", true, 20, 30)}));
    // A release by a client that did not hold the lock.
    CHECK_FALSE(porcupine::CheckOperations(
        LockModel{}, std::vector<LockOperation>{acquire(0, "a", true, 0, 10), release(1, "a", 20, 30)}));
    // Refused while free: illegal too.
    CHECK_FALSE(porcupine::CheckOperations(LockModel{}, std::vector<LockOperation>{acquire(0, "a", false, 0, 10)}));
  }
}
