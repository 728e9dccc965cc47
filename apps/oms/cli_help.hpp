#pragma once
/// `oms --help` and `oms <command> --help`.
#include "apps/oms/cli_args.hpp"

#include <string>

namespace oms::cli {

/// The overview: commands, global options, credentials, exit codes.
std::string overview_help();
/// One command's usage, options and examples, plus the global options.
std::string command_help(const CommandSpec& spec);

}  // namespace oms::cli
