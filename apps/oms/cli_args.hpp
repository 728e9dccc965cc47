#pragma once
/// The `oms` command line parsed without side effects: the subcommand, its operands and options,
/// and the global options (accepted before or after the subcommand).
#include "apps/oms/cli_error.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace oms::cli {

enum class Command { none, buy, sell, status, cancel_all, sync, orders, report, resume, serve, demo, journal, login, session };

/// What a subcommand accepts; its help text lives beside it (cli_help.cpp).
struct CommandSpec {
  Command command;
  const char* name;
  std::vector<const char*> operands;        ///< names, all required ("symbol", "quantity")
  std::vector<const char*> value_options;   ///< "--ref", "--strategy"
  std::vector<const char*> required_options;
  std::vector<const char*> flags;           ///< "--once"
  const char* usage;                        ///< "oms buy SYMBOL QTY --ref PRICE [--strategy NAME]"
  const char* summary;                      ///< one line for `oms --help`
  const char* details;                      ///< the rest of `oms <command> --help`
};

/// Every subcommand, in the order `oms --help` lists them.
const std::vector<CommandSpec>& commands();
const CommandSpec* find_command(std::string_view name);

/// Options every subcommand accepts.
struct GlobalOptions {
  std::optional<std::string> config_file;  ///< --config
  std::optional<std::string> broker_url;   ///< --broker
  std::optional<std::string> mode;         ///< --mode paper|live
  std::optional<std::string> journal;      ///< --journal
  std::optional<std::string> ca_file;      ///< --ca-file
  std::string log_dir = "logs";            ///< --log-dir
  bool json = false;                       ///< --json
};

/// One parsed command line.
struct Invocation {
  const CommandSpec* spec = nullptr;  ///< null with `help`: the overview
  std::vector<std::string> operands;
  std::map<std::string, std::string> options;  ///< "--ref" → "250.30" (the last one given wins)
  std::set<std::string> flags;
  GlobalOptions globals;
  bool help = false;

  Command command() const { return spec ? spec->command : Command::none; }
  std::optional<std::string> option(const std::string& name) const;
  bool flag(const std::string& name) const { return flags.count(name) > 0; }
};

/// Parses the arguments after argv[0]. Unknown commands or options, a missing value, a missing or
/// extra operand are usage errors (exit 2). "-5" is an operand, not an option.
outcome<Invocation> parse_args(const std::vector<std::string>& args);

}  // namespace oms::cli
