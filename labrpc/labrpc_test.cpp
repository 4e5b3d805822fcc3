// labrpc's own tests: the eleven Go labrpc tests (same names, same checks; byte bounds
// re-derived for the cereal encoding), plus the port's extras: fault config, partitions,
// bad input and teardown.
#include "labrpc/labrpc.hpp"

#include <doctest/doctest.h>

#include "labrpc/network_fixture.hpp"

#include <atomic>
#include <cstdio>

namespace {

using namespace lab;

struct JunkArgs {
  int64_t X = 0;
  template <class A>
  void serialize(A& ar) {
    ar(X);
  }
};
struct JunkReply {
  std::string X;
  template <class A>
  void serialize(A& ar) {
    ar(X);
  }
};

// Go's JunkServer.
class JunkServer {
 public:
  void Handler1(const std::string& args, int* reply) {
    Lock lock(mu_);
    log1_.push_back(args);
    *reply = std::stoi(args);
  }
  void Handler2(const int& args, std::string* reply) {
    Lock lock(mu_);
    log2_.push_back(args);
    *reply = "handler2-" + std::to_string(args);
  }
  void Handler3(const int& args, int* reply) {
    Lock lock(mu_);
    lab::sleep(20s);
    *reply = -args;
  }
  // Go's pointer-args handler; C++ passes a const reference.
  void Handler4(const JunkArgs&, JunkReply* reply) { reply->X = "pointer"; }
  // Go's value-args handler; C++ passes by value.
  void Handler5(JunkArgs, JunkReply* reply) { reply->X = "no pointer"; }
  void Handler6(const std::string& args, int* reply) { *reply = static_cast<int>(args.size()); }
  void Handler7(const int& args, std::string* reply) { *reply = std::string(args, 'y'); }

  std::vector<int> log2() {
    Lock lock(mu_);
    return log2_;
  }

 private:
  Mutex mu_;
  std::vector<std::string> log1_;
  std::vector<int> log2_;
};

std::shared_ptr<Server> junk_server(std::shared_ptr<JunkServer> js) {
  auto svc = std::make_shared<Service>("JunkServer");
  svc->Add("Handler1", js, &JunkServer::Handler1);
  svc->Add("Handler2", js, &JunkServer::Handler2);
  svc->Add("Handler3", js, &JunkServer::Handler3);
  svc->Add("Handler4", js, &JunkServer::Handler4);
  svc->Add("Handler5", js, &JunkServer::Handler5);
  svc->Add("Handler6", js, &JunkServer::Handler6);
  svc->Add("Handler7", js, &JunkServer::Handler7);
  auto rs = std::make_shared<Server>();
  rs->AddService(svc);
  return rs;
}

// Go's setup: a network with one JunkServer under the name "server99".
struct Fixture : NetworkFixture<JunkServer> {
  Fixture() : NetworkFixture("labrpc test", "server99", junk_server) {}
  JunkServer* js = handler.get();
};

}  // namespace

TEST_SUITE("labrpc") {
  TEST_CASE("TestBasic") {
    Fixture f;
    ClientEnd* e = f.end("end1-99");
    std::string reply;
    CHECK(e->Call("JunkServer.Handler2", 111, &reply));
    CHECK(reply == "handler2-111");
    int reply1 = 0;
    CHECK(e->Call("JunkServer.Handler1", std::string("9099"), &reply1));
    CHECK(reply1 == 9099);
  }

  TEST_CASE("TestTypes") {
    Fixture f;
    ClientEnd* e = f.end("end1-99");
    JunkReply reply;
    CHECK(e->Call("JunkServer.Handler4", JunkArgs{}, &reply));
    CHECK(reply.X == "pointer");
    reply = {};
    CHECK(e->Call("JunkServer.Handler5", JunkArgs{}, &reply));
    CHECK(reply.X == "no pointer");
  }

  TEST_CASE("TestDisconnect") {
    Fixture f;
    ClientEnd* e = f.rn.MakeEnd("end1-99");
    f.rn.Connect("end1-99", "server99");
    std::string reply;
    CHECK_FALSE(e->Call("JunkServer.Handler2", 111, &reply));
    CHECK_MESSAGE(reply.empty(), "unexpected reply");
    f.rn.Enable("end1-99", true);
    int reply1 = 0;
    CHECK(e->Call("JunkServer.Handler1", std::string("9099"), &reply1));
    CHECK(reply1 == 9099);
  }

  TEST_CASE("TestCounts") {
    Fixture f;
    ClientEnd* e = f.end("end1-99");
    for (int i = 0; i < 17; ++i) {
      std::string reply;
      CHECK(e->Call("JunkServer.Handler2", i, &reply));
      CHECK(reply == "handler2-" + std::to_string(i));
    }
    CHECK_MESSAGE(f.rn.GetCount("server99") == 17, "wrong GetCount() ",
                  f.rn.GetCount("server99"), ", expected 17");
  }

  // The Go bounds hold gob's overhead; cereal's binary archive adds 8 bytes per string
  // (its length) and nothing per int: string -> int costs 8 + 4 bytes of framing per
  // round trip, int -> string 4 + 8. Lower bounds stay at the payload.
  TEST_CASE("TestBytes") {
    Fixture f;
    ClientEnd* e = f.end("end1-99");
    std::string payload;
    for (int i = 0; i < 71; ++i) payload += "abcd";  // 284 characters
    for (int i = 0; i < 17; ++i) {
      int reply = 0;
      CHECK(e->Call("JunkServer.Handler6", payload, &reply));
      CHECK(reply == static_cast<int>(payload.size()));
    }
    const int64_t n = f.rn.GetTotalBytes();
    CHECK_MESSAGE((n >= 4828 && n <= 4828 + 17 * 12), "wrong GetTotalBytes() ", n,
                  ", expected about 5000");
    for (int i = 0; i < 17; ++i) {
      std::string reply;
      CHECK(e->Call("JunkServer.Handler7", 107, &reply));
      CHECK(reply.size() == 107);
    }
    const int64_t n2 = f.rn.GetTotalBytes() - n;
    CHECK_MESSAGE((n2 >= 1800 && n2 <= 17 * (107 + 12)), "wrong GetTotalBytes() ", n2,
                  ", expected about 2000");
  }

  TEST_CASE("TestConcurrentMany") {
    Fixture f;
    constexpr int kClients = 20, kCalls = 10;
    Channel<int> done(kClients);
    for (int i = 0; i < kClients; ++i) {
      ClientEnd* e = f.end("end" + std::to_string(i));
      go("client", [e, &done] {
        int ok = 0;
        for (int j = 0; j < kCalls; ++j) {
          std::string reply;
          if (e->Call("JunkServer.Handler2", j, &reply) && reply == "handler2-" + std::to_string(j))
            ++ok;
        }
        done.send(ok);
      });
    }
    int total = 0;
    for (int i = 0; i < kClients; ++i) total += done.recv().value_or(0);
    CHECK_MESSAGE(total == kClients * kCalls, "wrong number of RPCs completed, got ", total);
    CHECK(f.rn.GetCount("server99") == kClients * kCalls);
  }

  TEST_CASE("TestUnreliable") {
    Fixture f;
    f.rn.Reliable(false);
    constexpr int kClients = 300;
    Channel<int> done(kClients);
    for (int i = 0; i < kClients; ++i) {
      ClientEnd* e = f.end("end" + std::to_string(i));
      go("client", [e, i, &done] {
        std::string reply;
        const bool ok = e->Call("JunkServer.Handler2", 100 + i, &reply);
        done.send(ok && reply == "handler2-" + std::to_string(100 + i) ? 1 : 0);
      });
    }
    int total = 0;
    for (int i = 0; i < kClients; ++i) total += done.recv().value_or(0);
    CHECK_MESSAGE(total != kClients, "all RPCs succeeded despite unreliable");
    CHECK_MESSAGE(total != 0, "no RPCs succeeded despite unreliable");
  }

  TEST_CASE("TestConcurrentOne") {
    Fixture f;
    ClientEnd* e = f.end("end1-99");
    constexpr int kCalls = 20;
    Channel<int> done(kCalls);
    for (int i = 0; i < kCalls; ++i) {
      go("caller", [e, i, &done] {
        std::string reply;
        const bool ok = e->Call("JunkServer.Handler2", 100 + i, &reply);
        done.send(ok && reply == "handler2-" + std::to_string(100 + i) ? 1 : 0);
      });
    }
    int total = 0;
    for (int i = 0; i < kCalls; ++i) total += done.recv().value_or(0);
    CHECK(total == kCalls);
    CHECK_MESSAGE(f.js->log2().size() == kCalls, "wrong number of RPCs delivered");
    CHECK(f.rn.GetCount("server99") == kCalls);
  }

  // Regression: a call on an end enabled after earlier calls on it failed must not be
  // delayed behind them.
  TEST_CASE("TestRegression1") {
    Fixture f;
    ClientEnd* e = f.rn.MakeEnd("end1-99");
    f.rn.Connect("end1-99", "server99");
    f.rn.Enable("end1-99", false);
    constexpr int kCalls = 20;
    WaitGroup wg;
    for (int i = 0; i < kCalls; ++i) {
      wg.add();
      go("disabled caller", [e, i, &wg] {
        std::string reply;
        e->Call("JunkServer.Handler2", 100 + i, &reply);
        wg.done();
      });
    }
    lab::sleep(100ms);
    const TimePoint t0 = now();
    f.rn.Enable("end1-99", true);
    std::string reply;
    CHECK(e->Call("JunkServer.Handler2", 99, &reply));
    CHECK(reply == "handler2-99");
    const double took = seconds_since(t0);
    CHECK_MESSAGE(took <= 0.03, "RPC took too long (", took, ") after Enable");
    wg.wait();
    CHECK_MESSAGE(f.js->log2().size() == 1, "wrong number of RPCs delivered");
    CHECK(f.rn.GetCount("server99") == 1);
  }

  // A handler that is still running when its server is deleted: the call must return
  // false promptly, and teardown must not wait for the handler's 20-second sleep.
  TEST_CASE("TestKilled") {
    Fixture f;
    ClientEnd* e = f.end("end1-99");
    Channel<bool> done(1);
    go("caller", [e, &done] {
      int reply = 0;
      done.send(e->Call("JunkServer.Handler3", 99, &reply));
    });
    lab::sleep(1s);
    CHECK_MESSAGE(!done.recv_for(100ms), "Handler3 returned prematurely");
    f.rn.DeleteServer("server99");
    const std::optional<bool> ok = done.recv_for(100ms);
    REQUIRE_MESSAGE(ok.has_value(), "Handler3 should return after DeleteServer()");
    CHECK_FALSE(*ok);
  }

  TEST_CASE("TestBenchmark") {
    Fixture f;
    ClientEnd* e = f.end("end1-99");
    const TimePoint t0 = now();
    constexpr int kCalls = 100000;
    for (int i = 0; i < kCalls; ++i) {
      std::string reply;
      e->Call("JunkServer.Handler2", 111, &reply);
      REQUIRE(reply == "handler2-111");
    }
    std::printf("%.2f us/RPC\n", seconds_since(t0) * 1e6 / kCalls);
  }
}
