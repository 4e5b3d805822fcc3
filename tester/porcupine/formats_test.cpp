// Tests of the history readers: EDN values (edn.hpp), Jepsen histories as EDN maps and as
// log lines (jepsen_log.hpp), lincheck's JSON (json_history.hpp) and a history file read
// for the tools (history_file.hpp): good input read as meant, broken input named by file
// and line.
#include "tester/porcupine/adapters.hpp"
#include "tester/porcupine/edn.hpp"
#include "tester/porcupine/history_file.hpp"
#include "tester/porcupine/jepsen_log.hpp"
#include "tester/porcupine/json_history.hpp"
#include "tester/porcupine/register_generator.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using namespace porcupine;

RecordedHistory jepsen(const std::string& text) {
  std::istringstream in(text);
  return ReadJepsenLog(in, "h.edn");
}

JsonHistory json(const std::string& text) {
  std::istringstream in(text);
  return ReadJsonHistory(in, "h.json");
}

template <class Read>
std::string error_of(Read read) {
  try {
    read();
  } catch (const BadHistory& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_SUITE("porcupine") {
  TEST_CASE("ParseEdn_values") {
    size_t pos = 0;
    const Datum d = ParseEdnValue(R"([1 -2 "a \"q\"" :k nil true #{3} {:x 1} 2.5 sym])", pos);
    REQUIRE(d.kind == Datum::Kind::List);
    REQUIRE(d.items.size() == 10);
    CHECK(d.items[0].number == 1);
    CHECK(d.items[1].number == -2);
    CHECK(d.items[2].text == "a \"q\"");
    CHECK(d.items[3].kind == Datum::Kind::Keyword);
    CHECK(d.items[4].is_nil());
    CHECK(d.items[5].kind == Datum::Kind::Bool);
    CHECK(d.items[6].items.size() == 1);
    CHECK(d.items[7].items.size() == 2);  // a map in a value: its keys and values
    CHECK(d.items[8].text == "2.5");
    CHECK(d.items[9].text == "sym");
    CHECK(d.str() == R"([1 -2 "a \"q\"" :k nil true [3] [:x 1] "2.5" "sym"])");
    const EdnMap m = ParseEdnMap("{:process 3, :type :ok, :time #inst \"2020\"}");
    REQUIRE(m.find("process") != nullptr);
    CHECK(m.find("process")->number == 3);
    CHECK(m.find("time")->text == "2020");
    CHECK(m.find("nothing") == nullptr);
    CHECK_THROWS_WITH_AS(ParseEdnMap("{:a [1 2}"), "unexpected '}' (column 9)", std::invalid_argument);
    CHECK_THROWS_AS(ParseEdnMap("{\"a\" 1}"), std::invalid_argument);
    CHECK_THROWS_AS(ParseEdnMap("{:a 1} x"), std::invalid_argument);
  }

  TEST_CASE("ReadJepsenLog_logLines") {
    // As in porcupine's etcd data: other loggers and the nemesis are skipped; :info and
    // an invoke left open return after the last line; a failed cas is kept as such.
    const RecordedHistory h = jepsen(
        "INFO  jepsen.core - Worker 0 starting\n"
        "INFO  jepsen.util - 0\t:invoke\t:write\t4\n"
        "INFO  jepsen.util - 1\t:invoke\t:cas\t[4 2]\n"
        "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"
        "INFO  jepsen.util - 0\t:ok\t:write\t4\n"
        "INFO  jepsen.util - 1\t:fail\t:cas\t[4 2]\n"
        "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"
        "INFO  jepsen.util - 0\t:ok\t:read\t4\n"
        "INFO  jepsen.util - 2\t:invoke\t:write\t1\n"
        "INFO  jepsen.util - 2\t:info\t:write\t:timed-out\n"
        "INFO  jepsen.util - 3\t:invoke\t:cas\t[1 3]\n");
    REQUIRE(h.ops.size() == 5);
    CHECK(h.ops[0].f == "write");
    CHECK(h.ops[0].input.number == 4);
    CHECK(h.ops[0].call == 2);
    CHECK(h.ops[0].ret == 5);
    CHECK(h.ops[0].where == "h.edn:2");
    CHECK(h.ops[1].completion == Completion::Fail);
    CHECK(h.ops[1].input.str() == "[4 2]");
    CHECK(h.ops[2].output.number == 4);
    CHECK(h.ops[3].completion == Completion::Info);
    CHECK(h.ops[3].ret == 12);  // after the last line
    CHECK(h.ops[4].completion == Completion::Info);
    CHECK(h.ops[4].ret == 12);
  }

  TEST_CASE("ReadJepsenLog_ednMaps") {
    const RecordedHistory h = jepsen(
        "; a comment\n"
        "{:type :invoke, :f :append, :key \"7\", :value \"x\", :process 3, :time 12, :index 0}\n"
        "\n"
        "{:process :nemesis, :type :info, :f :start}\n"
        "{:type :ok, :f :append, :key \"7\", :value \"x\", :process 3, :time 19, :index 1}\n");
    REQUIRE(h.ops.size() == 1);
    CHECK(h.ops[0].client == 3);
    CHECK(h.ops[0].key == "7");
    CHECK(h.ops[0].call == 2);
    CHECK(h.ops[0].ret == 5);
    CHECK(h.ops[0].completion == Completion::Ok);
  }

  TEST_CASE("ReadJepsenLog_namesFileAndLine") {
    const std::string invoke = "{:process 1, :type :invoke, :f :read, :value nil}\n";
    CHECK(error_of([] { jepsen("{:process 1, :type :invoke, :f :read, :value [1 2}\n"); }) ==
          "h.edn:1: not an event: unexpected '}' (column 50): "
          "{:process 1, :type :invoke, :f :read, :value [1 2}");
    CHECK(error_of([] { jepsen("\nsome text\n"); }).find("h.edn:2: not an event: neither an EDN map "
                                                         "nor a Jepsen log line") == 0);
    CHECK(error_of([] { jepsen("{:type :invoke, :f :read}\n"); }).find("h.edn:1: not an event: the event has no :process") == 0);
    CHECK(error_of([&] { jepsen(invoke + "{:process 1, :type :done, :f :read}\n"); })
              .find("h.edn:2: unknown :type :done") == 0);
    CHECK(error_of([&] { jepsen(invoke + invoke); })
              .find("h.edn:2: process 1 invokes again, but its operation from h.edn:1") == 0);
    CHECK(error_of([] { jepsen("INFO  jepsen.util - 2\t:ok\t:read\t3\n"); })
              .find("h.edn:1: process 2 completes (:ok) without an invoke") == 0);
    CHECK(error_of([&] { jepsen(invoke + "{:process 1, :type :ok, :f :write, :value 3}\n"); })
              .find("h.edn:2: process 1 completes :f :write but invoked :f :read at h.edn:1") == 0);
    CHECK(error_of([] { jepsen("INFO  jepsen.util - 2\t:invoke\n"); }).find("h.edn:1: not an event") == 0);
  }

  TEST_CASE("ReadJsonHistory_readsOperations") {
    const JsonHistory j = json(R"({"model": "cas",
      "operations": [
        {"client": 0, "f": "write", "input": 3, "call": 0, "return": 10},
        {"client": 1, "f": "read", "output": 3, "call": 5, "return": 12},
        {"client": 2, "f": "cas", "input": [3, 4], "status": "fail", "call": 6, "return": 20},
        {"client": 3, "f": "write", "key": 7, "input": "x\u00e9", "call": 7},
        {"client": 4, "f": "write", "input": 1, "status": "info", "call": 8, "return": 9}]})");
    CHECK(j.model == "cas");
    REQUIRE(j.history.ops.size() == 5);
    CHECK(j.history.ops[0].where == "h.json:3");
    CHECK(j.history.ops[1].output.number == 3);
    CHECK(j.history.ops[2].completion == Completion::Fail);
    CHECK(j.history.ops[2].input.str() == "[3 4]");
    CHECK(j.history.ops[3].key == "7");
    CHECK(j.history.ops[3].input.text == "x\xc3\xa9");
    CHECK(j.history.ops[3].completion == Completion::Info);
    CHECK(j.history.ops[3].ret == 21);  // after every event
    CHECK(j.history.ops[4].completion == Completion::Info);
    CHECK(j.history.ops[4].ret == 21);
    CHECK(json("[]").history.ops.empty());
  }

  TEST_CASE("ReadJsonHistory_namesFileAndLine") {
    CHECK(error_of([] { json("{\"operations\": [\n{\"client\": 0, \"f\": \"read\", \"call\": 1, \"retrun\": 2}]}"); }) ==
          "h.json:2: unknown field \"retrun\" (expected client, f, key, input, output, call, return, status)");
    CHECK(error_of([] { json("[\n{\"client\": 0, \"f\": \"read\",\n \"call\": 5, \"return\": 2}]"); }) ==
          "h.json:3: \"return\" (2) is before \"call\" (5)");
    CHECK(error_of([] { json("[{\"f\": \"read\", \"call\": 5}]"); }) == "h.json:1: the operation has no \"client\"");
    CHECK(error_of([] { json("[{\"client\": 0, \"f\": \"read\", \"call\": 5, \"input\": 1.5}]"); }) ==
          "h.json:1: \"input\" holds a number with a fraction; values are null, whole numbers, "
          "strings, booleans or arrays");
    CHECK(error_of([] { json("[{\"client\": 0, \"f\": \"read\", \"call\": 5, \"status\": \"maybe\"}]"); }) ==
          "h.json:1: \"status\" must be \"ok\", \"fail\" or \"info\"");
    CHECK(error_of([] { json("[\n{\"client\": 0,\n\"f\": \"read\" \"call\": 5}]"); }) ==
          "h.json:3: expected ',' or '}'");
    CHECK(error_of([] { json("[{\"client\": 0, \"f\": \"read\", \"call\": 5}"); }) ==
          "h.json:1: expected ',' or ']'");
    CHECK(error_of([] { json("{\"ops\": []}"); }) == "h.json:1: unknown field \"ops\" (expected model, operations)");
    CHECK(error_of([] { json("3"); }) ==
          "h.json:1: a history is an object with \"operations\", or an array of operations");
  }

  TEST_CASE("WriteJsonHistory_readsBackTheSameChecks") {
    RegisterHistoryShape shape;
    shape.clients = 5;
    shape.unreturned_percent = 20;
    const std::vector<RegisterOperation> h = GenerateRegisterHistory(shape);
    std::stringstream out;
    WriteJsonHistory(out, FromRegisterHistory(h), "cas");
    const JsonHistory back = ReadJsonHistory(out, "generated");
    CHECK(back.model == "cas");
    const std::vector<RegisterOperation> again = ToRegisterHistory(back.history, true);
    size_t unknown = 0;
    for (const RegisterOperation& op : h) unknown += op.Output.known ? 0 : 1;
    CHECK(unknown > 0);
    // Reads that never returned are left out on the way back; nothing else changes.
    CHECK(again.size() <= h.size());
    CHECK(CheckOperations(RegisterModel{}, again));
  }

  TEST_CASE("ReadHistoryFile_guessesFormatAndModel") {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / "lincheck-formats-test";
    std::filesystem::create_directories(dir);
    const auto write = [&](const std::string& name, const std::string& text) {
      std::ofstream(dir / name) << text;
      return (dir / name).string();
    };
    const std::string kv = write("kv.txt", "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"a\"}\n");
    const std::string etcd = write("etcd.log", "INFO  jepsen.util - 0\t:invoke\t:cas\t[1 2]\n");
    const std::string reg = write("reg.json", "[{\"client\": 0, \"f\": \"write\", \"input\": 1, \"call\": 0}]");
    CHECK(ReadHistoryFile(kv, "", "").model == "kv");
    CHECK(ReadHistoryFile(etcd, "", "").model == "cas");
    CHECK(ReadHistoryFile(reg, "", "").model == "register");
    CHECK(ReadHistoryFile(reg, "", "cas").registers.size() == 1);
    CHECK(error_of([&] { ReadHistoryFile(etcd, "", "register"); })
              .find("etcd.log:1: the register model has no :f :cas") != std::string::npos);
    CHECK(error_of([&] { ReadHistoryFile(etcd, "json", ""); }).find("etcd.log:1: unexpected 'I'") != std::string::npos);
    CHECK(error_of([&] { ReadHistoryFile(dir.string(), "", ""); }) == dir.string() + ": a folder, not a history file");
    CHECK(error_of([&] { ReadHistoryFile((dir / "none").string(), "", ""); }) == (dir / "none").string() + ": cannot be read");
    std::filesystem::remove_all(dir);
  }
}
