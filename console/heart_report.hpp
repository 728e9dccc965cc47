#pragma once
/// The seed's HEART metrics, computed from the order journal (`oms report`, the end of `oms demo`, the
/// console's HEART table).
#include "messages/time.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace oms::heart {

// The seed's numbers (its HEART table), in one place: the report's verdicts and the console's
// continuous guardrails (console/guardrails.*) read the same ones.
inline constexpr int kOverridesTarget = 1, kOverridesGuardrail = 3;  // per trading week
inline constexpr int kAutomatedTargetPct = 95, kAutomatedGuardrailPct = 90;
inline constexpr int kSuccessTargetPct = 99, kSuccessGuardrailPct = 97;
inline constexpr long kP95TargetMs = 750, kP95GuardrailMs = 1500;

/// Monday (UTC) of the trading week `t` falls in, as days since the epoch.
long trading_week_of(Timestamp t);

/// One row of the seed's HEART table, measured.
struct HeartMetric {
  std::string dimension;  ///< Happiness, Engagement, Adoption, Retention, Task Success
  std::string metric;     ///< what is measured
  std::string value;      ///< measured, as text ("no data" when nothing to measure)
  std::string target;     ///< the seed's target
  std::string guardrail;  ///< the seed's guardrail
  std::string verdict;    ///< "meets target" | "below target" | "guardrail breached" | "no data"
};

struct HeartReport {
  int submissions = 0;        ///< live intents journalled
  int broker_successes = 0;   ///< submissions whose last outcome is an envelope (broker accepted)
  int broker_failures = 0;    ///< submissions whose last outcome is submission_failed
  int cancels = 0;            ///< cancel results
  int manual_overrides = 0;   ///< intents with manual_override=true
  int automated = 0;          ///< intents without it
  int adopted = 0;            ///< broker orders found outside the OrderManager (recovery "adopted")
  int paper_records = 0;      ///< paper-mode records, left out: the metrics are about live trading
  int max_overrides_in_a_week = 0;  ///< the worst trading week (Monday to Sunday, UTC)
  int weeks = 0;                    ///< weeks with at least one live intent
  std::optional<long> p50_submission_ms;  ///< nearest rank over every live submission that reached the gateway
  std::optional<long> p95_submission_ms;
  std::vector<HeartMetric> metrics;
};

/// Reads the journal (records at or after `since` when given). A torn last line is ignored.
HeartReport compute_heart_report(const std::filesystem::path& journal, std::optional<Timestamp> since = {});
/// A fixed-width table for a terminal.
std::string render_heart_report(const HeartReport& report);
boost::json::object heart_report_json(const HeartReport& report);

}  // namespace oms::heart
