#pragma once
/// `oms demo` (what `make run` starts): rh-sim in-process on 127.0.0.1, the runtime live against
/// it, the seed's five acceptance scenarios and edge cases, a summary table and the HEART report.
#include <filesystem>

namespace oms::cli {

struct DemoOptions {
  std::filesystem::path run_root = "runs";  ///< the run folder is created inside it and named at the end
  bool json = false;                        ///< machine-readable summary instead of tables
};

/// Exit code 0 only if every scenario gave the seed's result.
int run_demo(const DemoOptions& options);

}  // namespace oms::cli
