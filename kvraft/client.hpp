// The kvraft clerk: the client library of the replicated key/value service
// (Go: kvraft/client.go). An application (the tester) calls Get, Put and Append; the clerk finds
// the leader among the servers and retries, across servers and for as long as it takes,
// until one of them has applied the request. Every request is applied exactly once,
// despite lost requests, lost replies and leader changes, because each carries the
// clerk's id and a sequence number the servers use to drop duplicates.
//
// Who calls it: the tester, through MakeClerk (the ends arrive in a random order, one per
// server). Threading: like Go's Clerk, one call at a time per clerk; different clerks
// are independent. A call blocks its task only in runtime calls (RPCs, sleeps), so it
// ends with lab::Cancelled when the test's World ends.
#pragma once

#include "kvraft/common.hpp"
#include "labrpc/labrpc.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kvraft {

class Clerk {
 public:
  explicit Clerk(std::vector<lab::ClientEnd*> servers);

  // Fetches the current value for a key; "" if the key does not exist. Keeps trying
  // forever in the face of all other errors.
  std::string Get(const std::string& key);
  // Replaces the key's value.
  void Put(const std::string& key, const std::string& value);
  // Appends to the key's value (a Put when the key is absent).
  void Append(const std::string& key, const std::string& value);

 private:
  // Shared by Put and Append; op is OpPut or OpAppend.
  void PutAppend(const std::string& key, const std::string& value, const std::string& op);

  const std::vector<lab::ClientEnd*> servers_;  // servers_[i] calls one server, shuffled

  // STUDENT BEGIN 3A
  // After a round in which no server answered as leader, wait this long before the next:
  // an election takes a few hundred milliseconds, and a clerk cut off from the majority
  // would otherwise spin through RPCs that cannot succeed.
  static constexpr lab::Duration kRetryRoundPause = std::chrono::milliseconds(20);

  int64_t clientId_ = 0;  // random, unique among clerks with high probability
  int64_t seqNum_ = 0;    // the last request's number; 1, 2, 3, ...
  int leader_ = 0;        // the server (index in servers_) that last answered as leader
  // STUDENT END 3A
};

// Go's MakeClerk(servers).
std::shared_ptr<Clerk> MakeClerk(std::vector<lab::ClientEnd*> servers);

}  // namespace kvraft
