// labrpc throughput on a reliable network with one server, as the Go anchor measures it.
// usage: labrpc_bench SCENARIO [SECONDS]
//   one   - one client, int argument
//   ten   - ten concurrent clients, int argument
//   kib   - one client, 1 KiB string argument
// Prints one line: scenario, calls, seconds, calls/s, CPU seconds, peak RSS (KiB).
// scripts/bench.sh runs each scenario several times and reports medians.
#include "labrpc/labrpc.hpp"

#include "bench/process_usage.hpp"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

class Echo {
 public:
  void Int(const int& x, int* reply) { *reply = x + 1; }
  void Str(const std::string& s, int* reply) { *reply = static_cast<int>(s.size()); }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s one|ten|kib [seconds]\n", argv[0]);
    return 2;
  }
  const std::string scenario = argv[1];
  const double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  const int clients = scenario == "ten" ? 10 : 1;
  if (scenario != "one" && scenario != "ten" && scenario != "kib") {
    std::fprintf(stderr, "unknown scenario %s\n", scenario.c_str());
    return 2;
  }

  std::atomic<long> calls{0};
  double elapsed = 0, cpu = 0;
  {
    lab::World world("labrpc bench");
    lab::Network net;
    auto svc = std::make_shared<lab::Service>("Echo");
    auto echo = std::make_shared<Echo>();
    svc->Add("Int", echo, &Echo::Int);
    svc->Add("Str", echo, &Echo::Str);
    auto server = std::make_shared<lab::Server>();
    server->AddService(svc);
    net.AddServer("server", server);

    std::vector<lab::ClientEnd*> ends;
    for (int i = 0; i < clients; ++i) {
      const std::string name = "client" + std::to_string(i);
      ends.push_back(net.MakeEnd(name));
      net.Connect(name, "server");
      net.Enable(name, true);
    }
    const std::string kib(1024, 'x');
    std::atomic<bool> stop{false};
    lab::WaitGroup wg;
    const double cpu0 = bench::cpu_seconds();
    const lab::TimePoint t0 = lab::now();
    for (lab::ClientEnd* end : ends) {
      wg.add();
      lab::go("bench client", [&, end] {
        long mine = 0;
        int reply = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          const bool ok = scenario == "kib" ? end->Call("Echo.Str", kib, &reply)
                                            : end->Call("Echo.Int", 41, &reply);
          if (!ok) lab::fatal("bench: call failed on a reliable network");
          ++mine;
        }
        calls += mine;
        wg.done();
      });
    }
    lab::sleep(std::chrono::duration_cast<lab::Duration>(std::chrono::duration<double>(seconds)));
    stop = true;
    wg.wait();
    elapsed = lab::seconds_since(t0);
    cpu = bench::cpu_seconds() - cpu0;
    net.Cleanup();
  }
  std::printf("%s calls=%ld seconds=%.3f calls_per_s=%.0f cpu_s=%.3f peak_rss_kib=%ld\n",
              scenario.c_str(), calls.load(), elapsed, static_cast<double>(calls.load()) / elapsed,
              cpu, bench::peak_rss_kib());
  return 0;
}
