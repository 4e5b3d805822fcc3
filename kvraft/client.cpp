// The kvraft clerk (see client.hpp).
#include "kvraft/client.hpp"

#include "labrpc/log.hpp"

#include <string_view>
#include <utility>

namespace kvraft {

namespace {
// STUDENT BEGIN 3A
// Go's nrand(): a random 62-bit clerk id. One process-wide stream derived from the run
// seed, so a replayed run draws the same ids; its own lock, since clerks are made on
// many tasks.
int64_t nrand() {
  static lab::Mutex mu;
  static lab::Rng rng = lab::Rng::derived("kvraft-clerk-ids");
  lab::Lock lock(mu);
  return static_cast<int64_t>(rng.next() >> 2);
}
// STUDENT END 3A
}  // namespace

Clerk::Clerk(std::vector<lab::ClientEnd*> servers) : servers_(std::move(servers)) {
  // STUDENT BEGIN 3A
  clientId_ = nrand();
  // STUDENT END 3A
}

std::shared_ptr<Clerk> MakeClerk(std::vector<lab::ClientEnd*> servers) {
  return std::make_shared<Clerk>(std::move(servers));
}

// You will have to modify this function.
std::string Clerk::Get([[maybe_unused]] const std::string& key) {
  std::string value;
  // STUDENT BEGIN 3A
  // HANDOUT: lab::sleep(std::chrono::milliseconds(100));  // until Get sends its RPC
  GetArgs args;
  args.Key = key;
  args.ClientId = clientId_;
  args.SeqNum = ++seqNum_;
  const int n = static_cast<int>(servers_.size());
  for (int tries = 1;; tries++) {
    GetReply reply;
    // A false Call means the request or its reply was lost, or the server is down or
    // cut off: the request may or may not have been applied, so send the same one again.
    const bool answered = servers_[leader_]->Call("KVServer.Get", args, &reply);
    if (answered && (reply.Err == OK || reply.Err == ErrNoKey)) {
      lab::log(lab::Topic::client, leader_, "C", clientId_ % 10000, "#", args.SeqNum, " Get(",
               key, "): ", reply.Err, ", ", reply.Value.size(), " bytes");
      value = std::move(reply.Value);  // "" for ErrNoKey
      break;
    }
    lab::log(lab::Topic::client, leader_, "C", clientId_ % 10000, "#", args.SeqNum, " Get(", key,
             "): ", answered ? std::string_view(reply.Err) : std::string_view("no answer"),
             "; next server");
    leader_ = (leader_ + 1) % n;
    if (tries % n == 0) lab::sleep(kRetryRoundPause);
  }
  // STUDENT END 3A
  return value;
}

// Shared by Put and Append. You will have to modify this function.
void Clerk::PutAppend([[maybe_unused]] const std::string& key,
                      [[maybe_unused]] const std::string& value,
                      [[maybe_unused]] const std::string& op) {
  // STUDENT BEGIN 3A
  // HANDOUT: lab::sleep(std::chrono::milliseconds(100));  // until PutAppend sends its RPC
  PutAppendArgs args;
  args.Key = key;
  args.Value = value;
  args.Op = op;
  args.ClientId = clientId_;
  args.SeqNum = ++seqNum_;
  const int n = static_cast<int>(servers_.size());
  for (int tries = 1;; tries++) {
    PutAppendReply reply;
    const bool answered = servers_[leader_]->Call("KVServer.PutAppend", args, &reply);
    if (answered && reply.Err == OK) {
      lab::log(lab::Topic::client, leader_, "C", clientId_ % 10000, "#", args.SeqNum, " ", op,
               "(", key, "): OK");
      return;
    }
    lab::log(lab::Topic::client, leader_, "C", clientId_ % 10000, "#", args.SeqNum, " ", op, "(",
             key, "): ", answered ? std::string_view(reply.Err) : std::string_view("no answer"),
             "; next server");
    leader_ = (leader_ + 1) % n;
    if (tries % n == 0) lab::sleep(kRetryRoundPause);
  }
  // STUDENT END 3A
}

void Clerk::Put(const std::string& key, const std::string& value) { PutAppend(key, value, OpPut); }

void Clerk::Append(const std::string& key, const std::string& value) {
  PutAppend(key, value, OpAppend);
}

}  // namespace kvraft
