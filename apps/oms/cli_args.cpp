#include "apps/oms/cli_args.hpp"

#include <algorithm>
#include <cctype>

namespace oms::cli {
namespace {

// "--opt=value" or "--opt value"; a value may not look like another long option.
struct Pending {
  std::string name;
  std::optional<std::string> inline_value;
};

bool looks_like_number(const std::string& arg) {
  return arg.size() > 1 && arg[0] == '-' && (std::isdigit(static_cast<unsigned char>(arg[1])) || arg[1] == '.');
}

bool contains(const std::vector<const char*>& names, const std::string& name) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return name == n; });
}

std::string help_hint(const CommandSpec* spec) {
  return spec ? std::string("see `oms ") + spec->name + " --help`" : "see `oms --help`";
}

// Stores a global option's value; false when `name` is not a global value option.
bool set_global(GlobalOptions& g, const std::string& name, std::string value) {
  if (name == "--config") g.config_file = std::move(value);
  else if (name == "--broker") g.broker_url = std::move(value);
  else if (name == "--mode") g.mode = std::move(value);
  else if (name == "--journal") g.journal = std::move(value);
  else if (name == "--ca-file") g.ca_file = std::move(value);
  else if (name == "--log-dir") g.log_dir = std::move(value);
  else return false;
  return true;
}

bool is_global_value(const std::string& name) {
  GlobalOptions scratch;
  return set_global(scratch, name, "");
}

class Parser {
 public:
  explicit Parser(const std::vector<std::string>& args) : args_(args) {}

  outcome<Invocation> run() {
    bool options_ended = false;
    for (i_ = 0; i_ < args_.size(); ++i_) {
      const std::string& arg = args_[i_];
      if (!options_ended && arg == "--") {
        options_ended = true;
      } else if (!options_ended && (arg == "-h" || arg == "--help")) {
        inv_.help = true;
      } else if (!options_ended && arg.rfind("--", 0) == 0) {
        if (auto e = option(arg)) return *e;
      } else if (!options_ended && arg.size() > 1 && arg[0] == '-' && !looks_like_number(arg)) {
        return usage_error(arg, "is not an option", help_hint(inv_.spec));
      } else if (!inv_.spec && arg == "help") {
        inv_.help = true;  // `oms help` and `oms help buy`
      } else if (!inv_.spec) {
        inv_.spec = find_command(arg);
        if (!inv_.spec) return usage_error("command", "'" + arg + "' is not an oms command", "run `oms --help` for the list");
      } else {
        inv_.operands.push_back(arg);
      }
    }
    if (inv_.help) return inv_;
    return check_shape();
  }

 private:
  std::optional<CliError> option(const std::string& arg) {
    Pending p{arg, std::nullopt};
    if (auto eq = arg.find('='); eq != std::string::npos) p = {arg.substr(0, eq), arg.substr(eq + 1)};
    if (p.name == "--json") return flag_without_value(p, [&] { inv_.globals.json = true; });
    bool global = is_global_value(p.name);
    const CommandSpec* spec = inv_.spec;
    bool takes_value = global || (spec && contains(spec->value_options, p.name));
    if (!takes_value) {
      if (spec && contains(spec->flags, p.name)) return flag_without_value(p, [&] { inv_.flags.insert(p.name); });
      std::string where = spec ? std::string("is not an option of `oms ") + spec->name + "`" : "is not a global option";
      return usage_error(p.name, where, help_hint(spec));
    }
    std::string value;
    if (p.inline_value) {
      value = *p.inline_value;
    } else if (i_ + 1 < args_.size() && args_[i_ + 1].rfind("--", 0) != 0) {
      value = args_[++i_];
    } else {
      return usage_error(p.name, "needs a value", help_hint(spec));
    }
    if (value.empty()) return usage_error(p.name, "must not be empty", help_hint(spec));
    if (global) set_global(inv_.globals, p.name, std::move(value));
    else inv_.options[p.name] = std::move(value);
    return std::nullopt;
  }

  template <class Set>
  std::optional<CliError> flag_without_value(const Pending& p, Set set) {
    if (p.inline_value) return usage_error(p.name, "takes no value", help_hint(inv_.spec));
    set();
    return std::nullopt;
  }

  outcome<Invocation> check_shape() {
    const CommandSpec* spec = inv_.spec;
    if (!spec) return usage_error("command", "is required", "run `oms --help` for the commands");
    std::string usage = std::string("usage: ") + spec->usage;
    if (inv_.operands.size() < spec->operands.size())
      return usage_error(spec->operands[inv_.operands.size()], "is required", usage);
    if (inv_.operands.size() > spec->operands.size())
      return usage_error(inv_.operands[spec->operands.size()], "is an unexpected argument", usage);
    for (const char* required : spec->required_options)
      if (!inv_.options.count(required)) return usage_error(required, "is required", usage);
    if (inv_.globals.mode && *inv_.globals.mode != "paper" && *inv_.globals.mode != "live")
      return usage_error("--mode", "must be paper or live", "paper never calls the broker; live places real orders");
    return inv_;
  }

  const std::vector<std::string>& args_;
  std::size_t i_ = 0;
  Invocation inv_;
};

}  // namespace

std::optional<std::string> Invocation::option(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

const CommandSpec* find_command(std::string_view name) {
  for (const auto& c : commands())
    if (name == c.name) return &c;
  return nullptr;
}

outcome<Invocation> parse_args(const std::vector<std::string>& args) { return Parser(args).run(); }

}  // namespace oms::cli
