// SimAdmin: rh-sim's admin API over the one HTTP client, as the bench (plain) and `oms demo` (TLS)
// use it. A failed call names the method, the path and what went wrong.
#include "simclient/sim_admin.hpp"
#include "tests/sim/sim_fixture.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <doctest/doctest.h>

#include <string>

using oms::simclient::SimAdmin;
using oms::simclient::SimAdminError;
namespace json = boost::json;

namespace {

/// The message of the SimAdminError `call` throws ("" when it throws none).
template <class Call>
std::string failure_of(Call call) {
  try {
    call();
  } catch (const SimAdminError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("SimAdmin over TLS arms, lists and clears faults, JSON in and out") {
  simtest::SimFixture sim;
  SimAdmin admin(sim.port(), sim.sim().certificate_pem());
  json::object fault{{"method", "POST"}, {"path", "/orders/"}, {"kind", "http_503"}, {"count", 1}};
  admin.post("/_sim/faults", fault);
  CHECK(admin.get("/_sim/faults").at("faults").as_array().size() == 1);
  admin.del("/_sim/faults");
  CHECK(admin.get("/_sim/faults").at("faults").as_array().empty());
}

TEST_CASE("a refused admin call names the method, the path, the status and the simulator's reason") {
  simtest::SimFixture sim;
  SimAdmin admin(sim.port(), sim.sim().certificate_pem());
  json::object unknown{{"order_id", "no-such-order"}};
  auto message = failure_of([&] { admin.post("/_sim/fill", unknown); });
  CHECK(message.starts_with("POST /_sim/fill -> 404 "));
  CHECK(message.find("no such order") != std::string::npos);
}

TEST_CASE("an admin call nobody answers names the call and the transport error") {
  std::uint16_t port = 0;
  {
    boost::asio::io_context ctx;
    boost::asio::ip::tcp::acceptor closed(ctx, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = closed.local_endpoint().port();
  }
  SimAdmin admin(port);
  auto message = failure_of([&] { admin.get("/_sim/orders"); });
  CHECK(message.starts_with("GET /_sim/orders: "));
  CHECK(message.size() > std::string("GET /_sim/orders: ").size());
}
