// A test's little world for labrpc's own tests: the World (declared first, so it is
// ended before the network is freed), a Network with one server object `T` exported
// under `server_name`, and ends connected to it. On destruction it cleans the network
// up and checks that no task outlived the test. Test-only; include after doctest.
#pragma once

#include "labrpc/labrpc.hpp"

#include <memory>
#include <string>

namespace lab {

template <class T>
struct NetworkFixture {
  // make_server(handler) builds the Server that exports the handler object.
  template <class MakeServer>
  NetworkFixture(std::string world_name, std::string server_name, MakeServer make_server)
      : world(std::move(world_name)), server(std::move(server_name)) {
    rn.AddServer(server, make_server(handler));
  }
  ~NetworkFixture() {
    rn.Cleanup();
    const auto stragglers = world.end();
    CHECK_MESSAGE(stragglers.empty(), "tasks outlived the test");
  }

  // A new end, connected to `to` (the fixture's server by default) and enabled.
  ClientEnd* end(const std::string& name, const std::string& to = "") {
    ClientEnd* e = rn.MakeEnd(name);
    rn.Connect(name, to.empty() ? server : to);
    rn.Enable(name, true);
    return e;
  }

  World world;
  Network rn;
  std::shared_ptr<T> handler = std::make_shared<T>();
  const std::string server;
};

}  // namespace lab
