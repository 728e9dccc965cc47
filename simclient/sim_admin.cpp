#include "simclient/sim_admin.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace oms::simclient {
namespace json = boost::json;

namespace {

// Enough of an error body to say what the simulator refused, not a page of it.
std::string excerpt(const std::string& body) {
  constexpr std::size_t kMost = 200;
  return body.size() <= kMost ? body : body.substr(0, kMost) + "…";
}

}  // namespace

SimAdmin::SimAdmin(std::uint16_t port, std::string ca_pem, std::chrono::milliseconds timeout)
    : http_(port, std::move(ca_pem), timeout) {}

json::value SimAdmin::get(const std::string& path) { return call("GET", path, {}); }

json::value SimAdmin::post(const std::string& path, const json::value& body) {
  return call("POST", path, json::serialize(body));
}

json::value SimAdmin::del(const std::string& path) { return call("DELETE", path, {}); }

json::value SimAdmin::call(const std::string& method, const std::string& path, const std::string& body) {
  std::string what = method + " " + path;
  Response r = http_.request(method, path, body, "application/json");
  if (r.error) throw SimAdminError(what + ": " + r.error.message());
  if (r.status / 100 != 2) throw SimAdminError(what + " -> " + std::to_string(r.status) + " " + excerpt(r.body));
  boost::system::error_code ec;
  auto value = json::parse(r.body, ec);
  if (ec) throw SimAdminError(what + ": the reply is not JSON");
  return value;
}

}  // namespace oms::simclient
