#pragma once
/// The seed's HEART guardrails evaluated continuously over their windows, from the journal's
/// durable records as they come (live orders only, like `oms report`). Pure: records and the
/// time in, breaches and recoveries out; tests/console/guardrails.test.cpp drives it with
/// timestamps. The windows:
/// - Happiness: more than 3 manual overrides in the current trading week (Monday–Sunday, UTC).
/// - Engagement: under 90 % automated over the last 2 days (at least 20 live intents).
/// - Retention: under 97 % broker success over the last 24 h (at least 20 outcomes).
/// - Task Success: the P95 submission duration over the last `p95_window` above 1500 ms,
///   continuously for `p95_sustain` (the seed: sustained 10 min).
#include "messages/time.hpp"

#include <boost/describe/enum.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace oms::console {

BOOST_DEFINE_ENUM_CLASS(Guardrail, happiness, engagement, retention, task_success)

struct GuardrailSettings {
  std::chrono::seconds p95_window{60};
  std::chrono::seconds p95_sustain{600};
  static constexpr std::chrono::hours kEngagementWindow{48};
  static constexpr std::chrono::hours kRetentionWindow{24};
  static constexpr int kMinSamples = 20;  ///< fewer intents or outcomes in a window say nothing
};

/// A guardrail crossed, or back within its bound.
struct GuardrailChange {
  Guardrail guardrail = Guardrail::task_success;
  bool breached = true;     ///< false: recovered
  Timestamp since{};        ///< when this breach began (the episode's key)
  Timestamp at{};           ///< when it was seen
  std::string measured;     ///< "P95 1834 ms over the last 60 s (n=12)"
  std::string rule;         ///< the seed's guardrail, "P95 > 1500 ms sustained 10 min"
};

class Guardrails {
 public:
  explicit Guardrails(GuardrailSettings settings = {});
  /// A durable journal record, in journal order (paper records are left out).
  void record(const boost::json::object& record);
  /// Evaluates every guardrail at `now` (called every second or so, and after records).
  std::vector<GuardrailChange> evaluate(Timestamp now);
  bool breached(Guardrail g) const { return state_[index(g)].breached; }
  /// The rule text of a guardrail (the seed's words).
  static std::string rule(Guardrail g, const GuardrailSettings& settings);

 private:
  struct Sample {
    Timestamp at{};
    std::int64_t value = 0;  ///< latency ms, or 1/0 (success, manual override)
    std::string ref_id;
  };
  struct State {
    bool breached = false;
    Timestamp since{};
    std::optional<Timestamp> over_since;  ///< task success: above the bound since
  };
  static std::size_t index(Guardrail g) { return static_cast<std::size_t>(g); }
  void outcome(const boost::json::object& r, Timestamp at, bool success);
  void drop_old(Timestamp now);
  // The measurement of one guardrail at `now`: bad, and the text for the alert.
  std::pair<bool, std::string> happiness(Timestamp now) const;
  std::pair<bool, std::string> engagement(Timestamp now) const;
  std::pair<bool, std::string> retention(Timestamp now) const;
  std::optional<std::pair<bool, std::string>> task_success(Timestamp now) const;  ///< nullopt: no sample
  void change(Guardrail g, bool bad, const std::string& measured, Timestamp now, std::vector<GuardrailChange>& out);

  GuardrailSettings settings_;
  std::deque<Sample> intents_;    ///< value: 1 manual override, 0 automated
  std::deque<Sample> outcomes_;   ///< value: 1 accepted by the broker, 0 failed; one per ref_id
  std::deque<Sample> latencies_;  ///< value: ms
  std::array<State, 4> state_{};
};

}  // namespace oms::console
