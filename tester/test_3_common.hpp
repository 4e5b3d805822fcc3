// What the Lab 3 tests share (the helpers of the Go lab's kvraft/test_test.go): checks of
// values and append results, concurrent clients, the partitioner, and the two test
// drivers GenericTest and GenericTestSpeed.
//
// Called from the tests' main thread; client bodies run on tasks of the test's World.
#pragma once

#include "tester/kv_config.hpp"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace tester {

// A counted, unlogged Get that must return `value`.
void check(KvConfig& cfg, kvraft::Clerk& ck, const std::string& key, const std::string& value);

// Runs fn(me, clerk) for me = 0..ncli-1, each on its own task with its own clerk
// (connected to every server), and waits for all of them; fails with "failure" when one
// did not finish.
using ClientFn = std::function<void(int me, kvraft::Clerk& ck)>;
void spawn_clients_and_wait(KvConfig& cfg, int ncli, const ClientFn& fn);

// predict effect of Append(k, val) if old value is prev.
std::string NextValue(const std::string& prev, const std::string& val);

// Where "x <clnt> <j> y" first and last occurs in v, for each j < count (npos: nowhere):
// what v.find and v.rfind of each element say, found in one pass over v. Searching for
// each element in turn costs O(count * |v|), and a fast server's one client makes tens of
// thousands of appends: seconds per check.
std::vector<std::pair<size_t, size_t>> appendOffsets(const std::string& v, int clnt, int count);

// check that for a specific client all known appends are present in a value, and in
// order
void checkClntAppends(KvConfig& cfg, int clnt, const std::string& v, int count);
// check that all known appends are present in a value, and are in order for each
// concurrent client.
void checkConcurrentAppends(KvConfig& cfg, const std::string& v, const std::vector<int>& counts);

// Checks the history with the key/value model (verbose, kLinearizabilityCheckTimeout).
// Illegal: writes the history picture, prints its path, fails with "history is not
// linearizable". Unknown (timed out): says so and passes.
void checkLinearizable(KvConfig& cfg, const std::vector<porcupine::KvDigestOperation>& history);

// Basic test is as follows: one or more clients submitting Append/Get operations to set
// of servers for some period of time. After the period is over, test checks that all
// appended values are present and in order for a particular key. If unreliable is set,
// RPCs may fail. If crash is set, the servers crash after the period is over and
// restart. If partitions is set, the test repartitions the network concurrently with the
// clients and servers. If maxraftstate is a positive number, the size of the state for
// Raft (i.e., log size) shouldn't exceed 8*maxraftstate. If maxraftstate is negative,
// snapshots shouldn't be used.
void GenericTest(const std::string& part, int nclients, int nservers, bool unreliable, bool crash,
                 bool partitions, int maxraftstate, bool randomkeys);

// Check that ops are committed fast enough, better than 1 per heartbeat interval
void GenericTestSpeed(const std::string& part, int maxraftstate);

}  // namespace tester
