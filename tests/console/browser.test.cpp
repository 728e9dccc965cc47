// The console in a real headless Chromium (Debian's chromium, driven through chromedriver's W3C
// WebDriver endpoints with the tests' one HTTP client): the page loads with the token and is
// refused without it; an order placed through the owner appears without a reload; the kill switch,
// confirmed, halts the owner and shows every order cancelled; resume re-opens. A screenshot of the
// page is kept (build/artifacts/console.png).
#include "console_fixture.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <doctest/doctest.h>

#include <fstream>

using namespace consoletest;
namespace json = boost::json;

namespace {

constexpr const char* kElement = "element-6066-11e4-a52e-4f735466cecf";

std::uint16_t free_port() {
  boost::asio::io_context ctx;
  boost::asio::ip::tcp::acceptor a(ctx, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// A WebDriver session on a chromedriver of its own.
class Browser {
 public:
  explicit Browser(const std::filesystem::path& dir) : port_(free_port()), profile_(dir / "chromium-profile") {
    std::filesystem::create_directories(profile_);
    driver_ = std::make_unique<clitest::Child>(
        std::vector<std::string>{"/usr/bin/chromedriver", "--port=" + std::to_string(port_)},
        std::vector<std::string>{"HOME=" + dir.string(), "PATH=/usr/bin:/bin"}, dir.string());
    REQUIRE(driver_->wait_for_stdout("successfully", 30s));
    client_ = std::make_unique<simtest::HttpClient>(port_, "", std::chrono::milliseconds(60'000));
    json::array args{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage",  // a container's small /dev/shm must not crash the tab
                     "--window-size=1400,1400", "--user-data-dir=" + profile_.string()};
    json::object caps{{"capabilities",
                       {{"alwaysMatch",
                         {{"browserName", "chrome"},
                          {"goog:chromeOptions", {{"binary", "/usr/bin/chromium"}, {"args", args}}}}}}}};
    auto created = client_->post_json("/session", json::serialize(caps));
    INFO("chromedriver: ", created.body);
    REQUIRE(created.status == 200);
    session_ = std::string(created.json().at("value").at("sessionId").as_string());
  }
  ~Browser() {
    if (!session_.empty()) client_->request("DELETE", "/session/" + session_);
  }

  void open(const std::string& url) { call("/url", json::object{{"url", url}}); }
  json::value run(const std::string& script) {
    return call("/execute/sync", json::object{{"script", script}, {"args", json::array{}}});
  }
  void click(const std::string& css) {
    auto found = call("/element", json::object{{"using", "css selector"}, {"value", css}});
    std::string id(found.at(kElement).as_string());
    call("/element/" + id + "/click", json::object{});
  }
  /// Polls `script` (an expression returning true) until it holds.
  bool until(const std::string& expression, std::chrono::milliseconds deadline = 30s) {
    return eventually([&] { return run("return !!(" + expression + ");").as_bool(); }, deadline);
  }
  std::string text(const std::string& css) {
    auto v = run("const e = document.querySelector(" + json::serialize(json::value(css)) + "); return e ? e.textContent : null;");
    return v.is_string() ? std::string(v.as_string()) : "";
  }
  void screenshot(const std::filesystem::path& file) {
    auto shot = client_->get("/session/" + session_ + "/screenshot").json();
    std::string b64(shot.at("value").as_string());
    std::string png(boost::beast::detail::base64::decoded_size(b64.size()), '\0');
    auto [n, read] = boost::beast::detail::base64::decode(png.data(), b64.data(), b64.size());
    png.resize(n);
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << png;
  }

 private:
  json::value call(const std::string& path, const json::object& body) {
    auto r = client_->post_json("/session/" + session_ + path, json::serialize(body));
    INFO("webdriver ", path, ": ", r.body);
    REQUIRE(r.status == 200);
    return r.json().at("value");
  }
  std::uint16_t port_;
  std::filesystem::path profile_;
  std::unique_ptr<clitest::Child> driver_;
  std::unique_ptr<simtest::HttpClient> client_;
  std::string session_;
};

std::string row(const std::string& order_id) { return "document.querySelector('#open-orders tr[data-order-id=\"" + order_id + "\"]')"; }

}  // namespace

TEST_CASE("browser: the console in Chromium — refused without the token, live orders, the kill switch confirmed, resume") {
  ConsoleFixture f;
  auto first = f.buy("TSLA", "5", "250.00");
  Browser chromium(f.dir);

  // Without the token: a bare 401 (Chromium shows its own error page), no console.
  chromium.open("http://" + f.host + "/");
  CHECK(chromium.run("return document.querySelector('#kill-switch') === null && !document.body.innerText.includes('Kill switch');").as_bool());
  CHECK(chromium.run("return document.body.innerText;").as_string().find("401") != std::string::npos);

  // With it: the page, live.
  chromium.open(f.url);
  REQUIRE(chromium.until("document.querySelector('#state-badge').textContent === 'READY'"));
  CHECK(chromium.run("return location.search;").as_string() == "");  // the token left the address bar
  CHECK(chromium.until(row(first)));
  CHECK(chromium.text("#mode") == "live");
  REQUIRE(chromium.until("document.querySelector('#live').classList.contains('on')"));

  // An order placed through the owner appears without a reload.
  chromium.run("window.__loaded = true;");
  auto second = f.buy("AAPL", "2", "190.00");
  CHECK(chromium.until(row(second)));
  CHECK(chromium.run("return window.__loaded === true;").as_bool());
  CHECK(chromium.until("document.querySelectorAll('#heart tbody tr').length === 5"));
  CHECK(chromium.until("document.querySelectorAll('#latency-chart rect').length > 0"));
  CHECK(chromium.until("document.querySelector('#latency-n').textContent.startsWith('(n=2,')"));  // both orders
  CHECK(chromium.until("document.querySelector('#session').textContent.startsWith('session until')"));
  CHECK(chromium.until("document.querySelector('#heart').textContent.includes('(n=2)')"));  // HEART re-read
  chromium.screenshot(std::filesystem::path(OMS_ARTIFACTS) / "console.png");

  // The kill switch asks first; Back sends nothing.
  chromium.click("#kill-switch");
  CHECK(chromium.until("!document.querySelector('#confirm').hidden"));
  chromium.click("#confirm-back");
  CHECK(chromium.until("document.querySelector('#confirm').hidden"));
  CHECK(f.broker_state(first) != "cancelled");

  chromium.click("#kill-switch");
  chromium.click("#confirm-kill");
  REQUIRE(chromium.until("document.querySelector('#state-badge').textContent === 'HALTED'"));
  for (const auto& id : {first, second}) {
    INFO(id);
    CHECK(chromium.until("document.querySelector('#outcomes li[data-order-id=\"" + id + "\"]')?.dataset.outcome === 'cancelled'"));
    CHECK(f.broker_state(id) == "cancelled");
  }
  CHECK(chromium.until("document.querySelectorAll('#open-orders tbody tr').length === 0"));
  chromium.screenshot(std::filesystem::path(OMS_ARTIFACTS) / "console-halted.png");
  CHECK(f.oms({"buy", "MSFT", "1", "--ref", "415.00"}).exit_code != 0);

  // Resume re-opens.
  chromium.click("#resume");
  REQUIRE(chromium.until("document.querySelector('#state-badge').textContent === 'READY'"));
  auto third = f.buy("MSFT", "1", "415.00");
  CHECK(chromium.until(row(third)));
}
