// `oms buy`, `oms sell`, `oms status`.
#include "apps/oms/cli_commands.hpp"
#include "apps/oms/cli_output.hpp"
#include "apps/oms/cli_session.hpp"

#include <cctype>

namespace oms::cli {
namespace {

constexpr const char* kExample = "e.g. oms buy TSLA 50 --ref 250.30";

// The first failing field wins, in the order the operator typed them.
outcome<OrderRequest> order_request(const Invocation& inv, const config::Config& config) {
  OrderRequest req;
  req.side = inv.command() == Command::sell ? Side::sell : Side::buy;
  req.symbol = inv.operands.at(0);
  if (auto e = validate_symbol(req.symbol)) return usage_error(e->field, e->rule, kExample);
  auto quantity = Quantity::parse(inv.operands.at(1));
  if (!quantity) return usage_error("quantity", "must be a positive whole number of shares, such as 50", kExample);
  if (auto e = validate_quantity(*quantity)) return usage_error(e->field, e->rule, kExample);
  req.quantity = *quantity;
  auto reference = Price::parse(*inv.option("--ref"));
  if (!reference) return usage_error("--ref", "must be a decimal price such as 250.30", kExample);
  if (auto e = validate_reference_price(*reference)) return usage_error("--ref", e->rule, kExample);
  req.reference_price = *reference;
  req.strategy = inv.option("--strategy").value_or("");
  // A typo would silently price with the global offsets: only configured strategies are accepted.
  if (!req.strategy.empty() && !config.order_management.strategy_overrides.count(req.strategy)) {
    std::string known;
    for (const auto& [name, o] : config.order_management.strategy_overrides) known += (known.empty() ? "" : ", ") + name;
    return usage_error("--strategy", "'" + req.strategy + "' is not in order_management.strategy_overrides",
                       known.empty() ? "leave it out to use the global offsets" : "use one of: " + known);
  }
  req.type = OrderType::limit;
  req.time_in_force = TimeInForce::gfd;
  req.manual_override = true;  // a person placed it: counted by `oms report`
  return req;
}

bool valid_order_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

}  // namespace

int run_trade(const Invocation& inv, const config::Config& config) {
  auto request = order_request(inv, config);
  if (!request) return fail(request.error());
  auto session = Session::open(config, inv.globals.json);
  if (!session) return fail(session.error());
  SubmissionResult result = (*session)->submit(std::move(*request));
  if (result.error) return fail(from_submission_error(*result.error));
  if (!result.envelope) return fail(CliError{exit_failure, "submission", "no envelope and no error", "see the log"});
  if (inv.globals.json) print_json(envelope_json(*result.envelope, result.duplicate));
  else print_text(envelope_text(*result.envelope, result.duplicate));
  return exit_ok;
}

int run_status(const Invocation& inv, const config::Config& config) {
  const std::string& id = inv.operands.at(0);
  if (!valid_order_id(id))
    return fail(usage_error("order_id", "must be a broker order id (letters, digits and '-')",
                            "copy it from `oms orders` or from the buy/sell output"));
  auto session = Session::open(config, inv.globals.json);
  if (!session) return fail(session.error());
  StatusReply reply = (*session)->status(id);
  if (!reply.status)
    return fail(CliError{exit_code_for_broker_text(reply.error), "broker", reply.error,
                         "check the id with `oms orders`; if the broker is unreachable, retry later"});
  if (inv.globals.json) print_json(status_json(*reply.status));
  else print_text(status_text(*reply.status));
  return exit_ok;
}

}  // namespace oms::cli
