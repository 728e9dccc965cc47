// `oms login`, `oms login --import-token`, `oms session` and exit code 6, as an operator runs
// them against the strict rh-sim (issue 14: each verification type end to end; finding 13.16).
#include "cli_fixture.hpp"

#include <sys/stat.h>

using namespace clitest;
using namespace std::chrono_literals;

namespace {

rhsim::Options strict(const std::string& verification) {
  auto o = simtest::strict_options();
  o.verification = verification;
  o.throttle = false;  // these tests measure the login, not the broker's budget
  return o;
}

// The token file below folders that do not exist yet (~/.config/oms with HOME = the test folder).
struct LoginFixture : CliFixture {
  explicit LoginFixture(const std::string& verification) : LoginFixture(strict(verification)) {}
  explicit LoginFixture(const rhsim::Options& options) : CliFixture(options) {
    std::string json = config_json(sim.base(), dir);
    auto at = json.find((dir / "token.json").string());
    json.replace(at, (dir / "token.json").string().size(), token_path().string());
    write_config(json);
  }
  std::filesystem::path token_path() const { return dir / ".config" / "oms" / "token.json"; }
  std::size_t workflows() { return sim.admin_get("/_sim/verifications").at("results").as_array().size(); }
  // The code rh-sim "sent" by text or e-mail, once the workflow exists (polled, generous deadline).
  std::string wait_for_code() {
    for (int i = 0; i < 600; ++i) {
      auto all = sim.admin_get("/_sim/verifications");
      for (const auto& w : all.at("results").as_array())
        if (w.at("code").is_string() && w.at("status") == "issued") return std::string(w.at("code").as_string());
      std::this_thread::sleep_for(20ms);  // polling a condition, not synchronising on time
    }
    FAIL("no verification code appeared");
    return {};
  }
  Child start(std::vector<std::string> args, bool piped_stdin = false) {
    return Child(argv(std::move(args)), env(), dir.string(), piped_stdin);
  }
  std::int64_t token_posts() {
    auto all = sim.admin_get("/_sim/requests");
    const auto* n = all.at("counts").as_object().if_contains("POST /oauth2/token/");
    return n ? n->to_number<std::int64_t>() : 0;
  }
};

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("oms login with a prompt: approved in the app, the session is stored (0600, folder 0700) and oms session shows it") {
  LoginFixture f("prompt");
  Child login = f.start({"login"});
  REQUIRE(login.wait_for_stderr("approve this login in the Robinhood app", 30s));
  f.sim.admin("/_sim/verifications/approve", "{}");
  Result r = login.finish();
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("logged in") != std::string::npos);
  CHECK(mode_of(f.token_path()) == 0600);
  CHECK(mode_of(f.token_path().parent_path()) == 0700);  // finding 13.8
  auto session = f.oms_json({"session"});
  CHECK(str(session, "state") == "valid");
  CHECK(str(session, "obtained") == "approved");
  CHECK(str(session, "user") == "d***");
  CHECK(session.at("refreshable").as_bool());
  CHECK(read_text(f.token_path()).find("\"demo\"") == std::string::npos);
}

TEST_CASE("after the approval the device is kept: orders and a second oms login need no new workflow") {
  LoginFixture f("prompt");
  Child login = f.start({"login"});
  REQUIRE(login.wait_for_stderr("approve this login", 30s));
  f.sim.admin("/_sim/verifications/approve", "{}");
  REQUIRE(login.finish().exit_code == 0);
  CHECK_FALSE(f.buy("TSLA", "1", "250.30").empty());
  Result again = f.oms({"login"});
  CHECK(again.exit_code == 0);
  CHECK(again.err.find("approve") == std::string::npos);
  CHECK(f.workflows() == 1);
}

TEST_CASE("oms login denied in the app exits 6 with the cause") {
  LoginFixture f("prompt");
  Child login = f.start({"login"});
  REQUIRE(login.wait_for_stderr("approve this login", 30s));
  f.sim.admin("/_sim/verifications/deny", "{}");
  Result r = login.finish();
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("oms: login required: ") != std::string::npos);
  CHECK(r.err.find("denied") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("oms login that nobody approves times out with exit 6") {
  LoginFixture f("prompt");
  Result r = f.oms({"login", "--timeout", "1"});
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("not approved within 1 s") != std::string::npos);
  CHECK_FALSE(read_text(f.token_path()).find("access_token\":\"ey") != std::string::npos);
}

TEST_CASE("oms login with an sms code read from standard input (not a terminal)") {
  LoginFixture f("sms");
  Child login = f.start({"login"}, true);
  login.write_stdin(f.wait_for_code() + "\n");
  Result r = login.finish();
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
  CHECK(f.oms_json({"session"}).at("obtained") == "approved");
}

TEST_CASE("oms login with an sms code typed after the broker's deadline exits 6: not approved in time") {
  auto o = strict("sms");
  o.verification_timeout_s = 1;
  LoginFixture f(o);
  Child login = f.start({"login"}, true);
  std::string code = f.wait_for_code();
  // The condition is the broker's own deadline passing (its expires_at, on the wall clock).
  auto all = f.sim.admin_get("/_sim/verifications");
  auto deadline = oms::parse_iso8601(std::string(all.at("results").at(0).at("expires_at").as_string())).value();
  for (int i = 0; i < 1000 && std::chrono::system_clock::now() <= deadline + 50ms; ++i)
    std::this_thread::sleep_for(20ms);
  login.write_stdin(code + "\n");  // the right code, too late
  Result r = login.finish();
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("deadline") != std::string::npos);
}

TEST_CASE("oms login with an e-mail code") {
  LoginFixture f("email");
  Child login = f.start({"login"}, true);
  login.write_stdin(f.wait_for_code() + "\n");
  Result r = login.finish();
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("oms login with a wrong code exits 6; off a terminal one line is read, never a loop") {
  LoginFixture f("sms");
  Child login = f.start({"login"}, true);
  f.wait_for_code();
  login.write_stdin("000000\n111111\n");
  Result r = login.finish();
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("oms: login required: ") != std::string::npos);
  CHECK(r.err.find("refused the code") != std::string::npos);
  auto all = f.sim.admin_get("/_sim/verifications");
  CHECK(all.at("results").at(0).at("remaining_attempts") == 2);  // one code sent, not two
}

TEST_CASE("a bot on a new device exits 6 fast with one line: login required, run oms login") {
  LoginFixture f("prompt");
  Result r = f.oms({"buy", "TSLA", "1", "--ref", "250.30"});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 6);
  CHECK(one_error_line(r.err));
  CHECK(r.err.rfind("oms: login required: ", 0) == 0);
  CHECK(r.err.find("run `oms login`") != std::string::npos);
  CHECK(f.broker_orders() == 0);
  CHECK(f.workflows() == 1);
  CHECK(f.token_posts() == 1);  // one password attempt, no loop
}

TEST_CASE("an imported browser token is stored and trades; an expired one exits 6, a malformed one 2") {
  LoginFixture f("prompt");
  auto minted = f.sim.admin("/_sim/tokens", R"({"expires_in_s":2592000})");
  std::ofstream(f.dir / "jwt.txt") << std::string(minted.at("access_token").as_string()) << "\n";
  Result imported = f.oms({"login", "--import-token", "jwt.txt"});
  INFO("stderr: ", imported.err);
  CHECK(imported.exit_code == 0);
  CHECK(imported.out.find("not verified") != std::string::npos);
  auto session = f.oms_json({"session"});
  CHECK(str(session, "obtained") == "imported");
  CHECK_FALSE(session.at("refreshable").as_bool());
  // A bot with no password anywhere trades on it.
  Result bought = run(f.argv({"buy", "TSLA", "1", "--ref", "250.30"}), {"HOME=" + f.dir.string(), "PATH=/usr/bin:/bin"},
                      f.dir.string());
  CHECK(bought.exit_code == 0);
  CHECK(f.broker_orders() == 1);
  CHECK(f.workflows() == 0);

  auto old = f.sim.admin("/_sim/tokens", R"({"expires_in_s":-60})");
  std::ofstream(f.dir / "old.txt") << std::string(old.at("access_token").as_string());
  Result expired = f.oms({"login", "--import-token", "old.txt"});
  CHECK(expired.exit_code == 6);
  CHECK(expired.err.find("expired at") != std::string::npos);
  std::ofstream(f.dir / "junk.txt") << "not-a-token";
  Result junk = f.oms({"login", "--import-token", "junk.txt"});
  CHECK(junk.exit_code == 2);
  CHECK(one_error_line(junk.err));
  CHECK(junk.err.find("not a JWT") != std::string::npos);
  CHECK(junk.err.find("not-a-token") == std::string::npos);
}

TEST_CASE("oms login --import-token - reads the token from standard input") {
  LoginFixture f("prompt");
  auto minted = f.sim.admin("/_sim/tokens", R"({"expires_in_s":3600,"refresh":true})");
  Child child = f.start({"login", "--import-token", "-", "--json"}, true);
  child.write_stdin(std::string(minted.at("access_token").as_string()) + "\n" +
                    std::string(minted.at("refresh_token").as_string()) + "\n");
  Result r = child.finish();
  INFO("stderr: ", r.err);
  REQUIRE(r.exit_code == 0);
  auto j = boost::json::parse(r.out);
  CHECK(j.at("refreshable").as_bool());
  CHECK(j.at("signature_checked") == false);
}

TEST_CASE("oms session without a session exits 6 and says so") {
  LoginFixture f("prompt");
  Result r = f.oms({"session"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.find("none") != std::string::npos);
  CHECK(r.out.find("oms login") != std::string::npos);
}

TEST_CASE("finding 16: missing credentials and a wrong MFA code exit 6 with their own guidance, not 3") {
  LoginFixture none("none");
  Result missing = run(none.argv({"buy", "TSLA", "1", "--ref", "250.30"}),
                       {"HOME=" + none.dir.string(), "PATH=/usr/bin:/bin"}, none.dir.string());
  CHECK(missing.exit_code == 6);
  CHECK(one_error_line(missing.err));
  CHECK(missing.err.find("RH_USERNAME") != std::string::npos);
  CHECK(missing.err.find("oms login") != std::string::npos);

  auto opts = strict("none");
  opts.mfa_secret = "JBSWY3DPEHPK3PXP";
  CliFixture mfa(opts);
  std::vector<std::string> env = mfa.env();
  env.push_back("RH_MFA_SECRET=GEZDGNBVGY3TQOJQ");  // a valid base32 secret, but not the account's
  Result wrong = run(mfa.argv({"buy", "TSLA", "1", "--ref", "250.30"}), env, mfa.dir.string());
  INFO("stderr: ", wrong.err);
  CHECK(wrong.exit_code == 6);
  CHECK(one_error_line(wrong.err));
  CHECK(wrong.err.find("check RH_MFA_SECRET") != std::string::npos);
}

TEST_CASE("finding 16: a journal path that is a folder exits 1 with journal guidance, not 3") {
  CliFixture f;
  f.buy("TSLA", "1", "250.30");  // open at the broker: recovery must journal its adoption
  std::filesystem::create_directories(f.dir / "journal-folder");
  Result r = f.oms({"buy", "TSLA", "2", "--ref", "250.30", "--journal", (f.dir / "journal-folder").string()});
  INFO("stderr: ", r.err);
  CHECK(r.exit_code == 1);
  CHECK(one_error_line(r.err));
  CHECK(r.err.rfind("oms: journal: ", 0) == 0);
  CHECK(r.err.find("not a folder") != std::string::npos);
  CHECK(r.err.find("check the broker") == std::string::npos);
  CHECK(f.broker_orders() == 1);
}

TEST_CASE("finding 16: oms --help lists every exit code, 1 and 6 included, and the login commands") {
  CliFixture f;
  Result r = f.oms({"--help"});
  for (const char* code : {"  0  ", "  1  ", "  2  ", "  3  ", "  4  ", "  5  ", "  6  "})
    CHECK(r.out.find(code) != std::string::npos);
  CHECK(r.out.find("login required") != std::string::npos);
  CHECK(r.out.find("  login ") != std::string::npos);
  CHECK(r.out.find("  session ") != std::string::npos);
  CHECK(f.oms({"login", "--help"}).out.rfind("Usage: oms login", 0) == 0);
}
