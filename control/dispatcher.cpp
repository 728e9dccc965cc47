#include "control/dispatcher.hpp"

#include <algorithm>
#include <exception>

namespace oms::control {
namespace json = boost::json;
using runtime::awaitable;

namespace {

// A typo in a strategy name would silently price with the global offsets: only the owner's
// configured strategies are accepted.
std::optional<Error> check_strategy(const std::string& strategy, const config::Config& config) {
  const auto& known = config.order_management.strategy_overrides;
  if (strategy.empty() || known.count(strategy)) return std::nullopt;
  std::string names;
  for (const auto& [name, o] : known) names += (names.empty() ? "" : ", ") + name;
  return Error{ErrorCode::bad_request, "strategy", "'" + strategy + "' is not in order_management.strategy_overrides",
               names.empty() ? "leave it out to use the global offsets" : "use one of: " + names};
}

std::optional<Error> check_state(const std::optional<std::string>& state) {
  if (!state) return std::nullopt;
  const auto& states = order_row_states();
  if (std::find(states.begin(), states.end(), *state) != states.end()) return std::nullopt;
  std::string names;
  for (const auto& s : states) names += (names.empty() ? "" : ", ") + s;
  return Error{ErrorCode::bad_request, "state", "'" + *state + "' is not an order state", "use one of: " + names};
}

json::value orders_json(std::vector<OrderRow> rows, const OrdersArgs& a) {
  json::array out;
  for (const auto& r : rows)
    if ((!a.symbol || r.symbol == *a.symbol) && (!a.state || r.state == *a.state)) out.push_back(order_row_json(r));
  return json::object{{"orders", std::move(out)}};
}

}  // namespace

awaitable<void> Dispatcher::handle(Request request, Emit emit, Subscribe subscribe) {
  std::optional<Error> refused;
  json::value result;
  try {
    auto pending = carry_out(request, emit, subscribe, refused);
    result = co_await std::move(pending);
  } catch (const std::exception& e) {
    refused = Error{ErrorCode::internal, "", std::string("the owner failed: ") + e.what(), "see the owner's log"};
  }
  if (refused) emit(encode_error(request.id, *refused));
  else emit(encode_result(request.id, std::move(result)));
}

awaitable<json::value> Dispatcher::carry_out(const Request& request, const Emit& emit, const Subscribe& subscribe,
                                             std::optional<Error>& refused) {
  // The kill switch and health never wait for start-up recovery; everything else does.
  Op op = request.op();
  if (op != Op::health && op != Op::cancel_all && op != Op::subscribe && op != Op::orders) {
    auto ready = port_.ready(kReadyWait);
    refused = co_await std::move(ready);
    if (refused) co_return json::value{};
  }
  // Each awaitable is named before it is awaited: the GCC 12 trap (docs/architecture.md).
  switch (op) {
    case Op::health: {
      auto pending = port_.health();
      co_return to_json(co_await std::move(pending));
    }
    case Op::place: {
      const auto& a = std::get<PlaceArgs>(request.args);
      if ((refused = check_strategy(a.order.strategy, port_.config()))) co_return json::value{};
      auto pending = port_.place(a.order);
      co_return to_json(co_await std::move(pending));
    }
    case Op::status: {
      auto pending = port_.status(std::get<StatusArgs>(request.args).order_id);
      co_return to_json(co_await std::move(pending));
    }
    case Op::orders: {
      const auto& a = std::get<OrdersArgs>(request.args);
      if ((refused = check_state(a.state))) co_return json::value{};
      co_return orders_json(port_.orders(), a);
    }
    case Op::cancel_all: {
      json::value id = request.id;
      std::function<void(HaltAck)> on_halted = [emit, id](HaltAck ack) {
        emit(encode_progress(id, "halted", to_json_object(ack)));
      };
      auto pending = port_.cancel_all(std::get<CancelAllArgs>(request.args).requested_by, std::move(on_halted));
      co_return to_json(co_await std::move(pending));
    }
    case Op::resume: {
      auto pending = port_.resume(std::get<ResumeArgs>(request.args).requested_by);
      co_return to_json(co_await std::move(pending));
    }
    case Op::sync: {
      auto pending = port_.sync();
      co_return to_json(co_await std::move(pending));
    }
    case Op::subscribe: {
      const auto& topics = std::get<SubscribeArgs>(request.args).topics;
      subscribe(topics);
      co_return json::object{{"topics", to_json(topics)}};
    }
  }
  refused = Error{ErrorCode::internal, "op", "is not handled", "this is a bug"};
  co_return json::value{};
}

}  // namespace oms::control
