#pragma once
/// The control protocol without I/O: JSON lines between the process that owns an account's
/// journal (a bot, `oms serve`, a one-shot `oms` command) and its clients (`oms`, bots in any
/// language). One request per line, one or more reply lines per request (progress, then exactly
/// one result or error), plus event lines on a subscription. docs/control-protocol.md is the
/// reference; this file parses and encodes every line, and tests/control/protocol.test.cpp
/// walks every rule.
#include "messages/cancel.hpp"
#include "messages/order.hpp"
#include "messages/safety.hpp"
#include "messages/status.hpp"
#include "messages/submission.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace oms::control {

/// The protocol version this build speaks; every line carries it as "v".
inline constexpr int kVersion = 1;
/// A request line longer than this is refused (and skipped up to its newline).
inline constexpr std::size_t kMaxLineBytes = 64 * 1024;

/// What a request asks the owner to do.
BOOST_DEFINE_ENUM_CLASS(Op, health, place, status, orders, cancel_all, resume, sync, subscribe)

/// Event streams a client can subscribe to. fills: `fill`; orders: `envelope`, `state_change`,
/// `cancel_result`, `submission_failed`, `adopted`, `intent_abandoned`; safety: `halted`,
/// `resumed`, `breaker_tripped`.
BOOST_DEFINE_ENUM_CLASS(Topic, fills, orders, safety)

/// Why a request was not carried out (the code is stable; field and rule are for a person).
BOOST_DEFINE_ENUM_CLASS(ErrorCode,
                        bad_json,             ///< the line is not a JSON object
                        line_too_long,        ///< over kMaxLineBytes; skipped to its newline
                        unsupported_version,  ///< "v" is not a version this owner speaks
                        unknown_op,           ///< "op" names no operation
                        bad_request,          ///< a field is missing, unknown or breaks its rule
                        forbidden,            ///< the peer is not the owner's user (SO_PEERCRED)
                        not_ready,            ///< the owner's start-up recovery has not finished or failed
                        shutting_down,        ///< the owner is stopping: look for the next owner
                        timed_out,            ///< the owner's runtime did not answer in time
                        internal)             ///< a bug in the owner: see its log

/// A refusal: which field, which rule, what to do.
struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string field;
  std::string rule;
  std::string what_to_do;
  /// "field: rule — what to do".
  std::string to_string() const;
};

// The arguments of each operation (flat fields of the request line; see the doc).
struct HealthArgs {};
struct PlaceArgs {
  OrderRequest order;  ///< side, symbol, quantity, reference_price, strategy, … as given
};
struct StatusArgs {
  std::string order_id;
};
struct OrdersArgs {
  std::optional<std::string> symbol;
  std::optional<std::string> state;
};
struct CancelAllArgs {
  std::string requested_by = "control";
};
struct ResumeArgs {
  std::string requested_by = "control";
};
struct SyncArgs {};
struct SubscribeArgs {
  std::vector<Topic> topics;  ///< all topics when the request names none
};
using Args = std::variant<HealthArgs, PlaceArgs, StatusArgs, OrdersArgs, CancelAllArgs, ResumeArgs, SyncArgs,
                          SubscribeArgs>;

/// One parsed request line.
struct Request {
  boost::json::value id;  ///< a string or an integer chosen by the client, echoed in every reply
  Args args;
  Op op() const;
};

/// A line that could not become a Request: the error, and the id when it could be read.
struct Refusal {
  boost::json::value id;  ///< null when the line had no usable id
  Error error;
};

/// Parses and validates one request line (without its newline).
boost::system::result<Request, Refusal> parse_request(std::string_view line);
/// The line a client sends (with its newline).
std::string encode_request(const Request& request);

// Reply lines (owner side), each with its newline.
std::string encode_result(const boost::json::value& id, boost::json::value result);
std::string encode_error(const boost::json::value& id, const Error& error);
std::string encode_progress(const boost::json::value& id, std::string_view stage, boost::json::object data);
/// An event from a durable journal record; nullopt when the record's kind belongs to no topic.
std::optional<std::string> encode_event(const boost::json::object& journal_record);
/// The topic a journal record kind belongs to.
std::optional<Topic> topic_of(std::string_view record_kind);

/// One line from the owner, as a client reads it.
struct Reply {
  enum class Kind { result, error, progress, event };
  Kind kind = Kind::result;
  boost::json::value id;      ///< null for events
  boost::json::value result;  ///< result
  Error error;                ///< error
  std::string name;           ///< progress: the stage; event: the record kind
  boost::json::object data;   ///< progress and event payload
};
/// Parses a reply line; a line that is not one is an error naming what is wrong.
boost::system::result<Reply, Error> parse_reply(std::string_view line);

/// The owner's answer to `health`.
struct Health {
  static constexpr const char* message_type = "Health";
  int protocol = kVersion;
  std::int64_t owner_pid = 0;
  ExecutionMode mode = ExecutionMode::paper;
  std::string broker_host;  ///< "api.robinhood.com", "127.0.0.1:8080"; empty in paper mode
  std::string journal_path;
  std::string socket_path;
  std::string state;           ///< recovering, ready, recovery_failed, stopping
  std::string recovery_error;  ///< why start-up recovery failed (state recovery_failed)
  bool halted = false;
  bool breaker_open = false;
  std::int64_t open_orders = 0;      ///< orders the owner's ledger holds as open at the broker
  std::int64_t in_flight_sends = 0;  ///< submissions on their way to the broker right now
  std::string session;  ///< the broker session: valid, expiring, renewal_failed, expired, none ("" in paper)
  std::optional<Timestamp> session_expires_at;  ///< the broker session's expiry, when known
  Timestamp started_at{};
};
BOOST_DESCRIBE_STRUCT(Health, (), (protocol, owner_pid, mode, broker_host, journal_path, socket_path, state,
                                   recovery_error, halted, breaker_open, open_orders, in_flight_sends, session,
                                   session_expires_at, started_at))

/// The `cancel_all` progress stage "halted": the owner's ledger refuses submissions from now on.
struct HaltAck {
  static constexpr const char* message_type = "HaltAck";
  std::int64_t in_flight_sends = 0;  ///< sends already past the gate; the kill switch waits for and cancels them
};
BOOST_DESCRIBE_STRUCT(HaltAck, (), (in_flight_sends))

/// The answer to `sync`: the pass, and the fills it journalled.
struct SyncResult {
  static constexpr const char* message_type = "SyncResult";
  SyncReport report;
  std::vector<FillEvent> fills;
};
BOOST_DESCRIBE_STRUCT(SyncResult, (), (report, fills))

}  // namespace oms::control
