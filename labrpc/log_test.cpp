// Unit tests of the topic logger (log.hpp): LAB_LOG's syntax and errors, the line
// format, off by default, and times that count from each World's first line.
#include "labrpc/log.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "labrpc/labrpc.hpp"
#include "labrpc/platform.hpp"
#include "labrpc/runtime.hpp"

namespace {

using lab::Topic;

uint32_t bit(Topic t) { return 1u << static_cast<unsigned>(t); }
constexpr uint32_t kAll = (1u << lab::kTopicCount) - 1;

// Captures the log lines written while it lives, with the given topics on.
class CapturedLog {
 public:
  explicit CapturedLog(uint32_t topics) : saved_(lab::log_topics()), file_(std::tmpfile()) {
    REQUIRE(file_ != nullptr);
    lab::set_log_output(file_);
    lab::set_log_topics(topics);
  }
  ~CapturedLog() {
    lab::set_log_topics(saved_);
    lab::set_log_output(nullptr);
    std::fclose(file_);
  }
  std::vector<std::string> lines() {
    std::fflush(file_);
    std::rewind(file_);
    std::vector<std::string> result;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, file_) != nullptr) result.emplace_back(buffer);
    return result;
  }

 private:
  uint32_t saved_;
  std::FILE* file_;
};

// A message part that counts how often it is formatted.
struct Counted {
  int* formatted;
};
std::ostream& operator<<(std::ostream& out, const Counted& c) {
  ++*c.formatted;
  return out << "counted";
}

double time_of(const std::string& line) { return std::stod(line.substr(0, 8)); }

// Runs this test binary with LAB_LOG set to `spec` (no test cases), returning what it
// printed and its exit status.
std::pair<std::string, int> run_self_with_lab_log(const std::string& spec) {
  const std::string self = lab::platform::executable_path();
  const std::string command = "LAB_LOG='" + spec + "' '" + self + "' -tc=no-such-test 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  return {output, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

}  // namespace

TEST_SUITE("log") {
  TEST_CASE("parse_log_topics_takes_names_all_none_and_removals") {
    CHECK(lab::parse_log_topics("all") == kAll);
    CHECK(lab::parse_log_topics("vote,leader") == (bit(Topic::vote) | bit(Topic::leader)));
    CHECK(lab::parse_log_topics(" vote , leader ") == (bit(Topic::vote) | bit(Topic::leader)));
    CHECK(lab::parse_log_topics("all,-timer") == (kAll & ~bit(Topic::timer)));
    CHECK(lab::parse_log_topics("snapshot,error") == (bit(Topic::snapshot) | bit(Topic::error)));
    CHECK(lab::parse_log_topics("") == 0);
    CHECK(lab::parse_log_topics("none") == 0);
    CHECK(lab::parse_log_topics("0") == 0);
    CHECK(lab::parse_log_topics("1") == kAll);
  }

  TEST_CASE("parse_log_topics_rejects_an_unknown_topic_listing_the_valid_ones") {
    for (const char* bad : {"votes", "vote,ledaer", "-bogus", "VOTE"}) {
      CAPTURE(bad);
      try {
        lab::parse_log_topics(bad);
        FAIL("accepted ", bad);
      } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        CHECK(what.find("unknown topic") != std::string::npos);
        CHECK(what.find("valid topics: all, none, vote, leader, term") != std::string::npos);
        CHECK(what.find("error") != std::string::npos);
      }
    }
  }

  TEST_CASE("topic_names_round_trip_through_parse") {
    for (int k = 0; k < lab::kTopicCount; k++) {
      const auto topic = static_cast<Topic>(k);
      CHECK(lab::parse_log_topics(lab::topic_name(topic)) == bit(topic));
    }
  }

  TEST_CASE("format_log_line_gives_time_topic_peer_message") {
    CHECK(lab::format_log_line(412.34, Topic::vote, 1, "granted vote to S2 in term 3") ==
          "   412.3 vote     S1 granted vote to S2 in term 3\n");
    CHECK(lab::format_log_line(0, Topic::snapshot, 12, "x") == "     0.0 snapshot S12 x\n");
    CHECK(lab::format_log_line(123456.75, Topic::test, lab::kNoPeer, "begin") ==
          "123456.8 test     -- begin\n");
    CHECK(lab::format_log_line(1, Topic::info, 0, "two\nlines") ==
          "     1.0 info     S0 two lines\n");
  }

  TEST_CASE("logging_is_off_by_default" *
            doctest::skip(std::getenv("LAB_LOG") != nullptr || std::getenv("VERBOSE") != nullptr)) {
    CHECK(lab::log_topics() == 0);
    CHECK_FALSE(lab::log_any());
    for (int k = 0; k < lab::kTopicCount; k++) CHECK_FALSE(lab::log_enabled(static_cast<Topic>(k)));
  }

  TEST_CASE("log_builds_no_message_for_a_topic_that_is_off") {
    CapturedLog captured(bit(Topic::vote));
    int formatted = 0;
    lab::log(Topic::leader, 0, Counted{&formatted});
    CHECK(formatted == 0);
    lab::log(Topic::vote, 0, Counted{&formatted});
    CHECK(formatted == 1);
    CHECK(captured.lines().size() == 1);
  }

  TEST_CASE("log_writes_only_chosen_topics_with_times_from_the_worlds_first_line") {
    CapturedLog captured(bit(Topic::vote) | bit(Topic::test));
    {
      lab::World world("log test");
      lab::log(Topic::test, lab::kNoPeer, "begin");
      lab::log(Topic::leader, 2, "not chosen");
      lab::sleep(std::chrono::milliseconds(30));
      lab::log(Topic::vote, 2, "granted vote to S", 1, " in term ", 4);
    }
    {
      lab::World world("log test, second world");
      lab::sleep(std::chrono::milliseconds(5));
      lab::log(Topic::test, lab::kNoPeer, "second");
    }
    const std::vector<std::string> lines = captured.lines();
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "     0.0 test     -- begin\n");
    CHECK(lines[1].substr(8) == " vote     S2 granted vote to S1 in term 4\n");
    CHECK(time_of(lines[1]) >= 30.0);
    CHECK(time_of(lines[1]) < 30000.0);
    // A new World counts from its own first line.
    CHECK(lines[2] == "     0.0 test     -- second\n");
  }

  TEST_CASE("log_lines_from_many_tasks_never_interleave") {
    CapturedLog captured(bit(Topic::info));
    {
      lab::World world("log interleaving");
      lab::WaitGroup done;
      for (int peer = 0; peer < 4; peer++) {
        done.add();
        lab::go("logger " + std::to_string(peer), [&done, peer] {
          for (int k = 0; k < 200; k++) lab::log(Topic::info, peer, std::string(100, 'a' + peer));
          done.done();
        });
      }
      done.wait();
    }
    const std::vector<std::string> lines = captured.lines();
    REQUIRE(lines.size() == 800);
    for (const std::string& line : lines) {
      const int peer = line[19] - '0';
      CHECK(line.substr(21) == std::string(100, 'a' + peer) + "\n");
    }
  }

  TEST_CASE("a_bad_lab_log_stops_the_program_naming_the_valid_topics") {
    const auto [output, status] = run_self_with_lab_log("vote,bogus");
    CHECK(status == 2);
    CHECK(output.find("LAB_LOG: unknown topic \"bogus\"") != std::string::npos);
    CHECK(output.find("valid topics: all, none, vote, leader") != std::string::npos);
    const auto [good_output, good_status] = run_self_with_lab_log("vote,leader");
    CHECK(good_status == 0);
  }
  TEST_CASE("network_logs_calls_and_replies_under_rpc_and_faults_under_drop") {
    CapturedLog captured(bit(Topic::rpc) | bit(Topic::drop));
    {
      lab::World world("network log test");
      lab::Network net;
      auto service = std::make_shared<lab::Service>("Echo");
      service->AddTyped<int, int>("Double", [](const int& x, int* reply) { *reply = 2 * x; });
      auto server = std::make_shared<lab::Server>();
      server->AddService(service);
      net.AddServer("2", server);
      lab::ClientEnd* peer_end = net.MakeEnd("e-peer");
      net.Connect("e-peer", "2");
      net.NameCaller("e-peer", "S0", 0);
      lab::ClientEnd* clerk_end = net.MakeEnd("e-clerk");
      net.Connect("e-clerk", "2");
      net.NameCaller("e-clerk", "clerk 1", lab::kNoPeer);
      int reply = 0;

      CHECK_FALSE(peer_end->Call("Echo.Double", 1, &reply));  // disabled
      net.Enable("e-peer", true);
      net.Enable("e-clerk", true);
      CHECK(peer_end->Call("Echo.Double", 2, &reply));
      CHECK(clerk_end->Call("Echo.Double", 3, &reply));
      lab::Faults faults;
      faults.drop_request_per_mille = 1000;
      net.SetFaults(faults);
      net.Reliable(false);
      CHECK_FALSE(peer_end->Call("Echo.Double", 4, &reply));
      faults.drop_request_per_mille = 0;
      faults.drop_reply_per_mille = 1000;
      net.SetFaults(faults);
      CHECK_FALSE(peer_end->Call("Echo.Double", 5, &reply));
      faults.drop_reply_per_mille = 0;
      faults.reorder_chance_in = faults.reorder_chance_of;
      net.SetFaults(faults);
      net.LongReordering(true);
      CHECK(peer_end->Call("Echo.Double", 6, &reply));
      net.Cleanup();
    }
    std::string all;
    for (const std::string& line : captured.lines()) all += line.substr(9);
    const auto has = [&](const std::string& text) {
      INFO("looking for: ", text, "\nin:\n", all);
      CHECK(all.find(text) != std::string::npos);
    };
    has("rpc      S0 #1 -> S2 Echo.Double, ");
    has("drop     S0 #1 -> S2 Echo.Double: unreachable (end disabled), fails after ");
    has("rpc      S0 #2 -> S2 Echo.Double: reply, ");
    has("rpc      -- #3 clerk 1 -> S2 Echo.Double: reply, ");
    has("drop     S0 #4 -> S2 Echo.Double: request lost after ");
    has("drop     S0 #5 -> S2 Echo.Double: request delayed ");
    has("drop     S0 #5 -> S2 Echo.Double: reply lost (the handler ran)");
    has("drop     S0 #6 -> S2 Echo.Double: reply delayed ");
    has("rpc      S0 #6 -> S2 Echo.Double: reply, ");
  }
}
