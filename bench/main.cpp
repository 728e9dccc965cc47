// oms-bench: runs the five figures of issue 7 against rh-sim and writes results.json.
//   oms-bench [--quick] [--out results.json] [--work-dir DIR] [--only cancel,submit,overhead,fill,throughput,halt,alerts]
//             [--rtts 0,20,50,100] [--commit ID]
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "bench/figures.hpp"
#include "bench/report.hpp"
#include "runtime/log.hpp"

namespace {
namespace json = boost::json;
using namespace oms::bench;

struct Args {
  BenchOptions options;
  std::filesystem::path out = "results.json";
  std::set<std::string> only;
  std::string commit;
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

Args parse(int argc, char** argv) {
  Args a;
  a.options.work_dir = std::filesystem::current_path() / "bench-work";
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--quick")
      a.options.quick = true;
    else if (flag == "--out")
      a.out = value();
    else if (flag == "--work-dir")  // absolute: configurations written there are read by `oms` from elsewhere
      a.options.work_dir = std::filesystem::absolute(value());
    else if (flag == "--only")
      for (auto& f : split(value())) {
        static const std::set<std::string> figures{"cancel", "submit", "overhead", "fill", "throughput", "halt", "alerts"};
        if (!figures.contains(f))
          throw std::invalid_argument("--only: unknown figure '" + f +
                                      "' (known: cancel, submit, overhead, fill, throughput, halt, alerts)");
        a.only.insert(f);
      }
    else if (flag == "--commit")
      a.commit = value();
    else if (flag == "--rtts") {
      a.options.rtts_ms.clear();
      for (auto& r : split(value())) a.options.rtts_ms.push_back(std::stoi(r));
    } else
      throw std::invalid_argument("unknown option " + flag);
  }
  return a;
}

std::string utc_now() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json::object machine(const Args& a) {
  return json::object{{"cores", std::thread::hardware_concurrency()},
                      {"compiler", __VERSION__},
                      {"build_type", OMS_BENCH_BUILD_TYPE},
                      {"load_average_before", json::value_from(load_average())},
                      {"journal_fdatasync_us_p50", fdatasync_us(a.options.work_dir)}};
}

json::object settings(const Args& a) {
  return json::object{
      {"rtts_ms", json::value_from(a.options.rtts_ms)},
      {"transport", "HTTP/1.1 keep-alive over loopback (127.0.0.1), no TLS, for ours and the baseline alike"},
      {"simulator", json::object{{"latency",
                                  "rh-sim latency_ms = RTT: every broker request's reply is held that long "
                                  "after the request was processed; admin calls are not delayed"},
                                 {"cancel_delay_ms", rhsim::Options{}.cancel_delay_ms},
                                 {"tick_ms", rhsim::Options{}.tick_ms},
                                 {"page_size", rhsim::Options{}.page_size},
                                 {"auto_market", false}}},
      {"ours", oms::bench::config_summary()}};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto args = parse(argc, argv);
    // A run interrupted earlier leaves journals and tokens behind, and a token from that run's
    // simulator is refused by this one's: every run starts from an empty work directory.
    std::filesystem::remove_all(args.options.work_dir);
    std::filesystem::create_directories(args.options.work_dir);
    // The product logs as a deployed bot would (JSON lines to a file, info and up); the console
    // stays for the figures.
    oms::log::set_console(false);
    if (!oms::log::add_json_file((args.options.work_dir / "oms.log").string()))
      throw std::runtime_error("cannot open the log file in " + args.options.work_dir.string());
    auto want = [&](const char* figure) { return args.only.empty() || args.only.contains(figure); };
    auto started = std::chrono::steady_clock::now();
    json::object results{{"schema", 1},           {"quick", args.options.quick}, {"started_at", utc_now()},
                         {"commit", args.commit}, {"machine", machine(args)},    {"settings", settings(args)}};
    say(std::string("oms-bench ") + (args.options.quick ? "(quick) " : "") + "— rh-sim in-process, RTT " +
        [&] {
          std::string r;
          for (int v : args.options.rtts_ms) r += (r.empty() ? "" : "/") + std::to_string(v);
          return r;
        }() +
        " ms; journal fdatasync p50 " + fmt(results["machine"].at("journal_fdatasync_us_p50").to_number<double>(), 0) +
        " us");
    if (want("cancel")) results["cancel_all"] = cancel_all_figure(args.options);
    if (want("submit")) results["submission"] = submission_figure(args.options);
    if (want("overhead")) results["overhead"] = overhead_figure(args.options);
    if (want("fill")) results["fill_detection"] = fill_detection_figure(args.options);
    if (want("throughput")) results["throughput"] = throughput_figure(args.options);
    if (want("halt")) results["halt"] = halt_figure(args.options);
    if (want("alerts")) results["alerts"] = alerts_figure(args.options);
    results["machine"].as_object()["load_average_after"] = json::value_from(load_average());
    results["machine"].as_object()["journal_fdatasync_us_p50_after"] = fdatasync_us(args.options.work_dir);
    results["duration_s"] = ms_between(started, std::chrono::steady_clock::now()) / 1000;
    std::filesystem::create_directories(std::filesystem::absolute(args.out).parent_path());
    std::ofstream(args.out) << oms::bench::report::pretty_json(results);
    say("wrote " + args.out.string() + " (" + fmt(results["duration_s"].to_number<double>(), 0) + " s)");
    std::filesystem::remove_all(args.options.work_dir);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "oms-bench: " << e.what() << "\n";
    return 1;
  }
}
