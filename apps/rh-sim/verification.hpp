#pragma once
/// Device verification as Robinhood runs it since 2024 (the "sheriff" workflow robin_stocks 3.4
/// speaks in `_validate_sherrif_id`): the state of every workflow, and which devices the account
/// knows. Plain data and rules, no HTTP; the Broker's verification endpoints drive it.
#include "apps/rh-sim/options.hpp"
#include "apps/rh-sim/util.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace rhsim {

/// The sheriff challenge's status, as `sheriff_challenge.status` and `challenge_status` spell it.
enum class ChallengeStatus { issued, validated, denied, failed, expired };
const char* status_name(ChallengeStatus status);

/// One verification workflow and its single challenge.
struct Workflow {
  std::string id;            ///< verification_workflow.id (W), in the 403 of the login
  std::string machine_id;    ///< pathfinder user_machine id (M); empty until asked for
  std::string challenge_id;  ///< sheriff_challenge.id (C)
  std::string type;          ///< prompt | sms | email
  std::string code;          ///< the code "sent" by sms/email; shown only by the admin API
  std::string device_token;  ///< the device being verified; never logged or listed
  ChallengeStatus status = ChallengeStatus::issued;
  bool approved = false;     ///< the client continued after validation: the device is known
  int attempts_left = 3;     ///< wrong codes left before the workflow fails
  oms::Timestamp created_at{}, expires_at{};

  /// workflow_status_internal_pending | _approved | _denied | _failed | _expired.
  std::string workflow_status() const;
  bool pending() const { return status == ChallengeStatus::issued; }
};

class DeviceVerification {
 public:
  explicit DeviceVerification(const Options& options);

  /// `none` switches verification off: every device is known.
  bool known(std::string_view device_token) const;
  void remember(const std::string& device_token) { known_.insert(device_token); }
  void forget_all() { known_.clear(); }
  std::size_t known_count() const { return known_.size(); }
  const std::string& type() const { return type_; }

  /// A fresh workflow for an unknown device: every login from it starts a new one, as
  /// Robinhood does (a client that retries is asked again).
  Workflow& start(const std::string& device_token, Rng& rng, oms::Timestamp now);
  Workflow* by_id(std::string_view workflow_id);
  Workflow* by_machine(std::string_view machine_id);
  Workflow* by_challenge(std::string_view challenge_id);
  /// Issued challenges past their deadline expire.
  void expire(oms::Timestamp now);
  const std::vector<Workflow>& workflows() const { return workflows_; }
  std::vector<Workflow>& workflows() { return workflows_; }

  /// A code answered for an sms/email challenge: validated, or one attempt fewer (failed at 0).
  bool respond(Workflow& w, std::string_view code);
  /// The client's "continue" after validation approves the workflow and remembers the device.
  void finish(Workflow& w);

 private:
  std::string type_;
  int timeout_s_, attempts_;
  std::set<std::string, std::less<>> known_;
  std::vector<Workflow> workflows_;
};

}  // namespace rhsim
