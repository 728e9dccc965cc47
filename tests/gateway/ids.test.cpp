#include "gateway/ids.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace oms::gateway;

TEST_CASE("a ref_id is a version-4 UUID with the RFC 4122 variant") {
  for (int i = 0; i < 200; ++i) {
    auto id = new_ref_id();
    CAPTURE(id);
    REQUIRE(is_uuid(id));
    CHECK(id[14] == '4');
    CHECK((id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b'));
    for (char c : id) CHECK_FALSE((c >= 'A' && c <= 'F'));
  }
}

TEST_CASE("ref_ids and device tokens do not repeat") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(new_ref_id());
  for (int i = 0; i < 1000; ++i) seen.insert(new_device_token());
  CHECK(seen.size() == 2000);
  CHECK(is_uuid(new_device_token()));
}

TEST_CASE("issue 15: ref_ids come from a per-thread pool, and a forked child never repeats its parent's next ones") {
  new_ref_id();  // the pool holds unused ids now
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::string id = new_ref_id();
    auto written = ::write(pipe_fds[1], id.data(), id.size());
    ::_exit(written == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  std::string parents = new_ref_id();
  std::string childs(36, '\0');
  auto got = ::read(pipe_fds[0], childs.data(), childs.size());
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  REQUIRE(got == 36);
  CHECK(is_uuid(childs));
  CHECK(childs != parents);
}

TEST_CASE("UUID formatting sets the version and variant bits over any bytes") {
  std::array<std::uint8_t, 16> ones;
  ones.fill(0xFF);
  CHECK(format_uuid_v4(ones) == "ffffffff-ffff-4fff-bfff-ffffffffffff");
  std::array<std::uint8_t, 16> zeros{};
  CHECK(format_uuid_v4(zeros) == "00000000-0000-4000-8000-000000000000");
}

TEST_CASE("is_uuid accepts the canonical shape only") {
  CHECK(is_uuid("0f8fad5b-d9cb-469f-a165-70867728950e"));
  CHECK(is_uuid("0F8FAD5B-D9CB-469F-A165-70867728950E"));
  CHECK_FALSE(is_uuid(""));
  CHECK_FALSE(is_uuid("0f8fad5bd9cb469fa16570867728950e"));
  CHECK_FALSE(is_uuid("0f8fad5b-d9cb-469f-a165-70867728950"));
  CHECK_FALSE(is_uuid("0f8fad5b-d9cb-469f-a165-70867728950e0"));
  CHECK_FALSE(is_uuid("0f8fad5b_d9cb-469f-a165-70867728950e"));
  CHECK_FALSE(is_uuid("gf8fad5b-d9cb-469f-a165-70867728950e"));
  CHECK_FALSE(is_uuid("{f8fad5b-d9cb-469f-a165-70867728950}"));
}
