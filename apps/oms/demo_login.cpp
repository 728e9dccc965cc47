// The demo's first step (issue 14): a new device meets Robinhood's device approval. A process
// without a person (the order manager) stops at once with login_required; `oms login`'s path
// waits for the approval, which the demo gives through rh-sim's admin API (the phone's part);
// from then on the stored session is used and no new approval is asked for.
#include "apps/oms/demo_scenarios.hpp"

#include "gateway/gateway.hpp"

namespace oms::cli::demo {
namespace {

std::size_t workflows(Demo& d) { return d.sim.get("/_sim/verifications").at("results").as_array().size(); }

}  // namespace

void device_approval(Demo& d, Scenario& s) {
  s.name = "0. device approval (new device)";
  s.expected = "bot: login_required at once; oms login: approved, session stored";
  auto gw = d.om.live_gateway();
  if (!gw) throw DemoError("the demo runs live: no gateway");
  d.forget_requests();

  s.asked.push_back("a bot starts on a device the broker has never seen (no stored session)");
  auto bot = d.wait(gw->login());
  s.broker_saw.push_back(d.requests_seen() + "; verification workflows: " + std::to_string(workflows(d)));
  s.came_back.push_back(bot ? std::string("a session (unexpected)")
                            : "error " + std::string(gateway::to_string(bot.error().kind)) + ": " + bot.error().detail);
  s.expect(!bot && bot.error().kind == gateway::ErrorKind::login_required,
           "a process without a person answers login_required at once, never waits");

  s.asked.push_back("`oms login`: the same device token, a person to approve it");
  std::string shown;
  gateway::LoginInteraction person;
  person.awaiting_approval = [&](std::chrono::seconds left) {
    if (!shown.empty()) return;
    shown = "approve this login in the Robinhood app (" + std::to_string(left.count()) + " s left)";
    d.sim.post("/_sim/verifications/approve", boost::json::object{});  // the phone's part
  };
  d.forget_requests();
  auto login = d.wait(gw->login_interactive(person));
  s.broker_saw.push_back(d.requests_seen());
  if (!shown.empty()) s.came_back.push_back(shown + " → approved through rh-sim's admin API");
  if (login) {
    s.came_back.push_back("session: " + std::string(gateway::to_string(login->origin)) + ", user " + login->user +
                          ", device " + login->device + ", refreshable " + (login->refreshable ? "yes" : "no"));
  } else {
    s.came_back.push_back("error: " + login.error().to_string());
  }
  s.expect(login.has_value() && login->origin == gateway::SessionOrigin::approved,
           "the login goes through the device approval and is stored");

  auto before = workflows(d);
  auto account = d.wait(gw->account());
  s.expect(account.has_value(), "the stored session is used for the next request");
  s.expect(workflows(d) == before, "no new approval is asked for once the device is known");
  s.got = login ? "login_required, then approved" : "no session";
}

}  // namespace oms::cli::demo
