// labrpc: the simulated network of the Go labs, with its exact semantics (Go:
// labrpc/labrpc.go; docs/design.md, "The network (labrpc)").
//
// A Network holds named ClientEnds and named Servers. An end is a one-way handle that
// a peer uses to call one server; the tester connects, enables and disables ends to
// make partitions, and deletes servers to crash peers. Arguments and replies always
// cross as codec bytes, so peers share no memory and the byte counts are real.
//
// ClientEnd::Call blocks the calling task until the network answers: true with a real
// reply, false when the request or reply was lost, the target is unreachable or died.
// Delays (unreliable, long delays, long reordering) are timed waits of the calling task,
// which Cleanup, DeleteServer and Enable(false) cut short: teardown never waits them out.
// Every handler runs on its own task, so handlers that block for long never starve
// others.
//
// Thread-safety: every method is callable from any task. A Network must outlive the
// tasks that use it (end the World first).
#pragma once

#include "labrpc/codec.hpp"
#include "labrpc/faults.hpp"
#include "labrpc/runtime.hpp"

#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

namespace lab {

class Network;

// One RPC method: decodes the arguments, runs the handler, encodes the reply.
using MethodHandler = std::function<Bytes(const Bytes& args)>;

// A named set of methods ("Raft" with RequestVote, AppendEntries, ...).
class Service {
 public:
  explicit Service(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  // Registers `fn` as method `method` of `obj`. The handler's arguments arrive as a
  // freshly decoded Args and its reply starts as a default Reply.
  template <class Obj, class Args, class Reply>
  void Add(const std::string& method, std::shared_ptr<Obj> obj,
           void (Obj::*fn)(const Args&, Reply*)) {
    AddTyped<Args, Reply>(method, [obj, fn](const Args& a, Reply* r) { (obj.get()->*fn)(a, r); });
  }
  template <class Obj, class Args, class Reply>
  void Add(const std::string& method, std::shared_ptr<Obj> obj, void (Obj::*fn)(Args, Reply*)) {
    AddTyped<Args, Reply>(method, [obj, fn](const Args& a, Reply* r) { (obj.get()->*fn)(a, r); });
  }
  template <class Args, class Reply>
  void AddTyped(const std::string& method, std::function<void(const Args&, Reply*)> fn) {
    check_encodable<Args>();
    check_encodable<Reply>();
    Method m;
    m.args_type = type_name<Args>();
    m.reply_type = type_name<Reply>();
    const std::string where = name_ + "." + method;
    m.run = [fn = std::move(fn), where](const Bytes& bytes) {
      Args args{};
      try {
        decode_into(bytes, args);
      } catch (const CodecError& e) {
        throw CodecError("labrpc: " + where + ": " + e.what());
      }
      Reply reply{};
      fn(args, &reply);
      return encode(reply);
    };
    methods_[method] = std::move(m);
  }

  struct Method {
    std::string args_type;
    std::string reply_type;
    MethodHandler run;
  };
  // nullptr when unknown.
  const Method* Find(const std::string& method) const;
  std::string MethodNames() const;

 private:
  std::string name_;
  std::map<std::string, Method> methods_;
};

// What one peer exports: its services and a count of the requests dispatched to it.
class Server {
 public:
  void AddService(std::shared_ptr<Service> service);
  // Requests that reached dispatch on this Server object (a restarted peer starts at 0).
  int GetCount() const { return count_.load(); }

  // Runs one request. Returns the encoded reply; throws std::runtime_error naming the
  // service, method and types when the request cannot be served.
  Bytes Dispatch(const std::string& service_method, const std::string& args_type,
                 const std::string& reply_type, const Bytes& args);

 private:
  mutable Mutex mu_;
  std::map<std::string, std::shared_ptr<Service>> services_;
  std::atomic<int> count_{0};
};

// A peer's handle for calling one server.
class ClientEnd {
 public:
  ClientEnd(Network* net, std::string name) : net_(net), name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  // Go's ClientEnd.Call: true with a real reply decoded into *reply, else false with
  // *reply untouched.
  template <class Args, class Reply>
  bool Call(const std::string& service_method, const Args& args, Reply* reply) {
    check_encodable<Args>();
    check_encodable<Reply>();
    std::optional<Bytes> bytes =
        CallBytes(service_method, type_name<Args>(), type_name<Reply>(), encode(args));
    if (!bytes) return false;
    Reply decoded{};
    try {
      decode_into(*bytes, decoded);
    } catch (const CodecError& e) {
      fatal("ClientEnd.Call(): decode reply: " + service_method + ": " + e.what());
    }
    *reply = std::move(decoded);
    return true;
  }

  // The untyped call: the reply's bytes, or nullopt.
  std::optional<Bytes> CallBytes(const std::string& service_method, const std::string& args_type,
                                 const std::string& reply_type, Bytes args);

 private:
  Network* net_;
  std::string name_;
};

class Network {
 public:
  explicit Network(Faults faults = {});
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // New end, disabled and unconnected. Fails (lab::fatal) on a duplicate name with
  // "MakeEnd: <name> already exists". The Network owns it.
  ClientEnd* MakeEnd(const std::string& name);
  // Forgets an end (2024+ DeleteEnd); "MakeEnd: <name> doesn't exists" when unknown.
  void DeleteEnd(const std::string& name);
  void AddServer(const std::string& name, std::shared_ptr<Server> server);
  void DeleteServer(const std::string& name);
  void Connect(const std::string& end_name, const std::string& server_name);
  void Enable(const std::string& end_name, bool enabled);
  // Who calls through an end ("S0", a clerk's "C3"), for the rpc and drop log topics:
  // lines name the caller instead of the end's random name, and go in `peer`'s column
  // (lab::kNoPeer: full width). Optional; logs only.
  void NameCaller(const std::string& end_name, std::string caller, int peer);

  void Reliable(bool yes);
  void LongDelays(bool yes);
  void LongReordering(bool yes);
  // The fault constants; defaults are Go's. Applies to requests taken up afterwards.
  void SetFaults(const Faults& faults);
  Faults GetFaults() const;

  // Requests dispatched to the server now under `server_name` (0 when none).
  int GetCount(const std::string& server_name) const;
  int64_t GetTotalCount() const { return total_count_.load(); }
  int64_t GetTotalBytes() const { return total_bytes_.load(); }

  // Later calls return false at once; calls in flight return false promptly.
  void Cleanup();

  // Used by ClientEnd::CallBytes.
  std::optional<Bytes> Process(const std::string& end_name, const std::string& service_method,
                               const std::string& args_type, const std::string& reply_type,
                               Bytes args);

 private:
  struct Call;
  struct Route {
    bool enabled = false;
    std::string server_name;
    std::shared_ptr<Server> server;  // null: unconnected or no server under the name
  };
  Route RouteOf(const std::string& end_name) const;  // under mu_
  bool Dead(const Call& call) const;                 // under mu_
  void WakeCalls();                                   // under mu_

  mutable Mutex mu_;
  std::set<Call*> in_flight_;  // woken by every Enable, Connect, AddServer, DeleteServer, Cleanup
  Faults faults_;
  bool reliable_ = true;
  bool long_delays_ = false;
  bool long_reordering_ = false;
  bool cleaned_up_ = false;
  std::map<std::string, std::unique_ptr<ClientEnd>> ends_;
  std::map<std::string, bool> enabled_;
  std::map<std::string, std::string> connections_;  // end -> server name
  std::map<std::string, std::shared_ptr<Server>> servers_;
  struct Caller {
    std::string name;
    int peer;
  };
  std::map<std::string, Caller> callers_;  // end -> who calls through it (logs only)
  uint64_t next_call_id_ = 1;               // numbers requests in the logs
  Rng rng_;
  std::atomic<int64_t> total_count_{0};
  std::atomic<int64_t> total_bytes_{0};
};

// Partitions on top of Enable: ends[i][j] is the name of the end peer i uses to call
// peer j; afterwards i can reach j exactly when some group holds both (peers in no
// group reach nobody).
void Partition(Network& net, const std::vector<std::vector<std::string>>& ends,
               const std::vector<std::vector<int>>& groups);

}  // namespace lab
