// `oms login` (password + device approval, or --import-token) and `oms session`. The protocol is
// the gateway's (SessionFsm); this file only talks to the person: prompts, codes, a countdown.
#include "actors/order_manager.hpp"
#include "apps/oms/cli_commands.hpp"
#include "apps/oms/cli_output.hpp"
#include "gateway/gateway.hpp"
#include "gateway/ids.hpp"
#include "gateway/token_import.hpp"
#include "gateway/token_store.hpp"

#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <termios.h>
#include <unistd.h>

namespace oms::cli {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr const char* kLoginHint = "run `oms login`";

bool stdin_is_tty() { return ::isatty(STDIN_FILENO) == 1; }
bool stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }

void say(const std::string& line) {
  std::string text = line + "\n";
  std::fputs(text.c_str(), stderr);
}

// The terminal's settings while a password is typed without echo: Ctrl-C must give the echo back.
termios g_saved_terminal{};

extern "C" void restore_terminal_and_stop(int sig) {
  ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);  // async-signal-safe
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// One line from stdin; nullopt at end of input. `secret`: no echo on a terminal.
std::optional<std::string> read_line(bool secret) {
  bool hide = secret && stdin_is_tty() && ::tcgetattr(STDIN_FILENO, &g_saved_terminal) == 0;
  if (hide) {
    termios quiet = g_saved_terminal;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    std::signal(SIGINT, restore_terminal_and_stop);
    std::signal(SIGTERM, restore_terminal_and_stop);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (hide) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    std::fputs("\n", stderr);
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> ask(const std::string& prompt, bool secret) {
  std::fputs(prompt.c_str(), stderr);
  std::fflush(stderr);
  return read_line(secret);
}

std::string clock_text(std::chrono::seconds left) {
  auto s = std::max<std::int64_t>(left.count(), 0);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return buf;
}

std::string origin_text(gateway::SessionOrigin o) {
  switch (o) {
    case gateway::SessionOrigin::none: return "none";
    case gateway::SessionOrigin::password: return "password login";
    case gateway::SessionOrigin::approved: return "password login with device approval";
    case gateway::SessionOrigin::imported: return "imported access token (browser session)";
  }
  return "none";
}

std::string left_text(Timestamp until, Timestamp now) {
  auto minutes = std::chrono::duration_cast<std::chrono::minutes>(until - now).count();
  if (minutes < 0) return "expired";
  if (minutes < 120) return "in " + std::to_string(minutes) + " min";
  if (minutes < 48 * 60) return "in " + std::to_string(minutes / 60) + " h";
  return "in " + std::to_string(minutes / (24 * 60)) + " days";
}

std::string session_text(const gateway::SessionInfo& i, Timestamp now) {
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("state", std::string(gateway::to_string(i.health)));
  rows.emplace_back("user", i.user.empty() ? "(unknown)" : i.user);
  rows.emplace_back("device", i.device.empty() ? "(none yet)" : i.device);
  rows.emplace_back("obtained", origin_text(i.origin) + (i.obtained_at ? " at " + format_iso8601(*i.obtained_at) : ""));
  if (i.refreshed_at) rows.emplace_back("refreshed", format_iso8601(*i.refreshed_at));
  if (i.expires_at) rows.emplace_back("expires", format_iso8601(*i.expires_at) + " (" + left_text(*i.expires_at, now) + ")");
  rows.emplace_back("refreshable", i.refreshable ? "yes" : "no");
  if (!i.problem.empty()) rows.emplace_back("problem", i.problem);
  return key_values(rows);
}

CliError from_broker_error(const gateway::BrokerError& e) {
  if (e.kind == gateway::ErrorKind::login_required) return login_required_error(e.detail);
  int code = exit_code_for_broker_text(e.to_string());
  return CliError{code, "broker", e.to_string(),
                  code == exit_broker_unreachable ? "check the broker address and the network, then run `oms login` again"
                                                  : "check the broker's answer above"};
}

// Runs `op` on a private io_context until it finishes.
template <class T>
T run_to_end(asio::io_context& ctx, runtime::awaitable<T> op) {
  std::optional<T> out;
  std::exception_ptr failure;
  asio::co_spawn(ctx, std::move(op), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) out = std::move(value);
  });
  ctx.restart();
  while (!out && !failure && ctx.run_one() > 0) {
  }
  if (failure) std::rethrow_exception(failure);
  if (!out) throw std::runtime_error("the login stopped before it finished");
  return std::move(*out);
}

// Credentials from the environment; on a terminal, what is missing is asked for.
outcome<gateway::Credentials> credentials() {
  auto c = gateway::Credentials::from_environment();
  if (!c.username.empty() && !c.password.empty()) return c;
  if (!stdin_is_tty())
    return CliError{exit_login_required, "login required", "RH_USERNAME and RH_PASSWORD are not set",
                    "set them, or run `oms login` on a terminal to type them"};
  if (c.username.empty()) c.username = ask("Robinhood username: ", false).value_or("");
  if (c.password.empty()) c.password = ask("Robinhood password: ", true).value_or("");
  if (c.username.empty() || c.password.empty())
    return CliError{exit_login_required, "login required", "no username or password was given", kLoginHint};
  return c;
}

// What the person sees and types while the broker wants the login confirmed.
class Conversation {
 public:
  explicit Conversation(bool json) : json_(json) {}

  gateway::LoginInteraction interaction() {
    gateway::LoginInteraction i;
    i.awaiting_approval = [this](std::chrono::seconds left) { waiting(left); };
    i.read_code = [this](const gateway::AskCode& q) { return code(q); };
    return i;
  }
  void done() {
    if (countdown_shown_) std::fputs("\n", stderr);
    countdown_shown_ = false;
  }

 private:
  void waiting(std::chrono::seconds left) {
    if (!announced_) {
      say("approve this login in the Robinhood app (waiting up to " + clock_text(left) + ")");
      announced_ = true;
    }
    if (stderr_is_tty() && !json_) {
      std::string line = "\r  waiting for approval… " + clock_text(left) + " left ";
      std::fputs(line.c_str(), stderr);
      std::fflush(stderr);
      countdown_shown_ = true;
    }
  }

  std::optional<std::string> code(const gateway::AskCode& q) {
    done();
    // Off a terminal one line is read, once: a script gives the code it has, never a loop.
    if (!stdin_is_tty()) {
      if (read_one_) return std::nullopt;
      read_one_ = true;
      say(std::string("reading the ") + where(q.type) + " code from standard input");
      return read_line(false);
    }
    if (q.after_rejection) say("that code was not accepted (" + std::to_string(q.attempts_left) + " tries left)");
    return ask(std::string("enter the ") + where(q.type) + " code: ", false);
  }

  static const char* where(gateway::ChallengeType t) {
    switch (t) {
      case gateway::ChallengeType::sms: return "text-message";
      case gateway::ChallengeType::email: return "e-mail";
      case gateway::ChallengeType::app: return "authenticator";
      case gateway::ChallengeType::prompt: break;
    }
    return "verification";
  }

  bool json_;
  bool announced_ = false;
  bool countdown_shown_ = false;
  bool read_one_ = false;
};

outcome<std::chrono::seconds> timeout_option(const Invocation& inv) {
  auto text = inv.option("--timeout");
  if (!text) return std::chrono::seconds(300);
  int secs = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), secs);
  if (ec != std::errc{} || end != text->data() + text->size() || secs < 1 || secs > 3600)
    return usage_error("--timeout", "must be a whole number of seconds from 1 to 3600", "e.g. --timeout 300");
  return std::chrono::seconds(secs);
}

outcome<std::string> read_import(const std::string& from) {
  std::stringstream text;
  if (from == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(from);
    if (!in) return usage_error("--import-token", "cannot read " + from, "give a file holding the access token, or - for stdin");
    text << in.rdbuf();
  }
  return text.str();
}

int import_token(const Invocation& inv, const config::Config& config) {
  if (config.broker.token_path.empty())
    return fail(usage_error("broker.token_path", "is empty, so the session cannot be stored", "set it in config.json"));
  auto text = read_import(*inv.option("--import-token"));
  if (!text) return fail(text.error());
  // The device stays the one the broker may already know.
  auto existing = gateway::load_session(config.broker.token_path);
  std::string device = existing && !existing->device_token.empty() ? existing->device_token : gateway::new_device_token();
  auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  auto session = gateway::imported_session(*text, device, now);
  if (!session) {
    const auto& e = session.error();
    if (e.rule.find("expired at") != std::string::npos) return fail(CliError{exit_login_required, e.field, e.rule, ""});
    return fail(usage_error(e.field, e.rule, "give the access token (a JWT) from a logged-in browser session"));
  }
  if (auto saved = gateway::save_session(config.broker.token_path, *session); !saved)
    return fail(CliError{exit_failure, "broker.token_path", saved.error().message, "fix the folder or the path"});
  auto info = gateway::describe(*session, {}, now);
  if (inv.globals.json) {
    auto j = gateway::to_json(info);
    j["signature_checked"] = false;
    print_json(j);
  } else {
    print_text("imported: the access token was decoded, not verified (its signature is checked by the broker on "
               "first use)\n" + session_text(info, now));
  }
  return exit_ok;
}

int password_login(const Invocation& inv, const config::Config& config) {
  if (config.broker.token_path.empty())
    return fail(usage_error("broker.token_path", "is empty, so the session cannot be stored", "set it in config.json"));
  auto creds = credentials();
  if (!creds) return fail(creds.error());
  auto timeout = timeout_option(inv);
  if (!timeout) return fail(timeout.error());
  auto options = gateway_options(config, std::move(*creds));
  options.login.approval_timeout = *timeout;
  asio::io_context ctx;
  runtime::Runtime rt(ctx);
  auto gw = std::make_shared<gateway::Gateway>(rt, options);
  Conversation talk(inv.globals.json);
  auto result = run_to_end(ctx, gw->login_interactive(talk.interaction()));
  talk.done();
  gw->close();
  rt.stop();
  ctx.restart();
  ctx.run_for(1s);
  if (!result) return fail(from_broker_error(result.error()));
  auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  if (inv.globals.json) print_json(gateway::to_json(*result));
  else print_text("logged in\n" + session_text(*result, now));
  return exit_ok;
}

}  // namespace

int run_login(const Invocation& inv, const config::Config& config) {
  if (inv.option("--import-token")) {
    if (inv.option("--timeout")) return fail(usage_error("--timeout", "does not go with --import-token", "drop one"));
    return import_token(inv, config);
  }
  return password_login(inv, config);
}

int run_session(const Invocation& inv, const config::Config& config) {
  auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  gateway::StoredSession stored;
  gateway::SessionKeeping keeping;
  auto loaded = gateway::load_session(config.broker.token_path);
  if (loaded) {
    stored = std::move(*loaded);
  } else if (loaded.error().code != gateway::token_store_errc::not_found) {
    keeping.problem = loaded.error().message + " — fix it, or run `oms login` to replace it";
  }
  auto info = gateway::describe(stored, keeping, now);
  if (inv.globals.json) {
    auto j = gateway::to_json(info);
    j["token_path"] = config.broker.token_path;
    print_json(j);
  } else {
    print_text(session_text(info, now));
  }
  bool usable = info.health != gateway::SessionHealth::none && info.health != gateway::SessionHealth::expired &&
                keeping.problem.empty();
  return usable ? exit_ok : exit_login_required;
}

}  // namespace oms::cli
