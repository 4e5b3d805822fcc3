// Tests on generated key/value histories (kv_generator.hpp) and of the picture
// (visualize.hpp): large legal and illegal histories, the parallel and sequential drivers
// agreeing, and the HTML file.
#include "tester/porcupine/kv.hpp"
#include "tester/porcupine/kv_digest.hpp"
#include "tester/porcupine/kv_generator.hpp"
#include "tester/porcupine/visualize.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace porcupine;
using namespace std::chrono_literals;

std::vector<KvOperation> generated(int clients, bool illegal, uint64_t seed = 1) {
  KvHistoryShape shape;
  shape.clients = clients;
  shape.illegal = illegal;
  shape.seed = seed;
  return GenerateKvHistory(shape);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// How `s` appears inside the page's JSON (the page escapes <, > and &).
std::string in_json(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// A directory of its own under the system's temporary directory, removed at the end.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("porcupine-test-" + std::to_string(getpid()) + "-" +
            std::to_string(lab::Rng::derived("porcupine-tempdir").next() % 1000000));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_SUITE("porcupine") {
  TEST_CASE("GenerateKvHistory_shapeAndDeterminism") {
    const std::vector<KvOperation> a = generated(10, false, 7);
    const std::vector<KvOperation> b = generated(10, false, 7);
    const std::vector<KvOperation> c = generated(10, false, 8);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].Call == b[i].Call);
      CHECK(a[i].Output.Value == b[i].Output.Value);
    }
    CHECK((a.size() != c.size() || a[0].Call != c[0].Call));
    // porcupine's 10-client data has ~340 operations, its 50-client data ~1,700.
    CHECK(a.size() > 250);
    CHECK(a.size() < 450);
    const std::vector<KvOperation> fifty = generated(50, false);
    CHECK(fifty.size() > 1200);
    CHECK(fifty.size() < 2200);
    for (const KvOperation& op : a) CHECK(op.Call <= op.Return);
  }

  TEST_CASE("GenerateKvHistory_illegalDiffersInOneGet") {
    const std::vector<KvOperation> ok = generated(10, false, 3);
    const std::vector<KvOperation> bad = generated(10, true, 3);
    REQUIRE(ok.size() == bad.size());
    int differences = 0;
    for (size_t i = 0; i < ok.size(); ++i) {
      if (ok[i].Output.Value != bad[i].Output.Value) {
        ++differences;
        CHECK(bad[i].Input.Op == 0);
      }
    }
    CHECK(differences == 1);
  }

  TEST_CASE("CheckKv_generatedHistories") {
    for (int clients : {1, 10, 50}) {
      for (bool illegal : {false, true}) {
        const std::vector<KvOperation> h = generated(clients, illegal);
        const CheckResult result = CheckKvOperationsTimeout(h, 60s);
        CHECK_MESSAGE(result == (illegal ? CheckResult::Illegal : CheckResult::Ok), clients,
                      " clients, illegal=", illegal, ": ", to_string(result));
      }
    }
  }

  TEST_CASE("Check_parallelAndSequentialAgree") {
    for (bool illegal : {false, true}) {
      const std::vector<KvOperation> h = generated(10, illegal, 2);
      // One worker: the partitions one after another, on this thread.
      CheckOptions one;
      one.verbose = true;
      one.workers = 1;
      const CheckOutcome alone = Check(KvModel{}, h, one);
      CHECK(alone.stats.workers == 1);
      // Two, inside a World as the kvraft tests check: the workers' threads are joined
      // before Check returns, so no task or thread is left behind.
      lab::World world("porcupine-parallel");
      CheckOptions options;
      options.verbose = true;
      options.workers = 2;
      const CheckOutcome together = Check(KvModel{}, h, options);
      CHECK(together.stats.workers == 2);
      CHECK(together.result == alone.result);
      CHECK(together.stats.steps == alone.stats.steps);  // verbose: every partition runs out
      REQUIRE(together.info);
      REQUIRE(alone.info);
      REQUIRE(together.info->partitions.size() == alone.info->partitions.size());
      for (size_t p = 0; p < alone.info->partitions.size(); ++p) {
        CHECK(together.info->partitions[p].partials == alone.info->partitions[p].partials);
        CHECK(together.info->partitions[p].longest == alone.info->partitions[p].longest);
      }
      CHECK(world.live_tasks() == 0);
      CHECK(lab::live_task_threads() == 0);
    }
  }

  TEST_CASE("VisualizeKv_writesSelfContainedPage") {
    TempDir dir;
    std::vector<KvOperation> h = generated(10, true);
    h.push_back({3, {1, "zz", "</script><b>\"&"}, 1, {}, 2});  // must not break the page
    const KvCheck check = CheckKvOperationsVerbose(h, 10s);
    REQUIRE(check.result == CheckResult::Illegal);
    const std::string path = (dir.path / "history.html").string();
    VisualizeKv(h, check, path);
    const std::string page = read_file(path);
    CHECK(page.find("<title>Porcupine</title>") != std::string::npos);
    CHECK(page.find("id=\"porcupine-data\"") != std::string::npos);
    CHECK(page.find("\"result\":\"Illegal\"") != std::string::npos);
    CHECK(page.find("key '0'") != std::string::npos);  // partitions named by key
    CHECK(page.find("Valid LP") != std::string::npos);
    CHECK(page.find("Invalid LP") != std::string::npos);
    CHECK(page.find("[ jump to first error ]") != std::string::npos);
    // Every operation is described in the data.
    for (const KvOperation& op : h) {
      if (op.Input.Key == "zz") continue;
      const std::string description = in_json(KvModel{}.describe_operation(op.Input, op.Output));
      CHECK_MESSAGE(page.find(description) != std::string::npos, description);
    }
    // Self-contained: nothing fetched from a network.
    CHECK(page.find("http://") == std::string::npos);
    CHECK(page.find("https://") == std::string::npos);
    CHECK(page.find(" src=") == std::string::npos);
    // The data cannot close the script block early.
    CHECK(count(page, "</script>") == 2);
    CHECK(page.find("\\u003c/script\\u003e\\u003cb\\u003e") != std::string::npos);
  }

  TEST_CASE("VisualizeKv_marksTheOperationThatCannotBeLinearized") {
    TempDir dir;
    const std::vector<KvOperation> h = {
        {0, {1, "k", "1"}, 0, {}, 10}, {1, {0, "k", ""}, 20, {"1"}, 30}, {2, {0, "k", ""}, 40, {"2"}, 50}};
    const KvCheck check = CheckKvOperationsVerbose(h, 1s);
    const VisualizationData data = ComputeVisualizationData(KvModel{}, h, *check.info, check.result);
    REQUIRE(data.partitions.size() == 1);
    REQUIRE(data.partitions[0].partials.size() == 1);
    const VisualPartial& partial = data.partitions[0].partials[0];
    CHECK(partial.invalid == 2);  // get -> '2' cannot follow put('k', '1'), get -> '1'
    REQUIRE(partial.steps.size() == 2);
    CHECK(partial.steps[0].state == "'1'");
    CHECK(data.partitions[0].init_state == "''");
    const std::string page = RenderVisualization(data);
    CHECK(page.find("\"invalid\":2") != std::string::npos);
  }

  TEST_CASE("VisualizeKv_unwritablePathNamesIt") {
    const std::vector<KvOperation> h = {{0, {1, "k", "1"}, 0, {}, 10}};
    const KvCheck check = CheckKvOperationsVerbose(h, 1s);
    const std::string path = "/nonexistent-porcupine-dir/picture.html";
    CHECK_THROWS_WITH_AS(VisualizeKv(h, check, path),
                         doctest::Contains("/nonexistent-porcupine-dir/picture.html"),
                         std::runtime_error);
  }

  TEST_CASE("VisualizeKv_withoutVerboseInfoDrawsTheHistory") {
    TempDir dir;
    const std::vector<KvOperation> h = {{0, {1, "k", "1"}, 0, {}, 10},
                                        {1, {0, "j", ""}, 5, {"x"}, 15}};
    const KvCheck check{CheckKvOperationsTimeout(h, 1s), nullptr};
    const std::string path = (dir.path / "plain.html").string();
    VisualizeKv(h, check, path);
    const std::string page = read_file(path);
    CHECK(page.find("put('k', '1')") != std::string::npos);
    CHECK(page.find(in_json("get('j') -> 'x'")) != std::string::npos);
  }
  TEST_CASE("ValueDigest_extendsAsTheValueGrows") {
    const ValueDigest whole = ValueDigest::Of("x 0 1 yx 0 2 y");
    const ValueDigest grown = ValueDigest::Of("x 0 1 y").Then("x 0 2 y");
    CHECK(grown == whole);
    CHECK(grown.length == 14);
    CHECK(grown.tail == "x 0 1 yx 0 2 y");
    CHECK_FALSE(ValueDigest::Of("ab") == ValueDigest::Of("ba"));
    CHECK_FALSE(ValueDigest::Of("") == ValueDigest::Of(std::string(1, '\0')));
    // The tail keeps the last characters however the value was built.
    std::string value;
    ValueDigest built;
    for (int j = 0; j < 500; ++j) {
      const std::string piece = "x 3 " + std::to_string(j) + " y";
      value += piece;
      built = built.Then(piece);
    }
    const ValueDigest at_once = ValueDigest::Of(value);
    CHECK(built == at_once);
    CHECK(built.length == value.size());
    CHECK(built.tail == value.substr(value.size() - ValueDigest::kTailLength));
    CHECK(at_once.tail == built.tail);
    CHECK(ValueDigest::Of(std::string(100, 'a')).tail == std::string(ValueDigest::kTailLength, 'a'));
  }

  TEST_CASE("CheckKvDigests_agreesWithWholeValues") {
    for (int clients : {1, 10, 50}) {
      for (bool illegal : {false, true}) {
        // Seed 1: its 50-client history checks in ~3 M steps. Difficulty varies a hundredfold
        // between seeds (seed 3's needs 290 M: ~45 s per check, past the limit under ASan).
        const std::vector<KvOperation> h = generated(clients, illegal, 1);
        std::vector<KvDigestOperation> digested;
        for (const KvOperation& op : h) digested.push_back(Digest(op));
        const CheckResult whole = CheckKvOperationsTimeout(h, 60s);
        const KvCheck digests = CheckKvDigestsVerbose(digested, 60s);
        CHECK_MESSAGE(digests.result == whole, clients, " clients, illegal=", illegal, ": ",
                      to_string(digests.result), " vs ", to_string(whole));
        CHECK(digests.result == (illegal ? CheckResult::Illegal : CheckResult::Ok));
      }
    }
  }

  TEST_CASE("CheckKvDigests_aLongOneClientHistoryIsQuick") {
    // The shape that made whole-value histories O(n²): one client appending to its key and
    // reading it back, 20,000 times; the value ends near 200 KB.
    std::vector<KvDigestOperation> h;
    ValueDigest value;
    int64_t t = 0;
    for (int j = 0; j < 20000; ++j) {
      const std::string piece = "x 0 " + std::to_string(j) + " y";
      h.push_back({0, {2, "0", piece}, t, {}, t + 5});
      value = value.Then(piece);
      h.push_back({0, {0, "0", ""}, t + 10, {value}, t + 15});
      t += 20;
    }
    const lab::TimePoint t0 = lab::now();
    const KvCheck check = CheckKvDigestsVerbose(h, 10s);
    CHECK(check.result == CheckResult::Ok);
    CHECK(std::chrono::duration<double>(lab::now() - t0).count() < 5.0);
    // A stale read at the end is caught.
    h.push_back({0, {0, "0", ""}, t + 10, {ValueDigest::Of("x 0 0 y")}, t + 15});
    CHECK(CheckKvDigestsVerbose(h, 10s).result == CheckResult::Illegal);
  }

  TEST_CASE("VisualizeKvDigests_describesLongValuesByTheirEnd") {
    TempDir dir;
    const ValueDigest long_value = ValueDigest::Of(std::string(1000, 'v') + "the end");
    const std::vector<KvDigestOperation> h = {
        {0, {1, "k", "1"}, 0, {}, 10}, {1, {0, "k", ""}, 20, {long_value}, 30}};
    const KvCheck check = CheckKvDigestsVerbose(h, 1s);
    REQUIRE(check.result == CheckResult::Illegal);
    const std::string description = KvDigestModel{}.describe_operation(h[1].Input, h[1].Output);
    CHECK(description == "get('k') -> '…" + std::string(17, 'v') + "the end' (1007 chars)");
    CHECK(KvDigestModel{}.describe_state(ValueDigest::Of("1")) == "'1'");
    const std::string path = (dir.path / "digests.html").string();
    VisualizeKvDigests(h, check, path);
    const std::string page = read_file(path);
    CHECK(page.find("\"result\":\"Illegal\"") != std::string::npos);
    CHECK(page.find("(1007 chars)") != std::string::npos);
  }
}
