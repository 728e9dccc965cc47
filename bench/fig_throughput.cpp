// Figure 5: orders per second through the runtime in paper mode (OrderManager → actors →
// journal → PaperBroker) on 1 and 2 runtime threads, with the journal on disk (durable as in
// production: group commit, one fdatasync per batch) and, to show the runtime without the disk,
// on tmpfs. The disk's own fdatasync cost is measured in the same run, beside the figures.
#include <fcntl.h>
#include <unistd.h>
#ifdef OMS_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include <boost/json.hpp>

#include "bench/figures.hpp"

namespace oms::bench {
namespace json = boost::json;

namespace {

constexpr int kInFlight = 64;  // submissions a bot keeps outstanding at once

std::pair<std::string, Price> order_key(int i) {
  long ten_thousandths = 5000 + 2 * (i / 200);  // distinct (symbol, limit) per order: no duplicate refusals
  return {ticker('T', static_cast<std::size_t>(i % 200)), Price::from_units(ten_thousandths * (Price::kOne / 10000))};
}

runtime::awaitable<void> worker(OrderManager* om, std::shared_ptr<std::atomic<int>> next, int total) {
  auto quantity = Quantity::parse("1").value();
  for (int i = (*next)++; i < total; i = (*next)++) {
    auto [symbol, reference] = order_key(i);
    auto result = co_await om->place_limit_buy(symbol, quantity, reference);
    if (!result.envelope || result.duplicate)
      throw BenchError("paper order " + symbol + ": " + (result.error ? result.error->to_string() : "duplicate"));
  }
}

struct Rate {
  double orders_per_s = 0;
  double cpu_ns_per_order = 0;  // this process's CPU (every thread, user + system) over the run
  std::optional<std::uint64_t> allocations;  // heap allocations from the host's start to its end
};

// Heap allocations the process has made so far, by jemalloc's counters (a thread's are merged
// when it ends or flushes its cache: the runtime's threads have ended when this is read), or
// nullopt when the allocator keeps no statistics.
std::optional<std::uint64_t> allocations_so_far() {
#ifndef OMS_WITH_JEMALLOC
  return std::nullopt;
#else
  ::mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
  std::uint64_t epoch = 1;
  std::size_t size = sizeof epoch;
  if (::mallctl("epoch", &epoch, &size, &epoch, size) != 0) return std::nullopt;
  std::uint64_t total = 0;
  for (const char* kind : {"small", "large"}) {
    auto name = "stats.arenas." + std::to_string(MALLCTL_ARENAS_ALL) + "." + kind + ".nrequests";
    std::uint64_t n = 0;
    size = sizeof n;
    if (::mallctl(name.c_str(), &n, &size, nullptr, 0) != 0) return std::nullopt;
    total += n;
  }
  return total;
#endif
}

Rate orders_per_second(const std::filesystem::path& journal, unsigned threads, int orders) {
  std::filesystem::create_directories(journal.parent_path());
  std::filesystem::remove(journal);
  Rate rate;
  auto allocations0 = allocations_so_far();
  {
    OmHost host(paper_config(journal), threads);
    host.start();
    auto next = std::make_shared<std::atomic<int>>(0);
    std::vector<std::future<void>> done;
    auto t0 = std::chrono::steady_clock::now();
    double cpu0 = process_cpu_ns();
    for (int w = 0; w < kInFlight; ++w) {
      auto promise = std::make_shared<std::promise<void>>();
      done.push_back(promise->get_future());
      boost::asio::co_spawn(host.rt().context(), worker(&host.om(), next, orders), [promise](std::exception_ptr e) {
        if (e)
          promise->set_exception(e);
        else
          promise->set_value();
      });
    }
    for (auto& d : done) d.get();
    double seconds = ms_between(t0, std::chrono::steady_clock::now()) / 1000;
    double cpu = process_cpu_ns() - cpu0;
    if (orders > 0) rate = {orders / seconds, cpu / orders, std::nullopt};
  }
  if (auto allocations1 = allocations_so_far(); allocations0 && allocations1) rate.allocations = *allocations1 - *allocations0;
  std::filesystem::remove(journal);
  return rate;
}

// Heap allocations per order: a row's, less those of the same host placing no order (its start-up
// and shutdown), over its orders.
std::optional<double> allocations_per_order(const Rate& row, const Rate& empty, int orders) {
  if (!row.allocations || !empty.allocations || *row.allocations < *empty.allocations) return std::nullopt;
  return static_cast<double>(*row.allocations - *empty.allocations) / orders;
}

// What one fdatasync costs on the disk holding `dir`: a journal-sized line appended, then synced,
// `count` times (milliseconds per append + fdatasync).
Summary fdatasync_cost(const std::filesystem::path& dir, int count) {
  std::filesystem::create_directories(dir);
  auto path = dir / "fdatasync-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_TRUNC, 0600);
  if (fd < 0) throw BenchError("cannot open " + path.string());
  std::string line(200, 'x');
  line.back() = '\n';
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fdatasync(fd) == 0;
    ms.push_back(ms_between(t0, std::chrono::steady_clock::now()));
    if (!ok) {
      ::close(fd);
      throw BenchError("fdatasync probe failed in " + dir.string());
    }
  }
  ::close(fd);
  std::filesystem::remove(path);
  return summarize(ms);
}

bool writable_dir(const std::filesystem::path& dir) {
  return std::filesystem::is_directory(dir) && ::access(dir.c_str(), W_OK) == 0;
}

}  // namespace

json::object throughput_figure(const BenchOptions& options) {
  say("== 5. throughput: paper orders through the runtime, " + std::to_string(kInFlight) + " in flight");
  struct Journal {
    const char* name;
    std::filesystem::path dir;
    int orders;
  };
  std::vector<Journal> journals{{"disk", options.work_dir / "throughput", options.quick ? 300 : 1500}};
  std::filesystem::path shm = "/dev/shm";
  // Two sizes on tmpfs: the rate depends on how many orders the paper broker already holds.
  if (writable_dir(shm))
    for (int orders : {options.quick ? 1000 : 2000, options.quick ? 3000 : 20000})
      journals.push_back({"tmpfs", shm / ("oms-bench-" + std::to_string(::getpid())), orders});
  auto sync = fdatasync_cost(options.work_dir / "throughput", options.quick ? 50 : 200);
  say("throughput  this disk's fdatasync (append + fdatasync of a 200-byte line): p50 " + fmt(sync.p50) + "  p95 " +
      fmt(sync.p95) + " ms");
  json::array rows;
  for (const auto& j : journals) {
    for (unsigned threads : {1u, 2u}) {
      auto rate = orders_per_second(j.dir / "orders.jsonl", threads, j.orders);
      auto empty = orders_per_second(j.dir / "orders.jsonl", threads, 0);
      auto allocations = allocations_per_order(rate, empty, j.orders);
      say("throughput  journal on " + std::string(j.name) + "  " + std::to_string(threads) + " thread(s)  " +
          std::to_string(j.orders) + " orders  " + fmt(rate.orders_per_s, 0) + " orders/s  " +
          fmt(rate.cpu_ns_per_order / 1000, 1) + " us CPU/order  " +
          (allocations ? fmt(*allocations, 1) : std::string("?")) + " allocations/order");
      json::object row{{"journal", j.name},
                       {"threads", threads},
                       {"orders", j.orders},
                       {"orders_per_s", rate.orders_per_s},
                       {"cpu_ns_per_order", rate.cpu_ns_per_order}};
      if (allocations) row["allocations_per_order"] = *allocations;
      rows.push_back(std::move(row));
    }
    if (std::string(j.name) == "tmpfs") std::filesystem::remove_all(j.dir);
  }
  return json::object{{"in_flight", kInFlight}, {"fdatasync", to_json(sync)}, {"rows", std::move(rows)}};
}

}  // namespace oms::bench
