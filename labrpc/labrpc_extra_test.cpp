// labrpc beyond the eleven Go tests: bad requests fail the test loudly (and only the
// test), Cleanup cuts delays short, Partition, tunable faults, long reordering, and the
// counters' finer rules (docs/design.md, "The network (labrpc)").
#include "labrpc/labrpc.hpp"

#include <doctest/doctest.h>

#include "labrpc/network_fixture.hpp"

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

namespace {

using namespace lab;

class EchoServer {
 public:
  void Double(const int& args, int* reply) {
    calls_.fetch_add(1);
    *reply = 2 * args;
  }
  void Name(const int& args, std::string* reply) {
    calls_.fetch_add(1);
    *reply = "handler2-" + std::to_string(args);
  }
  // Blocks (cancellably) until the World ends: a handler that never returns by itself.
  void Stuck(const int&, int* reply) {
    calls_.fetch_add(1);
    lab::sleep(20s);
    *reply = 1;
  }
  int calls() const { return calls_.load(); }

 private:
  std::atomic<int> calls_{0};
};

std::shared_ptr<Server> echo_server(const std::shared_ptr<EchoServer>& echo) {
  auto svc = std::make_shared<Service>("Echo");
  svc->Add("Double", echo, &EchoServer::Double);
  svc->Add("Name", echo, &EchoServer::Name);
  svc->Add("Stuck", echo, &EchoServer::Stuck);
  auto server = std::make_shared<Server>();
  server->AddService(svc);
  return server;
}

// A network with one EchoServer under "server".
struct Fixture : NetworkFixture<EchoServer> {
  Fixture() : NetworkFixture("labrpc extra test", "server", echo_server) {}
  EchoServer* echo = handler.get();
};

// Polls `done` every millisecond for up to `bound`; true once it holds. Tests wait for
// the state they act on (a call taken up, a handler started) instead of guessing a sleep.
template <class Done>
bool eventually(Done done, Duration bound = 5s) {
  const TimePoint deadline = now() + bound;
  while (!done()) {
    if (now() >= deadline) return false;
    lab::sleep(1ms);
  }
  return true;
}

Faults quick_faults() {
  Faults f;
  f.short_timeout_mod_ms = 1;  // unreachable targets answer false at once
  return f;
}

}  // namespace

TEST_SUITE("labrpc") {
  // --- bad requests: the World fails with Go's message; the process lives on --------

  TEST_CASE("call_unknown_service_fails_world_with_go_message") {
    Fixture f;
    ClientEnd* e = f.end("e");
    int reply = 0;
    const TimePoint t0 = now();
    CHECK_THROWS_AS(e->Call("Nope.Double", 1, &reply), Cancelled);
    CHECK(seconds_since(t0) < 1.0);
    CHECK(reply == 0);
    REQUIRE(f.world.failed());
    CHECK(f.world.failure() ==
          "labrpc.Server.dispatch(): unknown service Nope in Nope.Double; expecting one of [Echo]");
    CHECK(f.rn.GetCount("server") == 1);
  }

  TEST_CASE("call_unknown_method_fails_world_with_go_message") {
    Fixture f;
    ClientEnd* e = f.end("e");
    int reply = 0;
    CHECK_THROWS_AS(e->Call("Echo.Triple", 1, &reply), Cancelled);
    REQUIRE(f.world.failed());
    CHECK(f.world.failure() ==
          "labrpc.Service.dispatch(): unknown method Triple in Echo.Triple; expecting one of "
          "[Double Name Stuck]");
  }

  // Calls name "Service.Method" split at the last dot.
  TEST_CASE("call_service_name_splits_at_the_last_dot") {
    Fixture f;
    ClientEnd* e = f.end("e");
    int reply = 0;
    CHECK_THROWS_AS(e->Call("a.b.Double", 1, &reply), Cancelled);
    CHECK(f.world.failure() ==
          "labrpc.Server.dispatch(): unknown service a.b in a.b.Double; expecting one of [Echo]");
  }

  TEST_CASE("call_with_wrong_args_type_names_both_types") {
    Fixture f;
    ClientEnd* e = f.end("e");
    int reply = 0;
    CHECK_THROWS_AS(e->Call("Echo.Double", std::string("1"), &reply), Cancelled);
    REQUIRE(f.world.failed());
    const std::string failure = f.world.failure();
    CHECK_MESSAGE(failure.find("Echo.Double") != std::string::npos, failure);
    CHECK_MESSAGE(failure.find("(int, int*)") != std::string::npos, failure);
    CHECK_MESSAGE(failure.find(type_name<std::string>()) != std::string::npos, failure);
    CHECK(f.echo->calls() == 0);
  }

  TEST_CASE("call_with_wrong_reply_type_names_both_types") {
    Fixture f;
    ClientEnd* e = f.end("e");
    std::string reply = "untouched";
    CHECK_THROWS_AS(e->Call("Echo.Double", 1, &reply), Cancelled);
    const std::string failure = f.world.failure();
    CHECK_MESSAGE(failure.find("(int, int*)") != std::string::npos, failure);
    CHECK_MESSAGE(failure.find("(int, " + type_name<std::string>() + "*)") != std::string::npos,
                  failure);
    CHECK(reply == "untouched");
  }

  // Arguments that do not decode (a malformed request) name the method and the type.
  TEST_CASE("call_with_undecodable_args_fails_world_naming_method_and_type") {
    Fixture f;
    ClientEnd* e = f.end("e");
    CHECK_THROWS_AS(e->CallBytes("Echo.Double", type_name<int>(), type_name<int>(), Bytes{1, 2}),
                    Cancelled);
    const std::string failure = f.world.failure();
    CHECK_MESSAGE(failure.find("Echo.Double") != std::string::npos, failure);
    CHECK_MESSAGE(failure.find("int") != std::string::npos, failure);
    CHECK(f.echo->calls() == 0);
  }

  TEST_CASE("make_end_duplicate_fails_world") {
    Fixture f;
    f.rn.MakeEnd("x");
    CHECK_THROWS_AS(f.rn.MakeEnd("x"), Cancelled);
    CHECK(f.world.failure() == "MakeEnd: x already exists");
  }

  TEST_CASE("delete_end_unknown_fails_world") {
    Fixture f;
    CHECK_THROWS_AS(f.rn.DeleteEnd("ghost"), Cancelled);
    CHECK(f.world.failure() == "MakeEnd: ghost doesn't exists");
  }

  TEST_CASE("delete_end_makes_its_calls_fail") {
    Fixture f;
    f.rn.SetFaults(quick_faults());
    ClientEnd* e = f.end("e");
    int reply = 0;
    CHECK(e->Call("Echo.Double", 4, &reply));
    CHECK(reply == 8);
    f.rn.DeleteEnd("e");
    reply = 0;
    CHECK_FALSE(e->Call("Echo.Double", 5, &reply));
    CHECK(reply == 0);
    CHECK_FALSE(f.world.failed());
  }

  // --- Cleanup --------------------------------------------------------------------

  TEST_CASE("cleanup_ends_long_delayed_calls_at_once_and_later_calls_fail_fast") {
    Fixture f;
    f.rn.LongDelays(true);
    ClientEnd* e = f.rn.MakeEnd("disabled");
    f.rn.Connect("disabled", "server");  // never enabled: path B, up to 7 s each
    constexpr int kCalls = 5;
    Channel<bool> results(kCalls);
    for (int i = 0; i < kCalls; ++i) {
      go("long-delayed caller", [e, &results] {
        int reply = 0;
        results.send(e->Call("Echo.Double", 1, &reply));
      });
    }
    REQUIRE(eventually([&] { return f.rn.GetTotalCount() == kCalls; }));  // all taken up
    lab::sleep(10ms);
    const TimePoint t0 = now();
    f.rn.Cleanup();
    for (int i = 0; i < kCalls; ++i) {
      const std::optional<bool> ok = results.recv_for(1s);
      REQUIRE_MESSAGE(ok.has_value(), "a call was still waiting out its long delay");
      CHECK_FALSE(*ok);
    }
    const double took = seconds_since(t0);
    CHECK_MESSAGE(took < 0.1, "in-flight calls took ", took, " s to return after Cleanup");

    ClientEnd* live = f.rn.MakeEnd("live");
    f.rn.Connect("live", "server");
    f.rn.Enable("live", true);
    const int64_t total_before = f.rn.GetTotalCount();
    const TimePoint t1 = now();
    int reply = 0;
    CHECK_FALSE(live->Call("Echo.Double", 1, &reply));
    CHECK_FALSE(e->Call("Echo.Double", 1, &reply));
    CHECK(seconds_since(t1) < 0.05);
    CHECK(f.echo->calls() == 0);
    CHECK(f.rn.GetTotalCount() == total_before);
  }

  TEST_CASE("cleanup_ends_a_call_whose_handler_is_stuck") {
    Fixture f;
    ClientEnd* e = f.end("e");
    Channel<bool> result(1);
    go("caller", [e, &result] {
      int reply = 0;
      result.send(e->Call("Echo.Stuck", 1, &reply));
    });
    REQUIRE(eventually([&] { return f.echo->calls() == 1; }));  // the handler is running
    CHECK_FALSE(result.recv_for(1ms).has_value());
    f.rn.Cleanup();
    const std::optional<bool> ok = result.recv_for(100ms);
    REQUIRE_MESSAGE(ok.has_value(), "call with a stuck handler outlived Cleanup");
    CHECK_FALSE(*ok);
  }

  // Death of the target during its handler, by disabling the end (Go: labrpc/labrpc.go,
  // processReq, isServerDead).
  TEST_CASE("disable_end_during_handler_makes_call_fail_within_100ms") {
    Fixture f;
    ClientEnd* e = f.end("e");
    Channel<bool> result(1);
    go("caller", [e, &result] {
      int reply = 0;
      result.send(e->Call("Echo.Stuck", 1, &reply));
    });
    REQUIRE(eventually([&] { return f.echo->calls() == 1; }));  // the handler is running
    f.rn.Enable("e", false);
    const std::optional<bool> ok = result.recv_for(100ms);
    REQUIRE_MESSAGE(ok.has_value(), "call did not notice its end was disabled");
    CHECK_FALSE(*ok);
  }

  // A restarted peer (a new Server object under the same name) must not answer a call
  // its predecessor took (Go: labrpc/labrpc.go, processReq, isServerDead).
  TEST_CASE("replacing_server_during_handler_makes_call_fail_within_100ms") {
    Fixture f;
    ClientEnd* e = f.end("e");
    Channel<bool> result(1);
    go("caller", [e, &result] {
      int reply = 0;
      result.send(e->Call("Echo.Stuck", 1, &reply));
    });
    REQUIRE(eventually([&] { return f.echo->calls() == 1; }));  // the handler is running
    auto restarted = std::make_shared<EchoServer>();
    f.rn.AddServer("server", echo_server(restarted));
    const std::optional<bool> ok = result.recv_for(100ms);
    REQUIRE_MESSAGE(ok.has_value(), "call did not notice its server was replaced");
    CHECK_FALSE(*ok);
    CHECK(restarted->calls() == 0);
  }

  // Path B's fate is fixed when the request is taken up: enabling the end meanwhile
  // neither delivers it nor shortens other calls (Go: labrpc/labrpc.go, processReq).
  TEST_CASE("disabled_end_call_stays_failed_when_enabled_meanwhile") {
    Fixture f;
    f.rn.LongDelays(true);
    Faults faults;
    faults.long_delay_mod_ms = 300;  // keep the long delay short for the test
    f.rn.SetFaults(faults);
    ClientEnd* e = f.rn.MakeEnd("e");
    f.rn.Connect("e", "server");
    Channel<bool> result(1);
    go("caller", [e, &result] {
      int reply = 0;
      result.send(e->Call("Echo.Double", 1, &reply));
    });
    REQUIRE(eventually([&] { return f.rn.GetTotalCount() == 1; }));  // taken up, disabled
    f.rn.Enable("e", true);
    int reply = 0;
    CHECK(e->Call("Echo.Double", 2, &reply));  // a new call goes through at once
    CHECK(reply == 4);
    const std::optional<bool> ok = result.recv_for(1s);
    REQUIRE(ok.has_value());
    CHECK_FALSE(*ok);
    CHECK(f.echo->calls() == 1);
  }

  // --- Partition ------------------------------------------------------------------

  TEST_CASE("partition_lets_peers_talk_only_inside_their_group") {
    World world("partition");
    Network rn(quick_faults());
    constexpr int kPeers = 3;
    std::vector<std::shared_ptr<EchoServer>> echoes;
    std::vector<std::vector<std::string>> ends(kPeers);
    std::vector<std::vector<ClientEnd*>> handles(kPeers);
    for (int j = 0; j < kPeers; ++j) {
      echoes.push_back(std::make_shared<EchoServer>());
      rn.AddServer("s" + std::to_string(j), echo_server(echoes.back()));
    }
    for (int i = 0; i < kPeers; ++i) {
      for (int j = 0; j < kPeers; ++j) {
        const std::string name = "e" + std::to_string(i) + std::to_string(j);
        handles[i].push_back(rn.MakeEnd(name));
        rn.Connect(name, "s" + std::to_string(j));
        ends[i].push_back(name);
      }
    }
    auto reach = [&](int i, int j) {
      int reply = 0;
      return handles[i][j]->Call("Echo.Double", 1, &reply) && reply == 2;
    };
    auto check = [&](const std::vector<std::vector<int>>& groups) {
      std::vector<int> group_of(kPeers, -1);
      for (size_t g = 0; g < groups.size(); ++g)
        for (int p : groups[g]) group_of[static_cast<size_t>(p)] = static_cast<int>(g);
      Partition(rn, ends, groups);
      for (int i = 0; i < kPeers; ++i) {
        for (int j = 0; j < kPeers; ++j) {
          const bool expected = group_of[i] >= 0 && group_of[i] == group_of[j];
          CHECK_MESSAGE(reach(i, j) == expected, "peer ", i, " -> peer ", j, " expected ",
                        expected);
        }
      }
    };
    check({{0, 1, 2}});
    check({{0, 1}, {2}});
    check({{0}, {1, 2}});
    check({{0, 1}});  // 2 in no group reaches nobody, not even itself
    check({});
    check({{2, 0}, {1}});
    rn.Cleanup();
    CHECK(world.end().empty());
  }

  // --- Faults -----------------------------------------------------------------------

  TEST_CASE("set_faults_dropping_every_request_fails_every_unreliable_call") {
    Fixture f;
    f.rn.Reliable(false);
    Faults faults;
    faults.short_delay_mod_ms = 1;
    faults.drop_request_per_mille = 1000;
    faults.drop_reply_per_mille = 0;
    f.rn.SetFaults(faults);
    CHECK(f.rn.GetFaults().drop_request_per_mille == 1000);
    ClientEnd* e = f.end("e");
    int succeeded = 0;
    for (int i = 0; i < 30; ++i) {
      int reply = 0;
      if (e->Call("Echo.Double", i, &reply)) ++succeeded;
    }
    CHECK(succeeded == 0);
    CHECK_MESSAGE(f.echo->calls() == 0, "a dropped request reached its handler");
    CHECK(f.rn.GetCount("server") == 0);
    CHECK(f.rn.GetTotalCount() == 30);
  }

  TEST_CASE("set_faults_without_drops_makes_every_unreliable_call_succeed") {
    Fixture f;
    f.rn.Reliable(false);
    Faults faults;
    faults.short_delay_mod_ms = 1;
    faults.drop_request_per_mille = 0;
    faults.drop_reply_per_mille = 0;
    f.rn.SetFaults(faults);
    ClientEnd* e = f.end("e");
    const TimePoint t0 = now();
    int succeeded = 0;
    for (int i = 0; i < 100; ++i) {
      int reply = 0;
      if (e->Call("Echo.Double", i, &reply) && reply == 2 * i) ++succeeded;
    }
    CHECK(succeeded == 100);
    CHECK(f.rn.GetCount("server") == 100);
    CHECK_MESSAGE(seconds_since(t0) < 1.0, "a 0 ms delay was waited out");
  }

  // With the default faults, about 10 % of requests and 10 % of replies are lost.
  TEST_CASE("unreliable_default_faults_drop_about_a_fifth_of_calls") {
    Fixture f;
    f.rn.Reliable(false);
    Faults faults;  // Go's rates
    faults.short_delay_mod_ms = 1;
    f.rn.SetFaults(faults);
    ClientEnd* e = f.end("e");
    constexpr int kCalls = 1000;
    int succeeded = 0;
    for (int i = 0; i < kCalls; ++i) {
      int reply = 0;
      if (e->Call("Echo.Double", i, &reply)) ++succeeded;
    }
    // Expected 810 (0.9 * 0.9); the bounds are > 6 standard deviations (12.4) away.
    CHECK(succeeded > 730);
    CHECK(succeeded < 890);
    // Handlers ran for the requests not dropped (expected 900).
    CHECK(f.rn.GetCount("server") > 820);
    CHECK(f.rn.GetCount("server") < 980);
    CHECK(f.rn.GetCount("server") >= succeeded);
  }

  TEST_CASE("long_reordering_delays_some_replies_by_at_least_200ms") {
    Fixture f;
    f.rn.LongReordering(true);
    Faults faults;
    faults.reorder_spread_ms = 1;  // every delayed reply waits exactly the 200 ms base
    f.rn.SetFaults(faults);
    constexpr int kCalls = 30;
    Channel<double> took(kCalls);
    for (int i = 0; i < kCalls; ++i) {
      ClientEnd* e = f.end("e" + std::to_string(i));
      go("caller", [e, i, &took] {
        const TimePoint t0 = now();
        int reply = 0;
        const bool ok = e->Call("Echo.Double", i, &reply) && reply == 2 * i;
        took.send(ok ? seconds_since(t0) : -1.0);
      });
    }
    int delayed = 0, prompt = 0;
    for (int i = 0; i < kCalls; ++i) {
      const std::optional<double> t = took.recv_for(2s);
      REQUIRE(t.has_value());
      REQUIRE_MESSAGE(*t >= 0, "a call failed on a reliable network");
      CHECK(*t < 1.0);
      if (*t >= 0.2) ++delayed;
      if (*t < 0.1) ++prompt;
    }
    // 2/3 are delayed: all 30 one way or the other has odds below 1e-5.
    CHECK_MESSAGE(delayed > 0, "no reply was reordered");
    CHECK_MESSAGE(prompt > 0, "every reply was delayed");
    CHECK(delayed + prompt == kCalls);
  }

  TEST_CASE("long_reordering_default_spread_delays_up_to_about_2s") {
    Fixture f;
    f.rn.LongReordering(true);
    Faults faults;
    faults.reorder_chance_in = faults.reorder_chance_of;  // every reply delayed
    f.rn.SetFaults(faults);
    ClientEnd* e = f.end("e");
    const TimePoint t0 = now();
    int reply = 0;
    CHECK(e->Call("Echo.Double", 21, &reply));
    CHECK(reply == 42);
    const double took = seconds_since(t0);
    CHECK(took >= 0.2);
    CHECK(took < 2.5);
  }

  // --- Counters ---------------------------------------------------------------------

  TEST_CASE("get_count_of_deleted_or_unknown_server_is_zero") {
    Fixture f;
    ClientEnd* e = f.end("e");
    for (int i = 0; i < 3; ++i) {
      int reply = 0;
      CHECK(e->Call("Echo.Double", i, &reply));
    }
    CHECK(f.rn.GetCount("server") == 3);
    f.rn.DeleteServer("server");
    CHECK(f.rn.GetCount("server") == 0);
    CHECK(f.rn.GetCount("never-added") == 0);
    // A restarted peer's new Server object starts at zero.
    f.rn.AddServer("server", echo_server(std::make_shared<EchoServer>()));
    CHECK(f.rn.GetCount("server") == 0);
    int reply = 0;
    CHECK(e->Call("Echo.Double", 1, &reply));
    CHECK(f.rn.GetCount("server") == 1);
  }

  TEST_CASE("total_count_counts_every_request_whatever_its_fate") {
    Fixture f;
    f.rn.SetFaults(quick_faults());
    ClientEnd* ok = f.end("ok");
    ClientEnd* off = f.rn.MakeEnd("off");
    f.rn.Connect("off", "server");
    int reply = 0;
    CHECK(ok->Call("Echo.Double", 1, &reply));
    CHECK_FALSE(off->Call("Echo.Double", 1, &reply));
    CHECK(f.rn.GetTotalCount() == 2);
    CHECK(f.rn.GetCount("server") == 1);
  }

  // Args bytes count at hand-over; reply bytes only when the reply is delivered.
  TEST_CASE("total_bytes_count_the_reply_only_when_delivered") {
    Fixture f;
    ClientEnd* e = f.end("e");
    const int64_t args_bytes = static_cast<int64_t>(encode(7).size());
    const int64_t reply_bytes = static_cast<int64_t>(encode(std::string("handler2-7")).size());
    std::string reply;
    CHECK(e->Call("Echo.Name", 7, &reply));
    CHECK(reply == "handler2-7");
    CHECK(f.rn.GetTotalBytes() == args_bytes + reply_bytes);

    f.rn.Reliable(false);
    Faults faults;
    faults.short_delay_mod_ms = 1;
    faults.drop_request_per_mille = 0;
    faults.drop_reply_per_mille = 1000;  // the handler runs, its reply is lost
    f.rn.SetFaults(faults);
    const int64_t before = f.rn.GetTotalBytes();
    for (int i = 0; i < 5; ++i) CHECK_FALSE(e->Call("Echo.Name", 7, &reply));
    CHECK(f.echo->calls() == 6);
    CHECK(f.rn.GetCount("server") == 6);
    CHECK(f.rn.GetTotalBytes() - before == 5 * args_bytes);
  }

  TEST_CASE("total_bytes_count_a_reordered_reply_at_delivery") {
    Fixture f;
    f.rn.LongReordering(true);
    Faults faults;
    faults.reorder_chance_in = faults.reorder_chance_of;  // every reply delayed
    faults.reorder_base_ms = 500;
    faults.reorder_spread_ms = 1;
    f.rn.SetFaults(faults);
    ClientEnd* e = f.end("e");
    const int64_t args_bytes = static_cast<int64_t>(encode(7).size());
    const int64_t reply_bytes = static_cast<int64_t>(encode(std::string("handler2-7")).size());
    Channel<bool> result(1);
    go("caller", [e, &result] {
      std::string reply;
      result.send(e->Call("Echo.Name", 7, &reply) && reply == "handler2-7");
    });
    REQUIRE(eventually([&] { return f.echo->calls() == 1; }));
    lab::sleep(20ms);  // the handler has returned; its reply is held back for 500 ms
    CHECK(f.rn.GetTotalBytes() == args_bytes);
    const std::optional<bool> ok = result.recv_for(2s);
    REQUIRE(ok.has_value());
    CHECK(*ok);
    CHECK(f.rn.GetTotalBytes() == args_bytes + reply_bytes);
  }

  TEST_CASE("call_on_failed_path_leaves_reply_untouched") {
    Fixture f;
    f.rn.SetFaults(quick_faults());
    ClientEnd* e = f.rn.MakeEnd("nowhere");  // unconnected
    f.rn.Enable("nowhere", true);
    std::string reply = "untouched";
    CHECK_FALSE(e->Call("Echo.Name", 1, &reply));
    CHECK(reply == "untouched");
    f.rn.Connect("nowhere", "no-such-server");
    CHECK_FALSE(e->Call("Echo.Name", 1, &reply));
    CHECK(reply == "untouched");
    CHECK(f.rn.GetTotalCount() == 2);
  }
}
