// labrpc's network: routing, faults and counting for one request (Go: labrpc/labrpc.go,
// processReq; docs/design.md, "The network (labrpc)").
//
// A request is processed on the caller's own task: it reads the route and flags once,
// waits out any delay, and hands the handler to a task of its own. Every wait is on the
// call's condition variable under the network lock, which each topology change (Enable,
// AddServer, DeleteServer, Cleanup) notifies, so a dead target or a Cleanup ends the
// call at once rather than after Go's 100 ms poll or a 7-second delay.
#include "labrpc/labrpc.hpp"

#include "labrpc/log.hpp"

namespace lab {

namespace {

// A server as the logs show it: the testers name servers by peer index ("2" -> "S2").
std::string server_label(const std::string& name) {
  const bool index = !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
  return index ? "S" + name : name;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? " " : "") + names[i];
  return out + "]";
}

}  // namespace

// --- Service and Server -----------------------------------------------------------

const Service::Method* Service::Find(const std::string& method) const {
  auto it = methods_.find(method);
  return it == methods_.end() ? nullptr : &it->second;
}

std::string Service::MethodNames() const {
  std::vector<std::string> names;
  for (const auto& [name, m] : methods_) names.push_back(name);
  return join_names(names);
}

void Server::AddService(std::shared_ptr<Service> service) {
  Lock lock(mu_);
  services_[service->name()] = std::move(service);
}

Bytes Server::Dispatch(const std::string& service_method, const std::string& args_type,
                       const std::string& reply_type, const Bytes& args) {
  ++count_;
  const size_t dot = service_method.rfind('.');
  const std::string service_name =
      dot == std::string::npos ? service_method : service_method.substr(0, dot);
  const std::string method_name = dot == std::string::npos ? "" : service_method.substr(dot + 1);

  std::shared_ptr<Service> service;
  {
    Lock lock(mu_);
    auto it = services_.find(service_name);
    if (it == services_.end()) {
      std::vector<std::string> known;
      for (const auto& [name, s] : services_) known.push_back(name);
      throw std::runtime_error("labrpc.Server.dispatch(): unknown service " + service_name +
                               " in " + service_name + "." + method_name +
                               "; expecting one of " + join_names(known));
    }
    service = it->second;
  }
  const Service::Method* method = service->Find(method_name);
  if (method == nullptr) {
    throw std::runtime_error("labrpc.Service.dispatch(): unknown method " + method_name + " in " +
                             service_method + "; expecting one of " + service->MethodNames());
  }
  if (method->args_type != args_type || method->reply_type != reply_type) {
    throw std::runtime_error("labrpc.Service.dispatch(): " + service_method + " takes (" +
                             method->args_type + ", " + method->reply_type +
                             "*) but was called with (" + args_type + ", " + reply_type + "*)");
  }
  return method->run(args);
}

std::optional<Bytes> ClientEnd::CallBytes(const std::string& service_method,
                                          const std::string& args_type,
                                          const std::string& reply_type, Bytes args) {
  return net_->Process(name_, service_method, args_type, reply_type, std::move(args));
}

// --- Network ------------------------------------------------------------------------

// One request in flight. Shared with its handler task, which may outlive the caller.
struct Network::Call {
  std::string end_name;
  std::string server_name;
  std::shared_ptr<Server> server;
  CondVar changed;  // under Network::mu_
  bool handler_done = false;
  Bytes reply;
};

Network::Network(Faults faults) : faults_(faults), rng_(Rng::derived("network")) {}

Network::~Network() { Cleanup(); }

ClientEnd* Network::MakeEnd(const std::string& name) {
  Lock lock(mu_);
  if (ends_.count(name)) {
    lock.unlock();
    fatal("MakeEnd: " + name + " already exists");
  }
  auto end = std::make_unique<ClientEnd>(this, name);
  ClientEnd* raw = end.get();
  ends_[name] = std::move(end);
  enabled_[name] = false;
  return raw;
}

void Network::DeleteEnd(const std::string& name) {
  Lock lock(mu_);
  if (!ends_.count(name)) {
    lock.unlock();
    fatal("MakeEnd: " + name + " doesn't exists");
  }
  // The ClientEnd object stays alive (a peer may still hold it); it simply leads nowhere.
  enabled_.erase(name);
  connections_.erase(name);
  WakeCalls();
}

void Network::AddServer(const std::string& name, std::shared_ptr<Server> server) {
  Lock lock(mu_);
  servers_[name] = std::move(server);
  WakeCalls();
}

void Network::DeleteServer(const std::string& name) {
  Lock lock(mu_);
  servers_[name] = nullptr;
  WakeCalls();
}

void Network::Connect(const std::string& end_name, const std::string& server_name) {
  Lock lock(mu_);
  connections_[end_name] = server_name;
  WakeCalls();
}

void Network::Enable(const std::string& end_name, bool enabled) {
  Lock lock(mu_);
  enabled_[end_name] = enabled;
  WakeCalls();
}

void Network::NameCaller(const std::string& end_name, std::string caller, int peer) {
  Lock lock(mu_);
  callers_[end_name] = Caller{std::move(caller), peer};
}

void Network::Reliable(bool yes) {
  Lock lock(mu_);
  reliable_ = yes;
}
void Network::LongDelays(bool yes) {
  Lock lock(mu_);
  long_delays_ = yes;
}
void Network::LongReordering(bool yes) {
  Lock lock(mu_);
  long_reordering_ = yes;
}
void Network::SetFaults(const Faults& faults) {
  Lock lock(mu_);
  faults_ = faults;
}
Faults Network::GetFaults() const {
  Lock lock(mu_);
  return faults_;
}

int Network::GetCount(const std::string& server_name) const {
  Lock lock(mu_);
  auto it = servers_.find(server_name);
  return it == servers_.end() || !it->second ? 0 : it->second->GetCount();
}

void Network::Cleanup() {
  Lock lock(mu_);
  cleaned_up_ = true;
  WakeCalls();
}

Network::Route Network::RouteOf(const std::string& end_name) const {
  Route route;
  auto enabled = enabled_.find(end_name);
  route.enabled = enabled != enabled_.end() && enabled->second;
  auto conn = connections_.find(end_name);
  if (conn == connections_.end()) return route;
  route.server_name = conn->second;
  auto server = servers_.find(route.server_name);
  if (server != servers_.end()) route.server = server->second;
  return route;
}

bool Network::Dead(const Call& call) const {
  if (cleaned_up_) return true;
  auto enabled = enabled_.find(call.end_name);
  if (enabled == enabled_.end() || !enabled->second) return true;
  auto server = servers_.find(call.server_name);
  return server == servers_.end() || server->second != call.server;
}

void Network::WakeCalls() {
  // Rare (topology changes), so waking every call in flight is cheap enough.
  for (Call* call : in_flight_) call->changed.notify_all();
}

std::optional<Bytes> Network::Process(const std::string& end_name,
                                      const std::string& service_method,
                                      const std::string& args_type, const std::string& reply_type,
                                      Bytes args) {
  detail::BlockingCall blocking("ClientEnd::Call");  // what a task dump says it waits in
  Lock lock(mu_);
  if (cleaned_up_) return std::nullopt;
  total_count_.fetch_add(1);
  total_bytes_.fetch_add(static_cast<int64_t>(args.size()));

  auto call = std::make_shared<Call>();
  call->end_name = end_name;
  const Route route = RouteOf(end_name);
  const bool reliable = reliable_;
  const bool long_reordering = long_reordering_;
  const bool long_delays = long_delays_;
  const Faults f = faults_;
  in_flight_.insert(call.get());
  struct Unregister {
    Network* net;
    Call* call;
    ~Unregister() { net->in_flight_.erase(call); }
  } unregister{this, call.get()};

  // The rpc and drop topics: "#17 -> S2 Raft.AppendEntries ..." in the caller's column.
  const uint64_t call_id = next_call_id_++;
  std::string call_label;
  int column = kNoPeer;
  if (log_enabled(Topic::rpc) || log_enabled(Topic::drop)) [[unlikely]] {
    // A caller with a column of its own is named by it; others (clerks) in the line.
    auto caller = callers_.find(end_name);
    if (caller != callers_.end()) column = caller->second.peer;
    call_label = "#" + std::to_string(call_id) + " " +
                 (column != kNoPeer             ? ""
                  : caller != callers_.end() ? caller->second.name + " "
                                             : "end " + end_name + " ") +
                 "-> " + (route.server_name.empty() ? "nowhere" : server_label(route.server_name)) +
                 " " + service_method;
  }
  const auto note = [&](Topic topic, const auto&... parts) {
    if (log_enabled(topic)) [[unlikely]]
      log(topic, column, call_label, parts...);
  };
  note(Topic::rpc, ", ", args.size(), " bytes");

  // Path B: unreachable. The fate is fixed now; answer false after a delay.
  if (!route.enabled || !route.server) {
    const int mod = long_delays ? f.long_delay_mod_ms : f.short_timeout_mod_ms;
    const int64_t delay_ms = rng_.intn(std::max(mod, 1));
    note(Topic::drop, ": unreachable (",
         !route.enabled                ? "end disabled"
         : route.server_name.empty()   ? "end not connected"
                                       : "no server " + server_label(route.server_name),
         "), fails after ", delay_ms, " ms");
    const TimePoint deadline = now() + std::chrono::milliseconds(delay_ms);
    call->changed.wait_until(lock, deadline, [&] { return cleaned_up_; });
    return std::nullopt;
  }

  call->server_name = route.server_name;
  call->server = route.server;

  // Path A, step 1: unreliable delay and request loss.
  if (!reliable) {
    const int64_t delay_ms = rng_.intn(std::max(f.short_delay_mod_ms, 1));
    if (call->changed.wait_until(lock, now() + std::chrono::milliseconds(delay_ms),
                                 [&] { return cleaned_up_; }))
      return std::nullopt;
    if (rng_.intn(1000) < f.drop_request_per_mille) {
      note(Topic::drop, ": request lost after ", delay_ms, " ms (unreliable)");
      return std::nullopt;
    }
    note(Topic::drop, ": request delayed ", delay_ms, " ms (unreliable)");
  }

  // Step 2: the handler runs on its own task, so a blocked handler blocks only itself.
  go("labrpc handler " + service_method + " via " + end_name,
     [this, call, service_method, args_type, reply_type, args = std::move(args)] {
       Bytes reply;
       try {
         reply = call->server->Dispatch(service_method, args_type, reply_type, args);
       } catch (const Cancelled&) {
         throw;
       } catch (const std::exception& e) {
         fatal(e.what());
       }
       Lock done_lock(mu_);
       call->reply = std::move(reply);
       call->handler_done = true;
       call->changed.notify_all();
     });

  // Step 3: wait for the handler or the target's death; dead or unfinished means false.
  call->changed.wait(lock, [&] { return call->handler_done || Dead(*call); });
  if (Dead(*call)) {
    note(Topic::drop, ": fails, ", server_label(call->server_name),
         " was cut off, crashed or cleaned up ",
         call->handler_done ? "as its handler returned" : "during its handler");
    return std::nullopt;
  }

  // Step 4: reply loss.
  if (!reliable && rng_.intn(1000) < f.drop_reply_per_mille) {
    note(Topic::drop, ": reply lost (the handler ran)");
    return std::nullopt;
  }

  // Step 5: long reordering delays most replies (death is not re-checked).
  if (long_reordering && rng_.intn(std::max(f.reorder_chance_of, 1)) < f.reorder_chance_in) {
    const int64_t spread = rng_.intn(std::max(f.reorder_spread_ms, 1));
    const int64_t delay_ms = f.reorder_base_ms + rng_.intn(spread + 1);
    note(Topic::drop, ": reply delayed ", delay_ms, " ms (long reordering)");
    if (call->changed.wait_until(lock, now() + std::chrono::milliseconds(delay_ms),
                                 [&] { return cleaned_up_; }))
      return std::nullopt;
  }

  // Step 6: deliver.
  note(Topic::rpc, ": reply, ", call->reply.size(), " bytes");
  total_bytes_.fetch_add(static_cast<int64_t>(call->reply.size()));
  return std::move(call->reply);
}

void Partition(Network& net, const std::vector<std::vector<std::string>>& ends,
               const std::vector<std::vector<int>>& groups) {
  std::vector<int> group_of(ends.size(), -1);
  for (size_t g = 0; g < groups.size(); ++g)
    for (int peer : groups[g]) group_of.at(static_cast<size_t>(peer)) = static_cast<int>(g);
  for (size_t i = 0; i < ends.size(); ++i) {
    for (size_t j = 0; j < ends[i].size(); ++j) {
      net.Enable(ends[i][j], group_of[i] >= 0 && group_of[i] == group_of[j]);
    }
  }
}

}  // namespace lab
