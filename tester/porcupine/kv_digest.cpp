// The key/value model over value digests (kv_digest.hpp).
#include "tester/porcupine/kv_digest.hpp"

namespace porcupine {

namespace {

constexpr uint64_t kPrime = (uint64_t{1} << 61) - 1;
// Any base in [256, kPrime) works; a fixed one keeps digests reproducible across runs.
constexpr uint64_t kBase = 0x1F3D5B79A2C4E687ULL % kPrime;

uint64_t mul_mod(uint64_t a, uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  // 2^61 = 1 (mod kPrime): fold the high bits onto the low ones, twice to be below 2^61.
  uint64_t folded = static_cast<uint64_t>(product & kPrime) + static_cast<uint64_t>(product >> 61);
  folded = (folded & kPrime) + (folded >> 61);
  return folded >= kPrime ? folded - kPrime : folded;
}

std::string quoted_tail(const ValueDigest& v) {
  if (v.length <= v.tail.size()) return "'" + v.tail + "'";
  return "'…" + v.tail + "' (" + std::to_string(v.length) + " chars)";
}

}  // namespace

ValueDigest ValueDigest::Then(std::string_view more) const {
  ValueDigest next;
  next.length = length + more.size();
  next.hash = hash;
  for (unsigned char c : more) {
    next.hash = mul_mod(next.hash, kBase) + c;
    if (next.hash >= kPrime) next.hash -= kPrime;
  }
  if (more.size() >= kTailLength) {
    next.tail.assign(more.substr(more.size() - kTailLength));
  } else {
    const size_t keep = std::min(tail.size(), kTailLength - more.size());
    next.tail.reserve(keep + more.size());
    next.tail.append(tail, tail.size() - keep, keep);
    next.tail.append(more);
  }
  return next;
}

KvDigestOperation Digest(const KvOperation& op) {
  return KvDigestOperation{op.ClientId, op.Input, op.Call, KvDigestOutput{ValueDigest::Of(op.Output.Value)},
                           op.Return};
}

std::vector<std::vector<size_t>> KvDigestModel::partition(
    const std::vector<KvDigestOperation>& history) const {
  return PartitionByKey(history);
}

std::pair<bool, KvDigestModel::State> KvDigestModel::step(const State& state,
                                                          const KvInput& input,
                                                          const KvDigestOutput& output) const {
  switch (input.Op) {
    case 0:  // get: legal iff it saw the value; the state is unchanged
      if (output.Value == state) return {true, state};
      return {false, State()};
    case 1:  // put
      return {true, ValueDigest::Of(input.Value)};
    case 2:  // append
      return {true, state.Then(input.Value)};
    default:
      return {false, State()};
  }
}

std::string KvDigestModel::describe_operation(const KvInput& input,
                                              const KvDigestOutput& output) const {
  return DescribeKvOperation(input, quoted_tail(output.Value));
}

std::string KvDigestModel::describe_state(const State& state) const { return quoted_tail(state); }

KvCheck CheckKvDigestsVerbose(const std::vector<KvDigestOperation>& history,
                              lab::Duration timeout) {
  CheckOutcome outcome = CheckOperationsVerbose(KvDigestModel{}, history, timeout);
  return KvCheck{outcome.result, std::move(outcome.info)};
}

void VisualizeKvDigests(const std::vector<KvDigestOperation>& history, const KvCheck& check,
                        const std::string& path) {
  VisualizeByKey(KvDigestModel{}, history, check, path);
}

}  // namespace porcupine
