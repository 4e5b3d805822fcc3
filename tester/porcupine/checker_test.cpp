// Tests of the linearizability checker (checker.hpp) on the key/value model: hand-written
// legal and illegal histories, the tie rule, backtracking, a second model through the
// generic interface, the time budget, the stop flag, verbose info, and the parallel and
// sequential drivers.
#include "tester/porcupine/checker.hpp"
#include "tester/porcupine/kv.hpp"
#include "tester/porcupine/kv_generator.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace porcupine;
using namespace std::chrono_literals;

KvOperation get(int client, std::string key, std::string seen, int64_t call, int64_t ret) {
  return KvOperation{client, KvInput{0, std::move(key), ""}, call, KvOutput{std::move(seen)}, ret};
}
KvOperation put(int client, std::string key, std::string value, int64_t call, int64_t ret) {
  return KvOperation{client, KvInput{1, std::move(key), std::move(value)}, call, KvOutput{}, ret};
}
KvOperation append(int client, std::string key, std::string value, int64_t call, int64_t ret) {
  return KvOperation{client, KvInput{2, std::move(key), std::move(value)}, call, KvOutput{}, ret};
}

// n appends to `key`, all concurrent, then a Get that saw them in the reverse of the
// order the search tries first: every one of the n! orders is a distinct configuration,
// so the search cannot finish in any reasonable time.
std::vector<KvOperation> hopeless(const std::string& key, int n, int client_base = 0) {
  std::vector<KvOperation> h;
  std::string reversed;
  for (int i = 0; i < n; ++i) {
    const std::string v = "x" + std::to_string(i) + ";";
    h.push_back(append(client_base + i, key, v, 0, 1000));
    reversed = v + reversed;
  }
  h.push_back(get(client_base + n, key, reversed + "!", 2000, 2001));  // never legal
  return h;
}

// A register with get/put, as in porcupine's tests: a second model.
struct RegisterInput {
  bool is_get = false;
  int value = 0;
};
struct RegisterModel {
  using State = int;
  using Input = RegisterInput;
  using Output = int;
  State init() const { return 0; }
  std::pair<bool, State> step(const State& s, const Input& in, const Output& out) const {
    if (!in.is_get) return {true, in.value};
    return {out == s, s};
  }
  std::string describe_operation(const Input& in, const Output& out) const {
    return in.is_get ? "get() -> " + std::to_string(out) : "put(" + std::to_string(in.value) + ")";
  }
};
using RegisterOp = Operation<RegisterInput, int>;

// Registers named by Input.value / 100, checked independently: a custom partition.
struct ManyRegistersModel : RegisterModel {
  std::vector<std::vector<size_t>> partition(const std::vector<RegisterOp>& h) const {
    std::vector<std::vector<size_t>> groups(2);
    for (size_t i = 0; i < h.size(); ++i) groups[h[i].Input.value / 100 % 2].push_back(i);
    return groups;
  }
};

// A model whose step throws, to see errors come back to the caller.
struct ThrowingModel : RegisterModel {
  std::pair<bool, State> step(const State&, const Input&, const Output&) const {
    throw std::runtime_error("model exploded");
  }
};

}  // namespace

TEST_SUITE("porcupine") {
  TEST_CASE("CheckKv_sequentialHistoryLegal") {
    const std::vector<KvOperation> h = {
        put(0, "k", "a", 0, 10), append(0, "k", "b", 20, 30), get(1, "k", "ab", 40, 50)};
    CHECK(CheckKvOperations(h));
  }

  TEST_CASE("CheckKv_staleReadIllegal") {
    const std::vector<KvOperation> h = {
        put(0, "k", "a", 0, 10), put(0, "k", "b", 20, 30), get(1, "k", "a", 40, 50)};
    CHECK_FALSE(CheckKvOperations(h));
  }

  TEST_CASE("CheckKv_concurrentAppendsEitherOrder") {
    for (const std::string seen : {"xy", "yx"}) {
      const std::vector<KvOperation> h = {append(0, "k", "x", 0, 10), append(1, "k", "y", 0, 10),
                                          get(2, "k", seen, 20, 30)};
      CHECK_MESSAGE(CheckKvOperations(h), seen);
    }
    // Both appends returned before the get was called: it must see both.
    const std::vector<KvOperation> missing = {
        append(0, "k", "x", 0, 10), append(1, "k", "y", 0, 10), get(2, "k", "x", 20, 30)};
    CHECK_FALSE(CheckKvOperations(missing));
  }

  TEST_CASE("CheckKv_concurrentAppendsOrderCannotFlip") {
    // The appends overlap both gets, so either order is fine, but only one of them.
    const std::vector<KvOperation> h = {append(0, "k", "x", 0, 100), append(1, "k", "y", 0, 100),
                                        get(2, "k", "xy", 110, 120), get(3, "k", "yx", 130, 140)};
    CHECK_FALSE(CheckKvOperations(h));
  }

  TEST_CASE("CheckKv_getOverlappingPartitionedPut") {
    // A put stuck in a minority partition for a long time may take effect at any point
    // of its interval: a Get may see the old or the new value, but once one Get has seen
    // the new value a later Get may not see the old one.
    std::vector<KvOperation> h = {put(0, "k", "1", 0, 10), put(1, "k", "2", 20, 1000),
                                  get(2, "k", "1", 30, 40), get(2, "k", "2", 50, 60)};
    CHECK(CheckKvOperations(h));
    h.push_back(get(3, "k", "1", 70, 80));
    CHECK_FALSE(CheckKvOperations(h));
  }

  TEST_CASE("CheckKv_needsBacktracking") {
    // The search tries x first (called first), then y: "xy" does not match the Get, so it
    // must undo both and try y before x.
    const std::vector<KvOperation> h = {append(0, "k", "x", 0, 10), append(1, "k", "y", 1, 10),
                                        get(2, "k", "yx", 20, 30)};
    const CheckOutcome outcome = Check(KvModel{}, h, CheckOptions{});
    CHECK(outcome.result == CheckResult::Ok);
    CHECK(outcome.stats.steps > h.size());  // some steps were undone
  }

  TEST_CASE("CheckKv_tiesCallBeforeReturn") {
    // The Get is called at the instant the put returns: they count as concurrent (calls
    // sort before returns at equal times), so the Get may come first and see "".
    CHECK(CheckKvOperations({put(0, "k", "a", 0, 10), get(1, "k", "", 10, 20)}));
    CHECK_FALSE(CheckKvOperations({put(0, "k", "a", 0, 10), get(1, "k", "", 11, 20)}));
  }

  TEST_CASE("CheckKv_zeroDurationOperations") {
    const std::vector<KvOperation> ok = {put(0, "k", "1", 0, 100), get(1, "k", "1", 25, 75),
                                         get(2, "k", "", 30, 30), get(3, "k", "", 30, 30)};
    CHECK(CheckKvOperations(ok));
    const std::vector<KvOperation> bad = {put(0, "k", "2", 0, 100), get(1, "k", "2", 10, 10),
                                          get(2, "k", "2", 10, 10), get(3, "k", "", 40, 90)};
    CHECK_FALSE(CheckKvOperations(bad));
  }

  TEST_CASE("CheckKv_keysAreIndependent") {
    // Interleaved keys: each key's history is linearizable on its own.
    const std::vector<KvOperation> h = {put(0, "a", "1", 0, 10), put(1, "b", "2", 5, 15),
                                        get(2, "a", "1", 20, 30), get(3, "b", "2", 20, 30),
                                        get(2, "b", "", 40, 50)};
    CHECK_FALSE(CheckKvOperations(h));  // b was put before: "" is stale
    CHECK(CheckKvOperations(std::vector<KvOperation>(h.begin(), h.end() - 1)));
  }

  TEST_CASE("KvModel_describesOperationsAndStates") {
    const KvModel m;
    CHECK(m.describe_operation({0, "k", ""}, {"v"}) == "get('k') -> 'v'");
    CHECK(m.describe_operation({1, "k", "v"}, {}) == "put('k', 'v')");
    CHECK(m.describe_operation({2, "k", "v"}, {}) == "append('k', 'v')");
    CHECK(m.describe_operation({7, "k", "v"}, {}) == "<invalid>");
    CHECK(m.describe_state("ab") == "'ab'");
    CHECK_FALSE(m.step("", {7, "k", "v"}, {}).first);  // an unknown op is never legal
  }

  TEST_CASE("KvModel_partitionsInSortedKeyOrder") {
    const std::vector<KvOperation> h = {put(0, "b", "1", 0, 1), put(0, "a", "1", 2, 3),
                                        put(0, "c", "1", 4, 5), get(0, "a", "1", 6, 7)};
    const auto groups = KvModel{}.partition(h);
    REQUIRE(groups.size() == 3);
    CHECK(groups[0] == std::vector<size_t>{1, 3});
    CHECK(groups[1] == std::vector<size_t>{0});
    CHECK(groups[2] == std::vector<size_t>{2});
  }

  TEST_CASE("CheckRegister_quizExamples") {
    // 6.824 2017 quiz 2, section VII, through the generic interface.
    const std::vector<RegisterOp> ok = {
        {0, {false, 100}, 0, 0, 100}, {1, {true, 0}, 25, 100, 75}, {2, {true, 0}, 30, 0, 60}};
    CHECK(CheckOperations(RegisterModel{}, ok));
    const std::vector<RegisterOp> bad = {
        {0, {false, 200}, 0, 0, 100}, {1, {true, 0}, 10, 200, 30}, {2, {true, 0}, 40, 0, 90}};
    CHECK_FALSE(CheckOperations(RegisterModel{}, bad));
  }

  TEST_CASE("CheckRegister_customPartition") {
    // Two registers (values 1xx and 2xx); each is linearizable alone, together not.
    const std::vector<RegisterOp> h = {{0, {false, 100}, 0, 0, 10},
                                       {1, {false, 201}, 20, 0, 30},
                                       {2, {true, 100}, 40, 100, 50},
                                       {3, {true, 200}, 40, 201, 50}};
    CHECK_FALSE(CheckOperations(RegisterModel{}, h));
    const CheckOutcome split = CheckOperationsVerbose(ManyRegistersModel{}, h, 0s);
    CHECK(split.result == CheckResult::Ok);
    REQUIRE(split.info);
    CHECK(split.info->partitions.size() == 2);
  }

  TEST_CASE("Check_returnBeforeCallIsRejected") {
    CHECK_THROWS_AS(CheckKvOperations({put(0, "k", "a", 10, 5)}), std::invalid_argument);
  }

  TEST_CASE("Check_emptyHistoryIsLinearizable") {
    CHECK(CheckKvOperations({}));
    const KvCheck check = CheckKvOperationsVerbose({}, 1s);
    CHECK(check.result == CheckResult::Ok);
    REQUIRE(check.info);
    CHECK(check.info->partitions.empty());
  }

  TEST_CASE("Check_modelErrorReachesCaller") {
    lab::World world("porcupine-throw");
    std::vector<RegisterOp> h;
    for (int i = 0; i < 300; ++i) h.push_back({i, {false, i}, 2 * i, 0, 2 * i + 1});
    CheckOptions options;
    options.workers = 2;
    CHECK_THROWS_WITH(Check(ThrowingModel{}, h, options), "model exploded");
    CHECK_FALSE(world.failed());  // reported to the caller, not as a task failure
  }

  TEST_CASE("CheckTimeout_hardHistoryIsUnknown") {
    const std::vector<KvOperation> h = hopeless("k", 12);
    const lab::TimePoint start = lab::now();
    CHECK(CheckKvOperationsTimeout(h, 100ms) == CheckResult::Unknown);
    CHECK(lab::seconds_since(start) < 5.0);
    const KvCheck verbose = CheckKvOperationsVerbose(h, 100ms);
    CHECK(verbose.result == CheckResult::Unknown);
    REQUIRE(verbose.info);
    CHECK(verbose.info->partitions.at(0).result == CheckResult::Unknown);
  }

  TEST_CASE("CheckTimeout_illegalPartitionBeatsTimeout") {
    lab::World world("porcupine-timeout");
    std::vector<KvOperation> h = hopeless("a", 12);
    h.push_back(put(20, "b", "1", 0, 10));
    h.push_back(get(21, "b", "2", 20, 30));  // key b: plainly illegal
    // Verbose: the Illegal partition does not stop the hopeless one; the deadline does.
    const KvCheck verbose = CheckKvOperationsVerbose(h, 200ms);
    CHECK(verbose.result == CheckResult::Illegal);
    REQUIRE(verbose.info);
    REQUIRE(verbose.info->partitions.size() == 2);
    CHECK(verbose.info->partitions[0].result == CheckResult::Unknown);
    CHECK(verbose.info->partitions[1].result == CheckResult::Illegal);
    // Not verbose and no deadline to speak of: the Illegal partition stops the other.
    for (int workers : {1, 2}) {
      CheckOptions options;
      options.timeout = 60s;
      options.workers = workers;
      const lab::TimePoint start = lab::now();
      CHECK(Check(KvModel{}, h, options).result == CheckResult::Illegal);
      CHECK_MESSAGE(lab::seconds_since(start) < 20.0, "workers ", workers);
    }
  }

  TEST_CASE("CheckVerbose_illegalHistoryInfo") {
    const std::vector<KvOperation> h = {put(0, "k", "1", 0, 10), get(1, "k", "1", 20, 30),
                                        get(2, "k", "2", 40, 50)};
    const KvCheck check = CheckKvOperationsVerbose(h, 1s);
    CHECK(check.result == CheckResult::Illegal);
    REQUIRE(check.info);
    REQUIRE(check.info->partitions.size() == 1);
    const PartitionInfo& p = check.info->partitions[0];
    CHECK(p.ops == std::vector<size_t>{0, 1, 2});
    CHECK(p.result == CheckResult::Illegal);
    // The longest prefix: put then the first get; the second get is in none.
    REQUIRE(p.partials.size() == 1);
    CHECK(p.partials[0] == std::vector<int32_t>{0, 1});
    CHECK(p.longest == std::vector<int32_t>{0, 0, -1});
  }

  TEST_CASE("CheckVerbose_deadEndsKeepTheLongestPrefix") {
    // append x, get x, put p is as far as any order goes: "px" would need p before x, but
    // the first get saw "x" alone.
    const std::vector<KvOperation> h = {append(0, "k", "x", 0, 100), put(1, "k", "p", 0, 100),
                                        get(2, "k", "x", 10, 20), get(3, "k", "px", 30, 40),
                                        get(4, "k", "z", 50, 60)};
    const KvCheck check = CheckKvOperationsVerbose(h, 1s);
    CHECK(check.result == CheckResult::Illegal);
    const PartitionInfo& p = check.info->partitions.at(0);
    REQUIRE(p.partials.size() == 1);
    CHECK(p.partials[0] == std::vector<int32_t>{0, 2, 1});
    CHECK(p.longest == std::vector<int32_t>{0, 0, 0, -1, -1});
  }

  TEST_CASE("CheckVerbose_partialsLongestFirst") {
    KvHistoryShape shape;
    shape.clients = 10;
    shape.illegal = true;
    const std::vector<KvOperation> h = GenerateKvHistory(shape);
    const KvCheck check = CheckKvOperationsVerbose(h, 10s);
    CHECK(check.result == CheckResult::Illegal);
    REQUIRE(check.info);
    size_t illegal = 0;
    for (const PartitionInfo& p : check.info->partitions) {
      if (p.result == CheckResult::Illegal) ++illegal;
      for (size_t i = 1; i < p.partials.size(); ++i) {
        CHECK(p.partials[i - 1].size() >= p.partials[i].size());
      }
      REQUIRE(p.longest.size() == p.ops.size());
      for (size_t op = 0; op < p.longest.size(); ++op) {
        if (p.longest[op] < 0) continue;
        const auto& seq = p.partials.at(p.longest[op]);
        CHECK(std::find(seq.begin(), seq.end(), static_cast<int32_t>(op)) != seq.end());
        // No longer partial contains it.
        for (int32_t k = 0; k < p.longest[op]; ++k) {
          const auto& longer = p.partials[k];
          if (longer.size() > seq.size()) {
            CHECK(std::find(longer.begin(), longer.end(), static_cast<int32_t>(op)) == longer.end());
          }
        }
      }
    }
    CHECK(illegal == 1);  // the generator breaks one Get
  }

  TEST_CASE("LongestPrefixes_keepsEachOpsLongestAndSortsThem") {
    detail::LongestPrefixes longest(4);
    longest.push(2);
    longest.record();  // [2]
    longest.pop();
    longest.push(0);
    longest.push(1);
    longest.record();  // [0 1]: longer, for 0 and 1 only
    longest.pop();
    longest.push(3);
    longest.record();  // [0 3]: no longer for 0; 3's first
    longest.push(2);
    longest.record();  // [0 3 2]: the longest for all three
    detail::PartitionResult result;
    longest.take(result);
    REQUIRE(result.partials.size() == 2);  // [0 1] is still 1's longest; [2] is no one's
    CHECK(result.partials[0] == std::vector<int32_t>{0, 3, 2});
    CHECK(result.partials[1] == std::vector<int32_t>{0, 1});
    CHECK(result.longest == std::vector<int32_t>{0, 1, 0, 0});
  }

  TEST_CASE("CheckVerbose_legalHistoryHasCompleteLinearization") {
    const std::vector<KvOperation> h = {append(0, "k", "x", 0, 10), append(1, "k", "y", 1, 10),
                                        get(2, "k", "yx", 20, 30), put(3, "j", "1", 0, 5)};
    const KvCheck check = CheckKvOperationsVerbose(h, 1s);
    CHECK(check.result == CheckResult::Ok);
    REQUIRE(check.info);
    REQUIRE(check.info->partitions.size() == 2);  // "j" then "k"
    const PartitionInfo& k = check.info->partitions[1];
    REQUIRE(k.partials.size() == 1);
    CHECK(k.partials[0] == std::vector<int32_t>{1, 0, 2});
    CHECK(k.longest == std::vector<int32_t>{0, 0, 0});
  }
}
