// rh-sim: the Robinhood equity API simulator as a command-line server.
#include "apps/rh-sim/simulator.hpp"

#include <boost/asio/signal_set.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char* kUsage = R"(usage: rh-sim [options]
  --port N                 listen on 127.0.0.1:N (0 = any free port; default 0)
  --seed S                 seed for ids, tokens and the random walk (default 1)
  --latency-ms L           added to every broker round trip (default 0)
  --tls [CERT KEY]         serve HTTPS; without files a self-signed certificate is made
  --tls-self-signed        same as --tls without files
  --tls-cert-out FILE      write the certificate clients should trust (PEM) to FILE
  --config FILE            JSON config (keys as in docs/simulator.md); flags override it
  --user U --password P    credentials (default demo/demo)
  --mfa-secret BASE32      require a TOTP mfa_code at login
  --verification T         device verification for unknown devices: prompt, sms, email or
                           none (default prompt)
  --verification-timeout-s N  an unanswered verification expires after N s (default 300)
  --known-device TOKEN     a device token the account already knows (repeatable)
  --buying-power X         starting buying power (default 100000.00)
  --cancel-delay-ms N      accepted cancel -> cancelled after N ms (default 50)
  --confirm-delay-ms N     unconfirmed -> confirmed after N ms (default 0)
  --frozen                 no random walk and no automatic fills (same as auto_market=false)
  --token-lifetime-s N     access token lifetime (default 86400)
  --refresh-token-lifetime-s N  refresh token lifetime (default 604800); each works once
  --throttle on|off        Robinhood's throttling (default on)
  --throttle-requests N    requests of any kind per window, all clients (default 20)
  --throttle-window-s N    that window (default 15)
  --throttle-order-requests N  order POSTs per window (default 8)
  --throttle-order-window-s N  that window (default 15)
  --gfd-expiry on|off      cancel open gfd orders at the 4 pm New York close (default on)
  --zero-average-buy-price positions report average_buy_price 0
  --page-size N            results per page of /orders/ (default 100)
  --lot-size Q             most shares one automatic fill takes, 0 = all (default 100)
  --log-file FILE          log there instead of stderr
  --quiet                  no request log
  --help                   this text
)";

bool needs_value(const std::string& flag) {
  return flag != "--tls" && flag != "--tls-self-signed" && flag != "--frozen" && flag != "--quiet" &&
         flag != "--help" && flag != "--zero-average-buy-price";
}

// "on"/"off" into `out`; false for anything else.
bool on_off(const std::string& v, bool& out) {
  if (v != "on" && v != "off") return false;
  out = v == "on";
  return true;
}

// Applies one flag; false for an unknown flag.
bool apply_flag(rhsim::Options& o, const std::string& flag, const std::string& v, std::string& cert_out) {
  auto num = [&] { return std::atoi(v.c_str()); };
  if (flag == "--port") o.port = static_cast<std::uint16_t>(num());
  else if (flag == "--seed") o.seed = std::strtoull(v.c_str(), nullptr, 10);
  else if (flag == "--latency-ms") o.latency_ms = num();
  else if (flag == "--tls-self-signed") o.tls = true;
  else if (flag == "--tls-cert-out") cert_out = v;
  else if (flag == "--config") o.config_file = v;
  else if (flag == "--user") o.user = v;
  else if (flag == "--password") o.password = v;
  else if (flag == "--mfa-secret") o.mfa_secret = v;
  else if (flag == "--verification") return rhsim::valid_verification(v) && (o.verification = v, true);
  else if (flag == "--verification-timeout-s") o.verification_timeout_s = num();
  else if (flag == "--known-device") o.known_devices.push_back(v);
  else if (flag == "--refresh-token-lifetime-s") o.refresh_token_lifetime_s = num();
  else if (flag == "--throttle") return on_off(v, o.throttle);
  else if (flag == "--throttle-order-requests") o.throttle_order_requests = num();
  else if (flag == "--throttle-order-window-s") o.throttle_order_window_s = num();
  else if (flag == "--gfd-expiry") return on_off(v, o.gfd_expiry);
  else if (flag == "--zero-average-buy-price") o.zero_average_buy_price = true;
  else if (flag == "--buying-power") o.buying_power = v;
  else if (flag == "--cancel-delay-ms") o.cancel_delay_ms = num();
  else if (flag == "--confirm-delay-ms") o.confirm_delay_ms = num();
  else if (flag == "--frozen") o.auto_market = false;
  else if (flag == "--token-lifetime-s") o.token_lifetime_s = num();
  else if (flag == "--throttle-requests") o.throttle_requests = num();
  else if (flag == "--throttle-window-s") o.throttle_window_s = num();
  else if (flag == "--page-size") o.page_size = num();
  else if (flag == "--lot-size") o.lot_size = v;
  else if (flag == "--log-file") o.log_file = v;
  else if (flag == "--quiet") o.log = false;
  else return false;
  return true;
}

enum class Parsed { run, help, error };

// Two passes so that flags override the config file wherever it appears on the line.
Parsed parse_args(int argc, char** argv, rhsim::Options& o, std::string& cert_out) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& arg : args)
    if (arg == "--help" || arg == "-h") return Parsed::help;
  for (std::size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--config") o.config_file = args[i + 1];
  std::string error;
  if (!rhsim::load_config_file(o, error)) {
    std::cerr << "rh-sim: " << error << '\n';
    return Parsed::error;
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--tls") {
      o.tls = true;
      if (i + 2 < args.size() && args[i + 1].rfind("--", 0) != 0) {
        o.tls_cert_file = args[++i];
        o.tls_key_file = args[++i];
      }
      continue;
    }
    std::string value = needs_value(flag) && i + 1 < args.size() ? args[++i] : "";
    if (needs_value(flag) && value.empty()) {
      std::cerr << "rh-sim: " << flag << " needs a value\n";
      return Parsed::error;
    }
    if (!apply_flag(o, flag, value, cert_out)) {
      std::cerr << "rh-sim: unknown flag or bad value: " << flag << (value.empty() ? "" : " " + value) << '\n';
      return Parsed::error;
    }
  }
  return Parsed::run;
}

}  // namespace

int main(int argc, char** argv) {
  rhsim::Options options;
  std::string cert_out;
  switch (parse_args(argc, argv, options, cert_out)) {
    case Parsed::help:
      std::cout << kUsage;
      return 0;
    case Parsed::error:
      std::cerr << kUsage;
      return 2;
    case Parsed::run: break;
  }
  try {
    boost::asio::io_context ctx;
    rhsim::Simulator sim(ctx, options);
    sim.start();
    if (!cert_out.empty()) std::ofstream(cert_out) << sim.certificate_pem();
    std::cout << "listening on " << sim.base_url() << std::endl;
    boost::asio::signal_set signals(ctx, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) {
      sim.stop();
      ctx.stop();
    });
    ctx.run();
  } catch (const std::exception& e) {
    std::cerr << "rh-sim: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
