#include "actors/submitter.hpp"

#include "actors/pricing.hpp"
#include "gateway/ids.hpp"
#include "runtime/log.hpp"

namespace oms::actors {
namespace json = boost::json;
using runtime::awaitable;
using namespace std::chrono_literals;

namespace {

SubmissionResult failure(SubmissionErrorCategory category, std::string field, std::string message,
                         std::string guidance, std::string ref_id = {}) {
  SubmissionResult r;
  r.error = SubmissionError{category, std::move(field), std::move(message), std::move(guidance), std::move(ref_id)};
  return r;
}

SubmissionErrorCategory category_of(const gateway::BrokerError& e) {
  using gateway::ErrorKind;
  switch (e.kind) {
    case ErrorKind::insufficient_funds: return SubmissionErrorCategory::insufficient_funds;
    case ErrorKind::ambiguous_unresolved:
    // Stopped mid-request (shutdown): the POST may have reached the broker; recovery settles it.
    case ErrorKind::cancelled: return SubmissionErrorCategory::ambiguous_unresolved;
    case ErrorKind::login_required: return SubmissionErrorCategory::login_required;
    case ErrorKind::network:
    case ErrorKind::server:
    case ErrorKind::throttled: return e.failure == gateway::FailureClass::ambiguous
                                          ? SubmissionErrorCategory::ambiguous_unresolved
                                          : SubmissionErrorCategory::transient_exhausted;
    default: return SubmissionErrorCategory::broker_rejected;
  }
}

// The collar's refusal for want of a quote (not a fat finger): what the caller can do about it.
constexpr const char* kNoQuoteField = "quote";
constexpr const char* kNoQuoteGuidance =
    "retry when the broker's quotes answer; to send orders without a quote check set "
    "order_management.price_collar_on_missing_quote to \"allow\" (or price_collar_pct to 0 to turn the collar "
    "off) in config.json";

std::string guidance_for(SubmissionErrorCategory c, const std::string& ref_id) {
  switch (c) {
    case SubmissionErrorCategory::insufficient_funds:
      return "add funds or reduce the quantity; the circuit breaker is open until `oms resume`";
    case SubmissionErrorCategory::login_required:
      return "run `oms login` (nothing was placed; the session is used by every process once stored)";
    case SubmissionErrorCategory::transient_exhausted:
      return "the broker was unreachable after the retries; nothing was placed — retry later";
    case SubmissionErrorCategory::ambiguous_unresolved:
      return "the order may exist at the broker (ref_id " + ref_id +
             "): the owner keeps looking it up; an identical request waits for the outcome and never places it "
             "twice — see `oms orders --state unresolved`";
    default: return "the broker refused the order; fix it and submit again";
  }
}

SubmissionResult pricing_failure(const FieldError& e) {
  return failure(SubmissionErrorCategory::validation, e.field, e.rule,
                 "check the reference price and the offsets in config.json");
}

// With room for the journal's ts and kind: the table is allocated once.
json::object intent_record(const OrderRequest& r, Price limit, const std::string& ref_id, ExecutionMode mode) {
  return json::object({{"ref_id", ref_id},
                      {"symbol", r.symbol},
                      {"side", boost::describe::enum_to_string(r.side, "")},
                      {"quantity", r.quantity.to_string()},
                      {"limit_price", limit.to_string(2)},
                      {"reference_price", r.reference_price.to_string(2)},
                      {"strategy", r.strategy},
                      {"manual_override", r.manual_override.value_or(false)},
                      {"type", boost::describe::enum_to_string(r.type, "")},
                      {"mode", boost::describe::enum_to_string(mode, "")}},
                      12);
}

}  // namespace

Submitter::Submitter(runtime::Runtime& rt, config::OrderManagementConfig config, std::shared_ptr<SafetyLedger> ledger,
                     std::shared_ptr<Journal> journal, std::shared_ptr<gateway::Broker> gateway,
                     std::shared_ptr<Settler> settler, std::string name)
    : Actor(rt, std::move(name)), config_(std::move(config)), ledger_(std::move(ledger)), journal_(std::move(journal)),
      gateway_(std::move(gateway)), settler_(std::move(settler)) {}

void Submitter::on(runtime::Ask<OrderRequest, SubmissionResult> m) {
  // Each submission runs as its own coroutine on this strand, so several can be in flight.
  spawn(submit(std::move(m.body), std::move(m.reply_to)), "submit");
}

awaitable<bool> Submitter::journal(JournalRecord record) {
  auto ack = co_await runtime::ask<JournalAck>(journal_, std::move(record), 10s, name());
  co_return ack && ack->durable;
}

checked<Price> Submitter::limit_for(const OrderRequest& request, std::optional<Price> min_tick) const {
  if (request.type != OrderType::limit) return checked<Price>(request.reference_price);
  return pricing::compute_limit_price(request.side, request.reference_price, config_.offsets_for(request.strategy),
                                      min_tick);
}

awaitable<void> Submitter::submit(OrderRequest request, runtime::ReplyTo<SubmissionResult> reply) {
  auto self = shared_from_this();
  bool paper = gateway_->mode() == ExecutionMode::paper;
  if (request.type != OrderType::limit && !paper) {
    reply.send(failure(SubmissionErrorCategory::not_implemented, "type",
                       "market and stop orders are not implemented in live mode", "use a limit order"),
               name());
    co_return;
  }
  // Paper mode keeps market and stop orders (FR-014): they are validated as limit orders and
  // priced at the reference.
  auto as_limit = request;
  as_limit.type = OrderType::limit;
  if (auto e = validate(as_limit)) {
    reply.send(failure(SubmissionErrorCategory::validation, e->field, e->rule, "fix the input and submit again"), name());
    co_return;
  }
  // Errors that need no broker come first (nothing is sent for them); then the instrument's
  // rules: untradeable is refused here, before any POST, and a min_tick_size reprices the limit.
  auto limit = limit_for(request, std::nullopt);
  if (!limit) {
    reply.send(pricing_failure(limit.error()), name());
    co_return;
  }
  auto lookup = trading_rules(request.symbol);  // named first: the GCC 12 co_await trap
  auto rules = co_await std::move(lookup);
  if (auto* refused = std::get_if<SubmissionResult>(&rules)) {
    reply.send(std::move(*refused), name());
    co_return;
  }
  if (auto min_tick = std::get<gateway::Instrument>(rules).min_tick_size) {
    limit = limit_for(request, min_tick);
    if (!limit) {
      reply.send(pricing_failure(limit.error()), name());
      co_return;
    }
  }
  auto collar = check_collar(request.symbol, request.side, *limit);
  if (auto refused = co_await std::move(collar)) {
    reply.send(std::move(*refused), name());
    co_return;
  }
  PendingKey key{request.symbol, request.side, *limit};
  auto placed = reserve_and_place(std::move(request), *limit, key);
  reply.send(co_await std::move(placed), name());
}

// The ledger decides whether this order may go out. An identical order whose outcome is unknown
// is waited for; when the broker proved it absent, the key is reserved again with that order's
// ref_id, so even a late copy of its first attempt could never become a second order (the broker
// refuses a ref_id twice). A few rounds at most: each follows an event that changed the key.
awaitable<SubmissionResult> Submitter::reserve_and_place(OrderRequest request, Price limit, PendingKey key) {
  auto self = shared_from_this();
  std::string ref_id = gateway::new_ref_id();
  for (int round = 0; round < 4; ++round) {
    ReserveSubmission reserve{key, request.quantity, ref_id};
    auto asked = co_await runtime::ask<Reservation>(ledger_, std::move(reserve), 60s, name());
    if (!asked) co_return failure(SubmissionErrorCategory::internal, "", "the safety ledger did not answer", "retry");
    Reservation reservation = std::move(*asked);
    if (reservation.admission == Admission::await_settlement) {
      std::string waited_for = reservation.ref_id;
      auto waiting = await_settlement(std::move(reservation));
      auto settled = co_await std::move(waiting);
      if (!settled)
        co_return failure(SubmissionErrorCategory::ambiguous_unresolved, "",
                          "an identical order (ref_id " + waited_for +
                              ") may be at the broker and is still being settled after " +
                              std::to_string(config_.settlement.wait_ms) + " ms",
                          "nothing new was sent; the owner keeps looking it up — repeat the identical request to wait "
                          "again, or see `oms orders --state unresolved`",
                          waited_for);
      reservation = std::move(*settled);
    }
    switch (reservation.admission) {
      case Admission::halted:
        co_return failure(SubmissionErrorCategory::halted, "", "submissions are halted", reservation.guidance);
      case Admission::breaker_open:
        co_return failure(SubmissionErrorCategory::breaker_open, "", "the circuit breaker is open", reservation.guidance);
      case Admission::conflict:
        co_return failure(SubmissionErrorCategory::pending_conflict, "order",
                          reservation.guidance + ", not " + request.quantity.to_string(),
                          "nothing was sent; the same quantity returns that order; otherwise wait until it ends, "
                          "cancel it (`oms cancel-all`) or use another price");
      case Admission::duplicate: {
        SubmissionResult r;
        r.envelope = std::move(reservation.existing);
        r.duplicate = true;
        log::info("order.duplicate_request", {{"order_id", r.envelope->order_id}, {"symbol", request.symbol}});
        co_return r;
      }
      case Admission::unresolved:
        co_return failure(SubmissionErrorCategory::ambiguous_unresolved, "", reservation.guidance,
                          "nothing new was sent; check the broker for ref_id " + reservation.ref_id +
                              " — repeat the identical request to look again, or restart to settle it",
                          reservation.ref_id);
      case Admission::retry:
        // The earlier order was proven absent: place this one under its ref_id.
        log::info("order.settled_absent_retry", {{"ref_id", reservation.ref_id}, {"symbol", request.symbol}});
        ref_id = reservation.ref_id;
        continue;
      case Admission::proceed: {
        if (reservation.abandoned)
          co_return failure(SubmissionErrorCategory::broker_rejected, "", reservation.guidance,
                            "an identical request just failed; see its error");
        auto placing = place(std::move(request), limit, key, quote_for_order(key.symbol), reservation.ref_id);
        co_return co_await std::move(placing);
      }
      case Admission::join_pending:
      case Admission::await_settlement: break;
    }
    break;
  }
  co_return failure(SubmissionErrorCategory::internal, "", "the order's key kept changing hands while this request waited",
                    "retry");
}

awaitable<std::optional<Reservation>> Submitter::await_settlement(Reservation pending) {
  auto self = shared_from_this();
  if (pending.rearm) post(settler_, RearmSettlement{pending.ref_id}, name());
  log::info("order.awaiting_settlement", {{"ref_id", pending.ref_id}, {"wait_ms", config_.settlement.wait_ms}});
  AwaitSettlement wait{pending.ref_id};
  auto timeout = std::chrono::duration_cast<runtime::Duration>(std::chrono::milliseconds(config_.settlement.wait_ms));
  auto answer = co_await runtime::ask<Reservation>(ledger_, std::move(wait), timeout, name());
  if (!answer) co_return std::nullopt;
  co_return std::move(*answer);
}

awaitable<std::variant<gateway::Instrument, SubmissionResult>> Submitter::trading_rules(std::string symbol) {
  auto self = shared_from_this();
  auto instrument = co_await gateway_->instrument(symbol);
  if (!instrument) {
    const auto& e = instrument.error();
    if (e.kind == gateway::ErrorKind::not_found)
      co_return failure(SubmissionErrorCategory::validation, "symbol", "the broker has no instrument for " + symbol,
                        "check the symbol");
    auto category = category_of(e);
    if (category == SubmissionErrorCategory::ambiguous_unresolved) category = SubmissionErrorCategory::transient_exhausted;
    co_return failure(category, "symbol", "the instrument could not be read: " + e.detail,
                      category == SubmissionErrorCategory::login_required ? guidance_for(category, "")
                                                                          : "nothing was placed; retry later");
  }
  if (!instrument->tradeable)
    co_return failure(SubmissionErrorCategory::validation, "symbol",
                      symbol + " is not tradeable at the broker (instrument tradeable=false)",
                      "Robinhood refuses every order for it; nothing was sent");
  co_return std::move(*instrument);
}

// The quote check_collar just used (fresh), or nothing: robin_stocks and the web app send the
// ask, bid and their timestamp with an order, but a missing quote is never invented.
Submitter::QuoteSnapshot Submitter::quote_for_order(const std::string& symbol) const {
  auto cached = quotes_.find(symbol);
  if (cached == quotes_.end()) return {};
  if (runtime().clock().now() - cached->second.fetched_at > kQuoteFreshness) return {};
  return cached->second.quote;
}

// The fat-finger collar needs the broker's latest price; quotes are reused for a moment so a
// burst of orders in one symbol costs one quote. Without a quote the collar cannot judge: a
// safety check fails closed, so a live order is refused, unless config.json says
// price_collar_on_missing_quote: "allow" (then it goes on unchecked, with a warning).
awaitable<std::optional<SubmissionResult>> Submitter::check_collar(std::string symbol, Side side, Price limit) {
  auto self = shared_from_this();
  if (config_.price_collar_pct.is_zero()) co_return std::nullopt;
  auto now = runtime().clock().now();
  auto cached = quotes_.find(symbol);
  if (cached == quotes_.end() || now - cached->second.fetched_at > kQuoteFreshness) {
    auto [fetched, asked_at] = co_await fetch_quote(symbol);
    auto quote = fetched ? collar_quote(*fetched, side, asked_at) : std::nullopt;
    if (!quote) {
      std::string reason = fetched ? "no price in the quote" : fetched.error().to_string();
      // Paper mode's market is built from the references themselves: a symbol it has no price for
      // yet has nothing to check against and no money at risk.
      bool paper = gateway_->mode() == ExecutionMode::paper;
      if (config_.price_collar_on_missing_quote == config::MissingQuote::refuse && !paper) {
        if (!fetched && fetched.error().kind == gateway::ErrorKind::login_required) {
          // Not a quote problem: there is no session, and `oms login` is the remedy. ("allow"
          // goes on to the gateway, which refuses the order the same way and journals it.)
          log::warn("order.collar_login_required", {{"symbol", symbol}, {"reason", reason}});
          // The gateway's detail ends the message: "<cause> — <what to do>", as the CLI splits it.
          co_return failure(SubmissionErrorCategory::login_required, "",
                            symbol + "'s quote for the price collar could not be read, so the order was not sent: " +
                                fetched.error().detail,
                            guidance_for(SubmissionErrorCategory::login_required, ""));
        }
        log::warn("order.collar_no_quote", {{"symbol", symbol}, {"reason", reason}});
        co_return failure(SubmissionErrorCategory::validation, kNoQuoteField,
                          "no quote to check against: the price collar needs " + symbol +
                              "'s latest price and the broker gave none (" + reason + "); the order was not sent",
                          kNoQuoteGuidance);
      }
      log::warn("order.collar_unchecked", {{"symbol", symbol}, {"reason", reason}});
      co_return std::nullopt;
    }
    cached = quotes_.insert_or_assign(symbol, *quote).first;
  } else if (now - cached->second.fetched_at > kQuoteRefreshAhead && refreshing_.insert(symbol).second) {
    spawn(refresh_quote(symbol, side), "quote refresh");
  }
  if (auto e = pricing::check_price_collar(limit, cached->second.price, config_.price_collar_pct))
    co_return failure(SubmissionErrorCategory::validation, e->field, e->rule,
                      "probable fat finger: check the reference price (or price_collar_pct in config.json)");
  co_return std::nullopt;
}

std::optional<Submitter::CachedQuote> Submitter::collar_quote(const std::vector<std::optional<gateway::Quote>>& quotes,
                                                              Side side, Timestamp fetched_at) {
  if (quotes.empty() || !quotes.front()) return std::nullopt;
  const auto& q = *quotes.front();
  auto price = q.last_trade_price ? q.last_trade_price : (side == Side::buy ? q.ask : q.bid);
  if (!price) return std::nullopt;
  return CachedQuote{*price, fetched_at, QuoteSnapshot{q.ask, q.bid, q.updated_at}};
}

// Behind an order that used a quote about to go stale. A failed refresh changes nothing: the
// next order past kQuoteFreshness fetches (and refuses without a quote) as before.
awaitable<void> Submitter::refresh_quote(std::string symbol, Side side) {
  auto self = shared_from_this();
  auto [fetched, asked_at] = co_await fetch_quote(symbol);
  refreshing_.erase(symbol);
  if (!fetched) co_return;
  if (auto quote = collar_quote(*fetched, side, asked_at)) quotes_.insert_or_assign(symbol, *quote);
}

// The symbol's quote from the broker, sharing the request already in flight for it, if any.
awaitable<Submitter::FetchedQuotes> Submitter::fetch_quote(std::string symbol) {
  auto self = shared_from_this();
  if (auto joined = fetching_.find(symbol); joined != fetching_.end()) {
    auto fetch = joined->second;
    co_await fetch->done.async_wait(runtime::as_tuple_awaitable);
    if (fetch->result) co_return FetchedQuotes{*fetch->result, fetch->started};
    // Woken without an answer: this order's task was cancelled (the runtime is stopping).
    co_return FetchedQuotes{gateway::cancelled_error(), fetch->started};
  }
  auto fetch = std::make_shared<QuoteFetch>(strand(), runtime().clock().now());
  fetching_.emplace(symbol, fetch);
  std::vector<std::string> symbols{symbol};
  auto fetched = co_await gateway_->quotes(std::move(symbols));
  fetching_.erase(symbol);
  fetch->result = fetched;
  fetch->done.cancel();
  co_return FetchedQuotes{std::move(fetched), fetch->started};
}

awaitable<SubmissionResult> Submitter::place(OrderRequest request, Price limit, PendingKey key, QuoteSnapshot quote,
                                             std::string ref_id) {
  auto self = shared_from_this();
  Timestamp intent_at = runtime().clock().now();
  // Write-ahead: nothing is sent until the intent (with its ref_id) is durable.
  // Records are built before the co_await: GCC 12 miscompiles literals and braced temporaries
  // inside a co_await expression (see docs/architecture.md).
  JournalRecord intent_entry{"intent", intent_record(request, limit, ref_id, gateway_->mode())};
  if (!co_await journal(std::move(intent_entry))) {
    post(ledger_, SubmissionAbandoned{key, "journal write failed", false, false, ref_id}, name());
    co_return failure(SubmissionErrorCategory::journal_failed, "", "the order intent could not be journalled",
                      "nothing was sent; check the journal path and disk space");
  }
  // The last gate: a kill switch engaged since the reservation stops the order here, so nothing
  // reaches the broker after the halt was acknowledged except sends already past this point.
  ConfirmSend confirm{key, ref_id};
  auto gate = co_await runtime::ask<Reservation>(ledger_, std::move(confirm), 60s, name());
  if (!gate || gate->admission != Admission::proceed) {
    std::string why = gate ? gate->guidance : "the safety ledger did not answer; nothing was sent";
    JournalRecord stopped{"submission_failed", json::object{{"ref_id", ref_id}, {"symbol", request.symbol},
                                                            {"category", "halted"}, {"detail", why}}};
    co_await journal(std::move(stopped));
    post(ledger_, SubmissionAbandoned{key, why, false, false, ref_id}, name());
    co_return failure(SubmissionErrorCategory::halted, "", "submissions are halted", why, ref_id);
  }
  auto started = std::chrono::steady_clock::now();
  gateway::OrderIntent intent{ref_id, request.symbol, request.side, request.quantity, limit, request.time_in_force,
                              request.extended_hours, request.type, request.reference_price,
                              quote.ask, quote.bid, quote.at};
  auto placed = co_await gateway_->place_limit_order(std::move(intent));
  auto latency_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  if (!placed) {
    const auto& e = placed.error();
    auto category = category_of(e);
    JournalRecord failed{"submission_failed",
                         json::object{{"ref_id", ref_id}, {"symbol", request.symbol},
                                      {"category", boost::describe::enum_to_string(category, "")},
                                      {"detail", e.detail}, {"attempts", e.attempts}, {"http_status", e.http_status},
                                      {"latency_ms", latency_ms}}};
    co_await journal(std::move(failed));
    if (category == SubmissionErrorCategory::ambiguous_unresolved) {
      // The broker may hold it: the key stays reserved and the owner settles it in the background.
      Timestamp now = runtime().clock().now();
      post(ledger_, SubmissionUnresolved{key, ref_id, e.detail, now}, name());
      auto first = now + std::chrono::duration_cast<runtime::Duration>(
                             std::chrono::milliseconds(config_.settlement.base_delay_ms));
      post(settler_, SettleIntent{ref_id, key, request.quantity, request.reference_price, request.strategy,
                                  gateway_->mode(), intent_at, now, first},
           name());
    } else {
      // Only the broker's own refusals feed the breaker. A failure that left no broker decision
      // (retries exhausted, a network timeout) leaves SafetyChecks untouched (seed acceptance 5);
      // a missing session (login_required) is not the broker failing either.
      bool broker_failure = category == SubmissionErrorCategory::broker_rejected ||
                            category == SubmissionErrorCategory::insufficient_funds;
      post(ledger_, SubmissionAbandoned{key, e.detail, broker_failure,
                                        category == SubmissionErrorCategory::insufficient_funds, ref_id},
           name());
    }
    log::warn("order.submission_failed",
              {{"ref_id", ref_id}, {"symbol", request.symbol}, {"limit_price", limit.to_string(2)},
               {"error", e.to_string()}, {"category", boost::describe::enum_to_string(category, "")},
               {"attempt", e.attempts}, {"latency_ms", latency_ms},
               {"payload", intent_record(request, limit, ref_id, gateway_->mode())}});  // secret keys masked by log
    co_return failure(category, "", e.detail, guidance_for(category, ref_id), ref_id);
  }
  OrderEnvelope envelope{placed->order.id, ref_id, request.symbol, request.side, request.quantity, limit,
                         request.reference_price, runtime().clock().now(), gateway_->mode(), request.strategy,
                         std::move(placed->order.raw)};
  auto envelope_json = to_json_object(envelope, 4);  // room for two fields here, ts and kind in the journal
  // Read by `oms report` (HEART: task success and happiness).
  envelope_json["latency_ms"] = latency_ms;
  envelope_json["manual_override"] = request.manual_override.value_or(false);
  // Journalled without holding the reply: only the intent must be durable before the POST (one
  // fdatasync on the critical path). The envelope joins the journal's next batch, ahead of any
  // later record of this order (one mailbox, in order); lost in a crash, recovery finds the
  // order again by its ref_id.
  JournalRecord envelope_entry{"envelope", std::move(envelope_json)};
  post(journal_, std::move(envelope_entry), name());
  post(ledger_, SubmissionSucceeded{key, envelope}, name());
  if (log::enabled(log::Level::info))  // the fields cost more than the rest of this step
    log::info("order.submitted", {{"order_id", envelope.order_id}, {"ref_id", ref_id}, {"symbol", envelope.symbol},
                                  {"side", boost::describe::enum_to_string(envelope.side, "")},
                                  {"limit_price", limit.to_string(2)}, {"attempt", placed->posts},
                                  {"latency_ms", latency_ms}, {"order_submission_duration_ms", latency_ms}});
  SubmissionResult r;
  r.envelope = std::move(envelope);
  co_return r;
}

}  // namespace oms::actors
