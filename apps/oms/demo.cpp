// `oms demo`: rh-sim in-process over TLS on 127.0.0.1, the order manager live against it, the
// seed's scenarios one after another, then a summary table and the HEART report of the run.
#include "apps/oms/demo.hpp"

#include "apps/oms/demo_scenarios.hpp"
#include "console/heart_report.hpp"
#include "apps/rh-sim/hosted.hpp"
#include "runtime/log.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/json.hpp>

#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace oms::cli {
using heart::compute_heart_report;
using heart::heart_report_json;
using heart::render_heart_report;
namespace json = boost::json;
namespace fs = std::filesystem;
using demo::Scenario;

namespace {

// runs/demo-YYYYMMDD-HHMMSS (local time), with a suffix when two runs share a second.
fs::path make_run_folder(const fs::path& root) {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "demo-%Y%m%d-%H%M%S", &local);
  fs::path dir = root / stamp;
  for (int n = 2; fs::exists(dir); ++n) dir = root / (std::string(stamp) + "-" + std::to_string(n));
  fs::create_directories(dir);
  return dir;
}


rhsim::Options sim_options(const fs::path& run_dir) {
  rhsim::Options o;
  o.tls = true;                  // self-signed, trusted through broker.ca_file like a private CA
  o.auto_market = false;         // no random walk or automatic fills: every fill is the demo's doing
  o.cancel_delay_ms = 20;
  o.log_file = (run_dir / "rh-sim.log").string();
  // rh-sim is as strict as Robinhood by default. Device approval stays on (prompt): the demo's
  // first step shows it. The scenarios are about orders, so it opts out of what they do not show:
  // throttling (the scenarios send bursts on purpose); and day orders do not expire if it runs
  // across 4 pm New York.
  o.verification = "prompt";
  o.throttle = false;
  o.gfd_expiry = false;
  return o;
}

config::Config demo_config(const std::string& base_url, const fs::path& ca_file, const fs::path& journal,
                           const fs::path& token) {
  config::Config c;
  c.mode = ExecutionMode::live;
  c.broker.base_url = base_url;
  c.broker.ca_file = ca_file.string();
  c.broker.token_path = token.string();
  auto& om = c.order_management;
  om.journal_path = journal.string();
  om.retry = {3, 20, 100, 20};  // quick backoff: the timeout scenario is over in about two seconds
  om.timeouts = {1000, 750};    // the `timeout` fault never answers; loopback answers in milliseconds
  // The demo sends bursts a bot would not, to a simulator whose throttle it turned off.
  om.rate_limit.burst = om.rate_limit.per_second = 100;
  om.rate_limit.window_requests = om.rate_limit.order_window_requests = 1'000'000;
  // rh-sim handles a request the moment it reads it, so an order absent from its list a second
  // after the last attempt was never placed (Robinhood gets the default minute).
  om.settlement.quiet_ms = 1000;
  om.settlement.base_delay_ms = 100;
  config::StrategyOverride exit;  // scenario 2: a position exit $0.04 above the reference
  exit.offset_mode = config::OffsetMode::absolute;
  exit.sell_offset = Decimal::parse("0.04").value();
  om.strategy_overrides["exit"] = exit;
  config::StrategyOverride deep;  // edge case: an offset larger than the price
  deep.offset_mode = config::OffsetMode::absolute;
  deep.buy_offset = Decimal::parse("1.00").value();
  om.strategy_overrides["deep"] = deep;
  return c;
}

// "  asked       first line" then the rest aligned under it.
void print_lines(std::ostream& out, const std::string& label, const std::vector<std::string>& lines) {
  for (std::size_t i = 0; i < lines.size(); ++i)
    out << "  " << (i == 0 ? label : "") << std::string(12 - (i == 0 ? label.size() : 0), ' ') << lines[i] << "\n";
}

void print_scenario(std::ostream& out, const Scenario& s) {
  out << "\n" << s.name << "\n";
  print_lines(out, "asked", s.asked);
  print_lines(out, "broker saw", s.broker_saw);
  print_lines(out, "came back", s.came_back);
  out << "  expected    " << s.expected << "\n";
  if (s.passed()) out << "  PASS\n";
  for (const auto& f : s.failures) out << "  FAIL        " << f << "\n";
  out.flush();
}

// Terminal columns count characters, not bytes (the table has ≤, … and ×).
std::size_t width_of(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string summary_table(const std::vector<Scenario>& scenarios) {
  std::vector<std::vector<std::string>> rows{{"Scenario", "Expected", "Got", "Result"}};
  for (const auto& s : scenarios) rows.push_back({s.name, s.expected, s.got.empty() ? "-" : s.got, s.passed() ? "PASS" : "FAIL"});
  std::vector<std::size_t> widths(4, 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < 4; ++i) widths[i] = std::max(widths[i], width_of(row[i]));
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t i = 0; i < 4; ++i)
      out += "  " + rows[r][i] + (i < 3 ? std::string(widths[i] - width_of(rows[r][i]), ' ') : "");
    out += "\n";
    if (r == 0) out += "  " + std::string(widths[0] + widths[1] + widths[2] + widths[3] + 6, '-') + "\n";
  }
  return out;
}

json::array lines_json(const std::vector<std::string>& lines) {
  json::array a;
  for (const auto& l : lines) a.emplace_back(l);
  return a;
}

json::object scenario_json(const Scenario& s) {
  return json::object{{"name", s.name},
                      {"expected", s.expected},
                      {"asked", lines_json(s.asked)},
                      {"broker_saw", lines_json(s.broker_saw)},
                      {"came_back", lines_json(s.came_back)},
                      {"got", s.got},
                      {"passed", s.passed()},
                      {"failures", lines_json(s.failures)}};
}

// Sets up the simulator, the runtime and the order manager, and runs every scenario in order.
std::vector<Scenario> run_scenarios(const fs::path& run_dir, const fs::path& token_dir, bool quiet) {
  std::vector<Scenario> done;
  rhsim::HostedSimulator host(sim_options(run_dir));
  auto cert = run_dir / "rh-sim-cert.pem";
  std::ofstream(cert) << host.sim().certificate_pem();
  auto config = demo_config(host.sim().base_url(), cert, run_dir / "orders.jsonl", token_dir / "token.json");
  simclient::SimAdmin admin(host.port(), host.sim().certificate_pem(), std::chrono::seconds(5));
  runtime::Runtime rt;
  rt.start(2);
  {
    OrderManager om(rt, config, gateway::Credentials{"demo", "demo", "", ""});
    demo::Demo d{rt, om, admin, run_dir};
    if (!quiet)
      std::cout << "oms demo: the seed's acceptance scenarios and edge cases, live against rh-sim at "
                << host.sim().base_url() << " (TLS, credentials demo/demo)\n";
    {
      Scenario first;
      try {
        demo::device_approval(d, first);
      } catch (const std::exception& e) {
        first.failures.push_back(std::string("stopped: ") + e.what());
      }
      if (!quiet) print_scenario(std::cout, first);
      done.push_back(std::move(first));
    }
    auto recovery = d.wait(om.start());
    if (!recovery.ok()) throw demo::DemoError("start-up recovery failed: " + recovery.error);
    for (auto scenario : demo::all_scenarios()) {
      Scenario s;
      try {
        scenario(d, s);
      } catch (const std::exception& e) {
        s.failures.push_back(std::string("stopped: ") + e.what());
      }
      if (!quiet) print_scenario(std::cout, s);
      done.push_back(std::move(s));
    }
    om.close();
    rt.stop();
    rt.join();
  }
  return done;
}

int run(const DemoOptions& options) {
  auto run_dir = make_run_folder(options.run_root);
  log::set_console(false);
  log::reset_files();
  log::add_json_file((run_dir / "oms.log").string());
  log::set_session_id(run_dir.filename().string());
  // The simulator's token is kept out of the run folder, which is meant to be shared.
  auto token_dir = fs::temp_directory_path() / ("oms-demo-" + std::to_string(::getpid()));
  auto scenarios = run_scenarios(run_dir, token_dir, options.json);
  std::error_code ignored;
  fs::remove_all(token_dir, ignored);

  auto heart = compute_heart_report(run_dir / "orders.jsonl");
  std::size_t passed = 0;
  for (const auto& s : scenarios) passed += s.passed();
  bool all = passed == scenarios.size();
  if (options.json) {
    json::array list;
    for (const auto& s : scenarios) list.push_back(scenario_json(s));
    std::cout << json::serialize(json::object{{"run_folder", run_dir.string()},
                                              {"passed", all},
                                              {"scenarios_passed", passed},
                                              {"scenarios", std::move(list)},
                                              {"heart", heart_report_json(heart)}})
              << "\n";
  } else {
    std::cout << "\nSummary\n" << summary_table(scenarios) << "\n" << render_heart_report(heart)
              << "  (The demo injects a network timeout and an insufficient-funds rejection on purpose: they are the\n"
                 "  failures Retention counts and the slow submission Task Success shows.)\n\n"
              << passed << " of " << scenarios.size() << " scenarios gave the seed's result.\n"
              << "Run folder: " << run_dir.string() << " (orders.jsonl, oms.log, rh-sim.log, rh-sim-cert.pem)\n";
  }
  return all ? 0 : 1;
}

}  // namespace

int run_demo(const DemoOptions& options) {
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "oms demo: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace oms::cli
