#include "bench/harness.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>

namespace oms::bench {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// The client's rate limit for the live figures that name it (submission, fill, alerts): generous
// enough that the limiter's Robinhood-sized defaults do not turn them into a measure of waiting.
constexpr int kRateLimit = 100'000;

rhsim::Options sim_options(int latency_ms) {
  rhsim::Options o;
  o.latency_ms = latency_ms;  // held after the request is processed, once per request
  o.auto_market = false;      // no random walk or automatic fills: fills happen only on request
  o.log = false;
  // The benchmarks measure the order manager, not Robinhood's limits: no device approval, no
  // broker throttling (the bench states its own client-side limit, kRateLimit), no day orders
  // expiring at 4 pm New York in the middle of a run.
  o.verification = "none";
  o.throttle = false;
  o.gfd_expiry = false;
  return o;
}

}  // namespace

SimHost::SimHost(int latency_ms) : rhsim::HostedSimulator(sim_options(latency_ms)) {}

config::Config live_config(const std::string& base_url, const std::filesystem::path& journal,
                           const std::filesystem::path& token) {
  config::Config c;
  c.mode = ExecutionMode::live;
  c.broker.base_url = base_url;
  c.broker.token_path = token.string();
  c.order_management.journal_path = journal.string();
  c.order_management.rate_limit = {kRateLimit, kRateLimit, kRateLimit, 15, kRateLimit, 15, 4};
  return c;
}

config::Config paper_config(const std::filesystem::path& journal) {
  config::Config c;
  c.mode = ExecutionMode::paper;  // the product's defaults: a paper order sends no broker request
  c.order_management.journal_path = journal.string();
  return c;
}

json::object config_summary() {
  config::Config c;
  const auto& om = c.order_management;
  return json::object{{"rate_limit", json::object{{"burst", kRateLimit},
                                                  {"per_second", kRateLimit},
                                                  {"default_burst", om.rate_limit.burst},
                                                  {"default_per_second", om.rate_limit.per_second}}},
                      {"pool_size", om.pool_size},
                      {"retry_max_attempts", om.retry.max_attempts},
                      {"price_collar_pct", om.price_collar_pct.to_string()},
                      {"poll_interval_s_default", om.poll_interval_s}};
}

OmHost::OmHost(const config::Config& config, unsigned threads) {
  om_ = std::make_unique<OrderManager>(rt_, config, gateway::Credentials{"demo", "demo", "", ""});
  rt_.start(threads);
}

OmHost::~OmHost() {
  om_->close();
  rt_.stop();
  rt_.join();
  om_.reset();
}

void OmHost::wait_void(runtime::awaitable<void> op, std::chrono::seconds limit) {
  auto done = std::make_shared<std::promise<void>>();
  auto result = done->get_future();
  boost::asio::co_spawn(rt_.context(), std::move(op), [done](std::exception_ptr e) {
    if (e)
      done->set_exception(e);
    else
      done->set_value();
  });
  if (result.wait_for(limit) != std::future_status::ready) throw BenchError("the order manager did not answer in time");
  result.get();
}

void OmHost::start() {
  auto report = wait(om_->start());
  if (!report.ok()) throw BenchError("start-up recovery failed: " + report.error);
}

std::size_t OmHost::gateway_requests() {
  const auto& gw = om_->live_gateway();
  return gw ? wait(gw->stats()).requests : 0;
}

void parallel_for(int n, const std::function<void(int)>& fn) {
  std::mutex mu;
  std::exception_ptr failure;
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(mu);
        if (!failure) failure = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

std::string sim_login(HttpClient& http) {
  Form form{{"grant_type", "password"},
            {"username", "demo"},
            {"password", "demo"},
            {"device_token", "5e1f1b4e-0c55-4c39-9d4e-3f8a5d3b0b11"},
            {"scope", "internal"}};
  auto r = checked(http.post_form("/oauth2/token/", form), "POST /oauth2/token/");
  if (r.status != 200) throw BenchError("simulator login answered HTTP " + std::to_string(r.status));
  return std::string(r.json().at("access_token").as_string());
}

Seeder::Seeder(std::uint16_t port) : port_(port) {
  HttpClient http(port, {}, kHttpTimeout);
  token_ = sim_login(http);
  http.set_token(token_);
  auto accounts = checked(http.get("/accounts/"), "GET /accounts/").json();
  account_url_ = std::string(accounts.at("results").at(0).at("url").as_string());
}

std::vector<std::string> Seeder::place(const std::string& symbol, int count, double top) {
  if (!instrument_urls_.contains(symbol)) {
    HttpClient http(port_, {}, kHttpTimeout);
    http.set_token(token_);
    auto page = checked(http.get("/instruments/?symbol=" + symbol), "GET /instruments/").json();
    instrument_urls_[symbol] = std::string(page.at("results").at(0).at("url").as_string());
  }
  const std::string instrument = instrument_urls_[symbol];
  std::vector<std::string> ids(static_cast<std::size_t>(count));
  std::atomic<int> next{0};
  parallel_for(std::min(50, count), [&](int) {
    HttpClient http(port_, {}, kHttpTimeout);
    http.set_token(token_);
    std::mt19937_64 rng(std::random_device{}());
    for (int i = next++; i < count; i = next++) {
      long cents = std::lround(top * 100) - 1 - i;
      char ref[40];
      std::snprintf(ref, sizeof ref, "%08llx-0000-4000-8000-%012llx", static_cast<unsigned long long>(rng() >> 32),
                    static_cast<unsigned long long>(rng() & 0xFFFFFFFFFFFFULL));
      Form form{{"account", account_url_}, {"instrument", instrument},
                {"symbol", symbol},        {"price", cents_text(cents)},
                {"quantity", "1"},         {"ref_id", ref},
                {"type", "limit"},         {"time_in_force", "gfd"},
                {"trigger", "immediate"},  {"side", "buy"},
                {"order_form_version", "4"}, {"market_hours", "regular_hours"}};
      auto r = checked(http.post_form("/orders/", form), "POST /orders/");
      if (r.status != 201)
        throw BenchError("seeding an order answered HTTP " + std::to_string(r.status) + ": " + r.body);
      ids[static_cast<std::size_t>(i)] = std::string(r.json().at("id").as_string());
    }
  });
  // Orders start `unconfirmed`; the broker confirms them on its next tick.
  SimAdmin admin(port_);
  for (int look = 0; look < 500; ++look) {
    bool unconfirmed = false;
    auto orders = admin.get("/_sim/orders");
    for (const auto& o : orders.at("results").as_array()) unconfirmed |= o.at("state").as_string() == "unconfirmed";
    if (!unconfirmed) return ids;
    std::this_thread::sleep_for(5ms);
  }
  throw BenchError("seeded orders were never confirmed");
}

std::string ticker(char lead, std::size_t index) {
  std::string s(5, 'A');
  s[0] = lead;
  for (int pos = 4; pos >= 1; --pos) {
    s[static_cast<std::size_t>(pos)] = static_cast<char>('A' + index % 26);
    index /= 26;
  }
  return s;
}

std::string cents_text(long cents) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld.%02ld", cents / 100, cents % 100);
  return buf;
}

double fdatasync_us(const std::filesystem::path& dir, int samples) {
  std::filesystem::create_directories(dir);
  auto path = dir / "fdatasync-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0600);
  if (fd < 0) return 0;
  std::vector<double> us;
  const char line[] = "{\"probe\":\"one journal-sized line of about a hundred bytes, appended and synced\"}\n";
  for (int i = 0; i < samples; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    if (::write(fd, line, sizeof line - 1) < 0 || ::fdatasync(fd) != 0) break;
    us.push_back(ms_between(t0, std::chrono::steady_clock::now()) * 1000);
  }
  ::close(fd);
  std::filesystem::remove(path);
  return percentile(us, 50);
}

void say(const std::string& line) {
  static std::mutex mu;  // figures that run settings in parallel print whole lines
  std::lock_guard lock(mu);
  std::cout << line << std::endl;
}

std::string fmt(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

}  // namespace oms::bench
