// The helpers of the Go lab's kvraft/test_test.go shared by the 3A and 3B tests (see
// test_3_common.hpp): the same steps, constants and messages as Go.
#include "tester/test_3_common.hpp"

#include "tester/op_pacer.hpp"

#include <atomic>
#include <cstdio>
#include <memory>

namespace tester {

namespace {

// Go's time.Duration.String(): "33.333333ms", "1.5s", "2m0.5s".
std::string go_duration(lab::Duration d) {
  int64_t ns = d.count();
  const std::string sign = ns < 0 ? "-" : "";
  const uint64_t u = ns < 0 ? static_cast<uint64_t>(-ns) : static_cast<uint64_t>(ns);
  if (u == 0) return "0s";
  // whole units plus the fraction (at most `digits` digits, trailing zeros dropped)
  auto fixed = [](uint64_t value, uint64_t scale, int digits) {
    std::string s = std::to_string(value / scale);
    uint64_t frac = value % scale;
    if (frac != 0) {
      std::string f = std::to_string(frac);
      f.insert(0, static_cast<size_t>(digits) - f.size(), '0');
      while (!f.empty() && f.back() == '0') f.pop_back();
      s += "." + f;
    }
    return s;
  };
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + fixed(u, 1000, 3) + "µs";
  if (u < 1000000000) return sign + fixed(u, 1000000, 6) + "ms";
  const uint64_t hours = u / 3600000000000ULL;
  const uint64_t minutes = u / 60000000000ULL % 60;
  std::string out = sign;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  return out + fixed(u % 60000000000ULL, 1000000000, 9) + "s";
}

// a client runs the function f and then signals it is done
void run_client(KvConfig& cfg, int me, lab::Channel<bool>& ca, const ClientFn& fn) {
  bool ok = false;
  // Go: defer func() { ca <- ok }(). The channel has room, so the send never blocks.
  struct SignalDone {
    lab::Channel<bool>& ca;
    const bool& ok;
    ~SignalDone() {
      try {
        ca.send(ok);
      } catch (...) {
      }
    }
  } signal_done{ca, ok};
  std::shared_ptr<kvraft::Clerk> ck = cfg.makeClient(cfg.All());
  fn(me, *ck);
  ok = true;
  cfg.deleteClient(ck);
}

// repartition the servers periodically
void partitioner(KvConfig& cfg, lab::Channel<bool>& ch, const std::atomic<bool>& done) {
  while (!done.load()) {
    std::vector<int> a(static_cast<size_t>(cfg.n()));
    for (int i = 0; i < cfg.n(); i++) a[i] = static_cast<int>(cfg.rand_int() % 2);
    std::vector<int> pa[2];
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < cfg.n(); j++) {
        if (a[j] == i) pa[i].push_back(j);
      }
    }
    cfg.partition(pa[0], pa[1]);
    lab::sleep(kElectionTimeout + std::chrono::milliseconds(cfg.rand_int() % 200));
  }
  ch.send(true);
}

}  // namespace

void check(KvConfig& cfg, kvraft::Clerk& ck, const std::string& key, const std::string& value) {
  const std::string v = Get(cfg, ck, key, nullptr, -1);
  if (v != value) cfg.fail(cat("Get(", key, "): expected:\n", value, "\nreceived:\n", v));
}

// spawn ncli clients and wait until they are all done
void spawn_clients_and_wait(KvConfig& cfg, int ncli, const ClientFn& fn) {
  std::vector<std::shared_ptr<lab::Channel<bool>>> ca;
  for (int cli = 0; cli < ncli; cli++) {
    ca.push_back(std::make_shared<lab::Channel<bool>>(1));
    lab::go(cat("client ", cli),
            [&cfg, cli, done = ca.back(), fn] { run_client(cfg, cli, *done, fn); });
  }
  KvConfig::Awaiting awaiting(cfg, cat("spawn_clients_and_wait(", ncli, " clients)"));
  for (int cli = 0; cli < ncli; cli++) {
    const std::optional<bool> ok = ca[cli]->recv();
    if (!ok.value_or(false)) cfg.fail("failure");
  }
}

std::string NextValue(const std::string& prev, const std::string& val) { return prev + val; }

// Every occurrence starts with "x <clnt> ", followed by j's digits (j's own decimal form:
// no sign, no leading zero) and " y".
std::vector<std::pair<size_t, size_t>> appendOffsets(const std::string& v, int clnt, int count) {
  constexpr size_t npos = std::string::npos;
  std::vector<std::pair<size_t, size_t>> where(static_cast<size_t>(count), {npos, npos});
  const std::string prefix = cat("x ", clnt, " ");
  for (size_t at = v.find(prefix); at != npos; at = v.find(prefix, at + 1)) {
    const size_t digits = at + prefix.size();
    size_t end = digits;
    int64_t j = 0;
    while (end < v.size() && end - digits < 11 && v[end] >= '0' && v[end] <= '9') {
      j = j * 10 + (v[end++] - '0');
    }
    const size_t n = end - digits;
    if (n == 0 || n > 10 || (n > 1 && v[digits] == '0') || v.compare(end, 2, " y") != 0 ||
        j >= count) {
      continue;
    }
    auto& [first, last] = where[static_cast<size_t>(j)];
    if (first == npos) first = at;
    last = at;
  }
  return where;
}

void checkClntAppends(KvConfig& cfg, int clnt, const std::string& v, int count) {
  const auto where = appendOffsets(v, clnt, count);
  int64_t lastoff = -1;
  for (int j = 0; j < count; j++) {
    const auto [off, off1] = where[static_cast<size_t>(j)];
    const std::string wanted = cat("x ", clnt, " ", j, " y");
    if (off == std::string::npos) {
      cfg.fail(cat(clnt, " missing element ", wanted, " in Append result ", v));
    }
    if (off1 != off) cfg.fail(cat("duplicate element ", wanted, " in Append result"));
    if (static_cast<int64_t>(off) <= lastoff) {
      cfg.fail(cat("wrong order for element ", wanted, " in Append result"));
    }
    lastoff = static_cast<int64_t>(off);
  }
}

void checkConcurrentAppends(KvConfig& cfg, const std::string& v, const std::vector<int>& counts) {
  for (int i = 0; i < static_cast<int>(counts.size()); i++) checkClntAppends(cfg, i, v, counts[i]);
}

void checkLinearizable(KvConfig& cfg, const std::vector<porcupine::KvDigestOperation>& history) {
  const porcupine::KvCheck res =
      porcupine::CheckKvDigestsVerbose(history, kLinearizabilityCheckTimeout);
  if (res.result == porcupine::CheckResult::Illegal) {
    const std::string path = cfg.make_picture_file();
    if (path.empty()) {
      std::printf("info: failed to create temp file for visualization\n");
    } else {
      try {
        porcupine::VisualizeKvDigests(history, res, path);
        std::printf("info: wrote history visualization to %s\n", path.c_str());
        cfg.set_picture(path);
      } catch (const std::exception& e) {
        std::printf("info: failed to write history visualization to %s\n", path.c_str());
        std::printf("info: %s\n", e.what());
      }
    }
    std::fflush(stdout);
    cfg.fail("history is not linearizable");
  } else if (res.result == porcupine::CheckResult::Unknown) {
    std::printf("info: linearizability check timed out, assuming history is ok\n");
    std::fflush(stdout);
  }
}

void GenericTest(const std::string& part, int nclients, int nservers, bool unreliable, bool crash,
                 bool partitions, int maxraftstate, bool randomkeys) {
  std::string title = "Test: ";
  if (unreliable) {
    // the network drops RPC requests and replies.
    title = title + "unreliable net, ";
  }
  if (crash) {
    // peers re-start, and thus persistence must work.
    title = title + "restarts, ";
  }
  if (partitions) {
    // the network may partition
    title = title + "partitions, ";
  }
  if (maxraftstate != -1) {
    title = title + "snapshots, ";
  }
  if (randomkeys) {
    title = title + "random keys, ";
  }
  if (nclients > 1) {
    title = title + "many clients";
  } else {
    title = title + "one client";
  }
  title = title + " (" + part + ")";  // 3A or 3B

  KvConfig cfg(nservers, unreliable, maxraftstate);

  cfg.begin(title);

  // Shared with the tasks, which may outlive this scope if the test fails (until cfg's
  // destructor ends them).
  struct Shared {
    OpLog opLog;
    std::atomic<bool> done_partitioner{false};
    std::atomic<bool> done_clients{false};
    lab::Channel<bool> ch_partitioner{1};
    std::vector<std::shared_ptr<lab::Channel<int>>> clnts;
    OpPacer pacer{OpPacer::rate_from_env()};  // off unless a benchmark sets it
  };
  auto shared = std::make_shared<Shared>();

  std::shared_ptr<kvraft::Clerk> ck = cfg.makeClient(cfg.All());

  for (int i = 0; i < nclients; i++) {
    shared->clnts.push_back(std::make_shared<lab::Channel<int>>(1));
  }
  for (int i = 0; i < 3; i++) {
    shared->done_clients.store(false);
    shared->done_partitioner.store(false);
    ClientFn client = [&cfg, shared, nclients, randomkeys](int cli, kvraft::Clerk& myck) {
      int j = 0;
      std::string last;  // only used when not randomkeys
      if (!randomkeys) Put(cfg, myck, std::to_string(cli), last, &shared->opLog, cli);
      while (!shared->done_clients.load()) {
        std::string key;
        if (randomkeys) {
          key = std::to_string(cfg.rand_intn(nclients));
        } else {
          key = std::to_string(cli);
        }
        const std::string nv = cat("x ", cli, " ", j, " y");
        if (cfg.rand_int() % 1000 < 500) {
          Append(cfg, myck, key, nv, &shared->opLog, cli);
          if (!randomkeys) last = NextValue(last, nv);
          j++;
        } else if (randomkeys && cfg.rand_int() % 1000 < 100) {
          // we only do this when using random keys, because it would break the check
          // done after Get() operations
          Put(cfg, myck, key, nv, &shared->opLog, cli);
          j++;
        } else {
          const std::string v = Get(cfg, myck, key, &shared->opLog, cli);
          // the following check only makes sense when we're not using random keys
          if (!randomkeys && v != last) {
            cfg.fail(cat("get wrong value, key ", key, ", wanted:\n", last, "\n, got\n", v));
          }
        }
        shared->pacer.wait();
      }
      shared->clnts[cli]->send(j);
    };
    lab::go("spawn_clients_and_wait", [&cfg, nclients, client] {
      spawn_clients_and_wait(cfg, nclients, client);
    });

    if (partitions) {
      // Allow the clients to perform some operations without interruption
      lab::sleep(std::chrono::seconds(1));
      lab::go("partitioner", [&cfg, shared] {
        partitioner(cfg, shared->ch_partitioner, shared->done_partitioner);
      });
    }
    lab::sleep(std::chrono::seconds(5));

    shared->done_clients.store(true);      // tell clients to quit
    shared->done_partitioner.store(true);  // tell partitioner to quit

    if (partitions) {
      {
        KvConfig::Awaiting awaiting(cfg, "the partitioner");
        shared->ch_partitioner.recv();
      }
      // reconnect network and submit a request. A client may have submitted a request
      // in a minority. That request won't return until that server discovers a new term
      // has started.
      cfg.ConnectAll();
      // wait for a while so that we have a new term
      lab::sleep(kElectionTimeout);
    }

    if (crash) {
      for (int s = 0; s < nservers; s++) cfg.ShutdownServer(s);
      // Wait for a while for servers to shutdown, since shutdown isn't a real crash and
      // isn't instantaneous
      lab::sleep(kElectionTimeout);
      // crash and re-start all
      for (int s = 0; s < nservers; s++) cfg.StartServer(s);
      cfg.ConnectAll();
    }

    for (int c = 0; c < nclients; c++) {
      std::optional<int> j;
      {
        KvConfig::Awaiting awaiting(cfg, cat("client ", c, " to finish"));
        j = shared->clnts[c]->recv();
      }
      const std::string key = std::to_string(c);
      const std::string v = Get(cfg, *ck, key, &shared->opLog, 0);
      if (!randomkeys) checkClntAppends(cfg, c, v, j.value_or(0));
    }

    if (maxraftstate > 0) {
      // Check maximum after the servers have processed all client requests and had time
      // to checkpoint.
      const size_t sz = cfg.LogSize();
      if (sz > 8 * static_cast<size_t>(maxraftstate)) {
        cfg.fail(cat("logs were not trimmed (", sz, " > 8*", maxraftstate, ")"));
      }
    }
    if (maxraftstate < 0) {
      // Check that snapshots are not used
      const size_t ssz = cfg.SnapshotSize();
      if (ssz > 0) {
        cfg.fail(cat("snapshot too large (", ssz, "), should not be used when maxraftstate = ",
                     maxraftstate));
      }
    }
  }

  checkLinearizable(cfg, shared->opLog.Read());

  cfg.end();
}

void GenericTestSpeed(const std::string& part, int maxraftstate) {
  const int nservers = 3;
  const int numOps = 1000;
  KvConfig cfg(nservers, false, maxraftstate);

  std::shared_ptr<kvraft::Clerk> ck = cfg.makeClient(cfg.All());

  cfg.begin(cat("Test: ops complete fast enough (", part, ")"));

  const lab::Duration timePerOp = [] {
    // heartbeat interval should be ~ 100 ms; require at least 3 ops per
    const lab::Duration heartbeatInterval = std::chrono::milliseconds(100);
    const int opsPerInterval = 3;
    return heartbeatInterval / opsPerInterval;
  }();

  lab::Duration dur{};
  {
    KvConfig::Awaiting awaiting(cfg, "the speed test's raw Get and Appends");
    // wait until first op completes, so we know a leader is elected and KV servers are
    // ready to process client requests
    ck->Get("x");

    const lab::TimePoint start = lab::now();
    for (int i = 0; i < numOps; i++) ck->Append("x", cat("x 0 ", i, " y"));
    dur = lab::now() - start;
  }

  const std::string v = ck->Get("x");
  checkClntAppends(cfg, 0, v, numOps);

  if (dur > numOps * timePerOp) {
    cfg.fail(cat("Operations completed too slowly ", go_duration(dur / numOps), "/op > ",
                 go_duration(timePerOp), "/op"));
  }

  cfg.end();
}

}  // namespace tester
