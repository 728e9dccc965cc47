// oms-bench-render: results.json → results.md, the SVG plots and (optionally) the README's table.
//   oms-bench-render RESULTS.json OUT_DIR [--readme README.md]
#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bench/report.hpp"

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!(out << text)) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

int main(int argc, char** argv) {
  namespace report = oms::bench::report;
  try {
    if (argc != 3 && !(argc == 5 && std::string(argv[3]) == "--readme")) {
      std::cerr << "usage: oms-bench-render RESULTS.json OUT_DIR [--readme README.md]\n";
      return 2;
    }
    auto results = boost::json::parse(read_file(argv[1])).as_object();
    std::filesystem::path out = argv[2];
    std::filesystem::create_directories(out);
    write_file(out / "results.md", report::results_markdown(results));
    write_file(out / "cancel_all_25.svg", oms::bench::svg::render(report::cancel_all_chart(results, 25)));
    write_file(out / "submission_p95.svg", oms::bench::svg::render(report::submission_p95_chart(results)));
    std::cout << "wrote " << (out / "results.md").string() << ", cancel_all_25.svg, submission_p95.svg\n";
    if (argc == 5) {
      std::string readme = read_file(argv[4]);
      if (!report::replace_between(readme, "<!-- bench:begin -->", "<!-- bench:end -->", report::readme_table(results)))
        throw std::runtime_error(std::string(argv[4]) + " has no <!-- bench:begin --> / <!-- bench:end --> block");
      write_file(argv[4], readme);
      std::cout << "updated the Benchmarks table in " << argv[4] << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "oms-bench-render: " << e.what() << "\n";
    return 1;
  }
}
