#include "apps/oms/demo_sim_admin.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <optional>

namespace oms::cli::demo {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;

namespace {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// One request on a fresh connection. `tls` outlives the coroutine: SimAdmin::call runs the
// private io_context to completion before it returns.
asio::awaitable<Response> exchange(ssl::context& tls, std::uint16_t port, Request request,
                                   std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(timeout);  // one deadline for connect, handshake, write and read together
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
  co_await tcp.async_connect(endpoint, asio::use_awaitable);
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  co_await stream.async_handshake(ssl::stream_base::client, asio::use_awaitable);
  co_await http::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  Response response;
  co_await http::async_read(stream, buffer, response, asio::use_awaitable);
  // No TLS close_notify: the request said Connection: close and the server hangs up itself.
  co_return response;
}

}  // namespace

SimAdmin::SimAdmin(std::uint16_t port, std::string ca_pem, std::chrono::milliseconds timeout)
    : port_(port), ca_pem_(std::move(ca_pem)), timeout_(timeout) {}

json::value SimAdmin::get(const std::string& path) { return call("GET", path, {}); }

json::value SimAdmin::post(const std::string& path, const json::value& body) {
  return call("POST", path, json::serialize(body));
}

json::value SimAdmin::del(const std::string& path) { return call("DELETE", path, {}); }

json::value SimAdmin::call(const char* method, const std::string& path, std::string body) {
  std::string what = std::string(method) + " " + path;
  asio::io_context ctx;
  ssl::context tls(ssl::context::tls_client);
  tls.set_verify_mode(ssl::verify_peer);
  tls.add_certificate_authority(asio::buffer(ca_pem_));
  Request request{http::string_to_verb(method), path, 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::content_type, "application/json");
  request.keep_alive(false);
  request.body() = std::move(body);
  request.prepare_payload();

  std::optional<Response> response;
  std::string failure;
  asio::co_spawn(ctx, exchange(tls, port_, std::move(request), timeout_), [&](std::exception_ptr e, Response r) {
    if (!e) {
      response = std::move(r);
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      failure = x.what();
    }
  });
  ctx.run();
  if (!response) throw SimAdminError(what + ": " + (failure.empty() ? "no reply" : failure));
  if (response->result_int() / 100 != 2)
    throw SimAdminError(what + " -> " + std::to_string(response->result_int()) + " " + response->body());
  boost::system::error_code ec;
  auto value = json::parse(response->body(), ec);
  if (ec) throw SimAdminError(what + ": the reply is not JSON");
  return value;
}

}  // namespace oms::cli::demo
