#include "apps/rh-sim/verification.hpp"

namespace rhsim {

const char* status_name(ChallengeStatus status) {
  switch (status) {
    case ChallengeStatus::issued: return "issued";
    case ChallengeStatus::validated: return "validated";
    case ChallengeStatus::denied: return "denied";
    case ChallengeStatus::failed: return "failed";
    case ChallengeStatus::expired: return "expired";
  }
  return "failed";
}

std::string Workflow::workflow_status() const {
  if (approved) return "workflow_status_approved";
  switch (status) {
    case ChallengeStatus::issued:
    case ChallengeStatus::validated: return "workflow_status_internal_pending";
    case ChallengeStatus::denied: return "workflow_status_denied";
    case ChallengeStatus::failed: return "workflow_status_failed";
    case ChallengeStatus::expired: return "workflow_status_expired";
  }
  return "workflow_status_failed";
}

DeviceVerification::DeviceVerification(const Options& options)
    : type_(options.verification), timeout_s_(options.verification_timeout_s),
      attempts_(options.verification_attempts > 0 ? options.verification_attempts : 1),
      known_(options.known_devices.begin(), options.known_devices.end()) {}

bool DeviceVerification::known(std::string_view device_token) const {
  return type_ == "none" || known_.contains(device_token);
}

Workflow& DeviceVerification::start(const std::string& device_token, Rng& rng, oms::Timestamp now) {
  Workflow w;
  w.id = rng.uuid();
  w.challenge_id = rng.uuid();
  w.type = type_;
  if (type_ != "prompt") w.code = std::to_string(100000 + rng.below(900000));  // six digits
  w.device_token = device_token;
  w.attempts_left = attempts_;
  w.created_at = now;
  w.expires_at = now + std::chrono::seconds(timeout_s_);
  workflows_.push_back(std::move(w));
  return workflows_.back();
}

namespace {
template <class Member>
Workflow* find(std::vector<Workflow>& all, Member member, std::string_view id) {
  if (id.empty()) return nullptr;
  for (auto& w : all)
    if (w.*member == id) return &w;
  return nullptr;
}
}  // namespace

Workflow* DeviceVerification::by_id(std::string_view id) { return find(workflows_, &Workflow::id, id); }
Workflow* DeviceVerification::by_machine(std::string_view id) { return find(workflows_, &Workflow::machine_id, id); }
Workflow* DeviceVerification::by_challenge(std::string_view id) {
  return find(workflows_, &Workflow::challenge_id, id);
}

void DeviceVerification::expire(oms::Timestamp now) {
  for (auto& w : workflows_)
    if (w.pending() && now >= w.expires_at) w.status = ChallengeStatus::expired;
}

bool DeviceVerification::respond(Workflow& w, std::string_view code) {
  if (!w.pending()) return w.status == ChallengeStatus::validated;
  if (!w.code.empty() && code == w.code) {
    w.status = ChallengeStatus::validated;
    return true;
  }
  if (--w.attempts_left <= 0) w.status = ChallengeStatus::failed;
  return false;
}

void DeviceVerification::finish(Workflow& w) {
  if (w.status != ChallengeStatus::validated) return;
  w.approved = true;
  known_.insert(w.device_token);
}

}  // namespace rhsim
