#pragma once
/// Which alerts to send, decided without I/O (tests/console/alert_state.test.cpp). Fed the
/// journal's durable records, the owner's health every second or so, and the time; answers the
/// alerts due. Each alert has a stable id naming its episode ("kill_switch_engaged:<when it
/// was engaged>"), and an episode is alerted once: a second halt while halted, a breaker seen open
/// on every sample, the same ambiguous order failing again, send nothing new. The records already
/// in the journal at start-up set the state without alerting (their alerts were the previous
/// owner's to send).
#include "console/guardrails.hpp"
#include "messages/time.hpp"

#include <boost/describe/enum.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace oms::console {

BOOST_DEFINE_ENUM_CLASS(AlertEvent, breaker_tripped, kill_switch_engaged, kill_switch_resumed, order_unresolved,
                        login_required, session_expiring, guardrail_breached, guardrail_recovered)

/// One alert, as the webhook and the command receive it (with the owner's identity added).
struct Alert {
  std::string id;  ///< stable per episode: the same episode always has the same id
  AlertEvent event = AlertEvent::breaker_tripped;
  std::string severity;  ///< "critical", "warning" or "info"
  std::string summary;   ///< one line for a person
  Timestamp at{};
  boost::json::object details;
};
boost::json::object alert_json(const Alert& alert);

/// The owner's state as its health answer shows it.
struct OwnerState {
  bool halted = false;
  bool breaker_open = false;
  std::string breaker_reason;  ///< why the breaker opened, when known
  std::optional<Timestamp> session_expires_at;
  /// The broker session as the gateway keeps it: valid (renewable, renewed before the warning),
  /// expiring, renewal_failed, expired, none; empty when unknown (paper).
  std::string session;
};

struct AlertSettings {
  std::chrono::seconds session_warning{3600};
  GuardrailSettings guardrails;
  bool live = true;  ///< paper owners have no broker session and no HEART guardrails
};

class AlertState {
 public:
  explicit AlertState(AlertSettings settings = {});
  /// A record that was already in the journal at start-up: state only, no alert.
  void replay(const boost::json::object& record);
  /// Ends the replay: the guardrails are evaluated once at `now`, silently.
  void replayed(Timestamp now);
  /// A record made durable now.
  std::vector<Alert> record(const boost::json::object& record, Timestamp now);
  /// A health sample.
  std::vector<Alert> observe(const OwnerState& state, Timestamp now);
  /// The guardrails at `now`.
  std::vector<Alert> tick(Timestamp now);

  bool halted() const { return halted_since_.has_value(); }
  const Guardrails& guardrails() const { return guardrails_; }

 private:
  std::vector<Alert> apply(const boost::json::object& record, Timestamp now, bool alerting);

  AlertSettings settings_;
  Guardrails guardrails_;
  std::optional<std::string> halted_since_;     ///< ts of the halted record that began the episode
  std::optional<Timestamp> breaker_since_;      ///< first sample that saw the breaker open
  std::optional<std::string> login_since_;      ///< ts of the first login_required failure of the episode
  bool login_from_session_ = false;             ///< that episode began with the session seen expired or absent
  std::set<std::string> unresolved_;            ///< ref_ids alerted as unresolved and not yet settled
  std::optional<Timestamp> expiry_warned_;      ///< the session expiry already warned about
};

}  // namespace oms::console
