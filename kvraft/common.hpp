// kvraft's wire types: the errors and the RPC arguments and replies of the "KVServer"
// service (Go: kvraft/common.go), shared by the clerk (client.hpp) and the server (server.hpp).
//
// Go's names are kept (GetArgs, PutAppendArgs, reply.Err, ...) so the lab handout maps one
// to one. Every struct crosses the network through the codec, so each lists all of its
// fields in serialize().
#pragma once

#include <cstdint>
#include <string>

namespace kvraft {

// Go's `type Err string`. A reply's Err field is a plain std::string: a member named like
// its type would change the name's meaning inside the struct.
using Err = std::string;
inline const Err OK = "OK";
inline const Err ErrNoKey = "ErrNoKey";  // Get of a key that was never written: value ""
// Not the leader, or no longer: leadership was lost, or a different command took the
// log slot, before the request was applied. The clerk tries the next server.
inline const Err ErrWrongLeader = "ErrWrongLeader";

inline const std::string OpPut = "Put";
inline const std::string OpAppend = "Append";

// Put or Append.
struct PutAppendArgs {
  std::string Key;
  std::string Value;
  std::string Op;  // OpPut or OpAppend
  // STUDENT BEGIN 3A
  // Which clerk sent it and its place in that clerk's sequence of requests: a retried
  // request carries the same pair, so the servers apply it at most once.
  int64_t ClientId = 0;
  int64_t SeqNum = 0;
  // STUDENT END 3A

  template <class Archive>
  void serialize(Archive& ar) {
    ar(Key, Value, Op);
    // STUDENT BEGIN 3A
    ar(ClientId, SeqNum);
    // STUDENT END 3A
  }
};

struct PutAppendReply {
  std::string Err = OK;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(Err);
  }
};

struct GetArgs {
  std::string Key;
  // STUDENT BEGIN 3A
  // A Get goes through the log too; the pair identifies it there (see PutAppendArgs).
  int64_t ClientId = 0;
  int64_t SeqNum = 0;
  // STUDENT END 3A

  template <class Archive>
  void serialize(Archive& ar) {
    ar(Key);
    // STUDENT BEGIN 3A
    ar(ClientId, SeqNum);
    // STUDENT END 3A
  }
};

struct GetReply {
  std::string Err = OK;
  std::string Value;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(Err, Value);
  }
};

}  // namespace kvraft
