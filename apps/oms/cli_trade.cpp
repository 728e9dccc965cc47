// `oms buy`, `oms sell`, `oms status`.
#include "apps/oms/cli_commands.hpp"
#include "apps/oms/cli_output.hpp"
#include "apps/oms/cli_owner.hpp"

#include <cctype>

namespace oms::cli {
namespace {

constexpr const char* kExample = "e.g. oms buy TSLA 50 --ref 250.30";

// The first failing field wins, in the order the operator typed them.
outcome<OrderRequest> order_request(const Invocation& inv) {
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
  // Checked by the owner against the strategies it trades with (unknown names are refused).
  req.strategy = inv.option("--strategy").value_or("");
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

// As long as the owner may take: waiting for its start-up, then retries with backoff.
constexpr std::chrono::milliseconds kPlaceDeadline{200'000};
constexpr std::chrono::milliseconds kStatusDeadline{130'000};

}  // namespace

int run_trade(const Invocation& inv, const config::Config& config) {
  auto request = order_request(inv);
  if (!request) return fail(request.error());
  auto link = OwnerLink::connect(config, inv);
  if (!link) return fail(link.error());
  control::Request place{nullptr, control::PlaceArgs{std::move(*request)}};
  // Not re-sent if the owner goes away mid-request: the order may exist.
  auto answer = (*link)->call(std::move(place), kPlaceDeadline, {}, false);
  if (!answer) return fail(answer.error());
  auto result = decode<SubmissionResult>(*answer);
  if (!result) return fail(result.error());
  if (result->error) return fail((*link)->named(from_submission_error(*result->error)));
  if (!result->envelope) return fail(CliError{exit_failure, "submission", "no envelope and no error", "see the log"});
  const auto& owner = (*link)->owner();
  if (inv.globals.json) print_json(with_owner(envelope_json(*result->envelope, result->duplicate), owner));
  else print_text(owner_text(owner, config) + envelope_text(*result->envelope, result->duplicate));
  return exit_ok;
}

int run_status(const Invocation& inv, const config::Config& config) {
  const std::string& id = inv.operands.at(0);
  if (!valid_order_id(id))
    return fail(usage_error("order_id", "must be a broker order id (letters, digits and '-')",
                            "copy it from `oms orders` or from the buy/sell output"));
  auto link = OwnerLink::connect(config, inv);
  if (!link) return fail(link.error());
  control::Request status{nullptr, control::StatusArgs{id}};
  auto answer = (*link)->call(std::move(status), kStatusDeadline);
  if (!answer) return fail(answer.error());
  auto reply = decode<StatusReply>(*answer);
  if (!reply) return fail(reply.error());
  if (!reply->status)
    return fail((*link)->named(CliError{exit_code_for_broker_text(reply->error), "broker", reply->error,
                                        "check the id with `oms orders`; if the broker is unreachable, retry later"}));
  const auto& owner = (*link)->owner();
  if (inv.globals.json) print_json(with_owner(status_json(*reply->status), owner));
  else print_text(owner_text(owner, config) + status_text(*reply->status));
  return exit_ok;
}

}  // namespace oms::cli
