// The network's fault model: every delay, drop rate and probability labrpc uses, in one
// struct whose defaults are the Go labrpc's values (Go: labrpc/labrpc.go, processReq). A
// test or an
// instructor may tune it per network with Network::SetFaults.
#pragma once

namespace lab {

struct Faults {
  // Unreliable network: a request waits rand(0 .. short_delay_mod_ms-1) ms before delivery.
  int short_delay_mod_ms = 27;
  // Unreliable network: chance (per mille) that a request is lost; the handler never runs.
  int drop_request_per_mille = 100;
  // Unreliable network: chance (per mille) that the reply is lost after the handler ran.
  int drop_reply_per_mille = 100;
  // Long reordering: reorder_chance_in of reorder_chance_of replies are delayed by
  // reorder_base_ms + rand(0 .. rand(0 .. reorder_spread_ms-1)) ms (skewed low).
  int reorder_chance_in = 600;
  int reorder_chance_of = 900;
  int reorder_base_ms = 200;
  int reorder_spread_ms = 2000;
  // A call to a disabled, unconnected or missing target answers false after
  // rand(0 .. long_delay_mod_ms-1) ms with long delays on, else rand(0 .. short_timeout_mod_ms-1).
  int long_delay_mod_ms = 7000;
  int short_timeout_mod_ms = 100;
  // Go polls every 100 ms for a target that dies during its handler; this port is
  // event-driven and notices at once, well inside that bound.
};

}  // namespace lab
