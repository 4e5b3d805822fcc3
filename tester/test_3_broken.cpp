// Lab 3's linearizability check against deliberately broken servers. Each test plants a
// classic student bug in front of the reference kvserver (in the service the network
// dispatches "KVServer" calls to, so kvraft/ stays correct), runs clerks against it, and
// checks the history as GenericTest does: the check must fail with "history is not
// linearizable" and leave the history picture for the failure report.
//
// Not a lab part: `make test` runs this suite, `make test-3` and the grader do not.
// Run: build/kv_test -ts=broken-servers.
#include <doctest/doctest.h>

#include "tester/test_3_common.hpp"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

namespace {

using tester::Append;
using tester::cat;
using tester::Get;
using tester::KvConfig;
using tester::OpLog;
using tester::report;

// Clerk ids for the requests the forgetful server passes on: negative, so unlike any
// clerk's (nrand() draws 62-bit non-negative ids), and unique across its servers.
std::atomic<int64_t> g_forgotten_client{-1};

// Gives the request a clerk id never seen before. The reference PutAppendArgs names the
// clerk ClientId; the handout's has only the Go skeleton's fields (students add their
// own), and this file must compile there too.
template <class Args>
void forget_clerk(Args& args) {
  if constexpr (requires { args.ClientId; }) args.ClientId = g_forgotten_client.fetch_sub(1);
}

// No duplicate detection: every PutAppend reaches the server as if from a new clerk, so
// a retry whose first try was applied (its reply lost) is applied again.
std::shared_ptr<lab::Service> ForgetfulService(std::shared_ptr<kvraft::KVServer> kv) {
  auto service = kvraft::MakeService(kv);
  service->AddTyped<kvraft::PutAppendArgs, kvraft::PutAppendReply>(
      "PutAppend", [kv](const kvraft::PutAppendArgs& args, kvraft::PutAppendReply* reply) {
        kvraft::PutAppendArgs fresh = args;
        forget_clerk(fresh);
        kv->PutAppend(fresh, reply);
      });
  return service;
}

// Reads served without the log: every other Get of a key is answered from the value
// the last Get through the log returned, however old it is by now.
std::shared_ptr<lab::Service> CachingService(std::shared_ptr<kvraft::KVServer> kv) {
  struct Cache {
    lab::Mutex mu;
    std::map<std::string, std::string> values;
    int64_t gets = 0;
  };
  auto cache = std::make_shared<Cache>();
  auto service = kvraft::MakeService(kv);
  service->AddTyped<kvraft::GetArgs, kvraft::GetReply>(
      "Get", [kv, cache](const kvraft::GetArgs& args, kvraft::GetReply* reply) {
        {
          lab::Lock lock(cache->mu);
          const auto cached = cache->values.find(args.Key);
          if (cached != cache->values.end() && ++cache->gets % 2 == 0) {
            reply->Err = kvraft::OK;
            reply->Value = cached->second;
            return;
          }
        }
        kv->Get(args, reply);
        if (reply->Err == kvraft::OK) {
          lab::Lock lock(cache->mu);
          cache->values[args.Key] = reply->Value;
        }
      });
  return service;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Three clerks each make 100 operations on two keys, half of them appends of unique
// values and half gets; then one clerk reads both keys. The history must be found not
// linearizable, with its picture written and named in the failure report.
void expect_not_linearizable(KvConfig& cfg) {
  const int nclients = 3;
  const int nkeys = 2;
  auto opLog = std::make_shared<OpLog>();
  tester::spawn_clients_and_wait(cfg, nclients, [&cfg, opLog](int cli, kvraft::Clerk& myck) {
    for (int j = 0; j < 100; j++) {
      const std::string key = std::to_string(cfg.rand_intn(nkeys));
      if (cfg.rand_int() % 2 == 0) {
        Append(cfg, myck, key, cat("x ", cli, " ", j, " y"), opLog.get(), cli);
      } else {
        Get(cfg, myck, key, opLog.get(), cli);
      }
    }
  });
  std::shared_ptr<kvraft::Clerk> ck = cfg.makeClient(cfg.All());
  for (int key = 0; key < nkeys; key++) Get(cfg, *ck, std::to_string(key), opLog.get(), nclients);

  CHECK_THROWS_WITH(tester::checkLinearizable(cfg, opLog->Read()), "history is not linearizable");
  const std::string picture = report().picture;
  REQUIRE_MESSAGE(!picture.empty(), "no history picture was written");
  const std::string page = read_file(picture);
  CHECK(page.find("\"result\":\"Illegal\"") != std::string::npos);
  CHECK(page.find("Invalid LP") != std::string::npos);
  std::remove(picture.c_str());
}

}  // namespace

TEST_SUITE("broken-servers") {

TEST_CASE("NoDuplicateDetectionIsNotLinearizable") {
  // Unreliable: lost replies make the clerks retry requests that were applied.
  KvConfig cfg(3, true, -1, ForgetfulService);
  expect_not_linearizable(cfg);
}

TEST_CASE("StaleReadsAreNotLinearizable") {
  KvConfig cfg(3, false, -1, CachingService);
  expect_not_linearizable(cfg);
}

}  // TEST_SUITE
