#pragma once
/// The configuration one `oms` run uses: the file (--config, else ./config.json when present,
/// else the built-in defaults) with the command-line overrides applied and checked.
#include "apps/oms/cli_args.hpp"
#include "config/config.hpp"

namespace oms::cli {

/// Loads and overrides; every problem is a usage error naming the option or config field.
outcome<config::Config> effective_config(const GlobalOptions& globals);

/// "~/x" → "$HOME/x" (config paths are written for a shell user); other paths unchanged.
std::string expand_home(const std::string& path);

}  // namespace oms::cli
