// Group commit (actors/journal_batch.hpp): which records share a write and its fdatasync, without I/O.
#include "actors/journal_batch.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using oms::journal::GroupCommit;

TEST_CASE("group commit: the first record schedules one flush and records staged before it starts join that batch") {
  GroupCommit<std::string> batch;
  CHECK(batch.stage("intent-1"));        // nothing scheduled: the caller schedules the flush
  CHECK_FALSE(batch.stage("intent-2"));  // the scheduled flush takes it
  CHECK_FALSE(batch.stage("intent-3"));
  CHECK(batch.scheduled());
  auto first = batch.begin();
  CHECK(first == std::vector<std::string>{"intent-1", "intent-2", "intent-3"});  // arrival order
  CHECK(batch.in_flight());
  CHECK_FALSE(batch.end());  // nothing arrived during the sync: idle
  CHECK_FALSE(batch.in_flight());
  CHECK_FALSE(batch.scheduled());
  CHECK(batch.batches() == 1);
}

TEST_CASE("group commit: records that arrive while a sync is in flight wait for the next batch, behind at most that one sync") {
  GroupCommit<int> batch;
  REQUIRE(batch.stage(1));
  auto first = batch.begin();  // written, its sync in flight
  CHECK_FALSE(batch.stage(2));  // no second flush while one is in flight
  CHECK_FALSE(batch.stage(3));
  CHECK(batch.staged() == 2);
  CHECK(first == std::vector<int>{1});
  CHECK(batch.end());  // the sync finished: the caller schedules the next flush at once
  CHECK(batch.scheduled());
  CHECK_FALSE(batch.stage(4));  // still joins the scheduled one
  auto second = batch.begin();
  CHECK(second == std::vector<int>{2, 3, 4});
  CHECK_FALSE(batch.end());
  CHECK(batch.batches() == 2);
}

TEST_CASE("group commit: after an idle flush the next record schedules a new one") {
  GroupCommit<int> batch;
  REQUIRE(batch.stage(1));
  batch.begin();
  REQUIRE_FALSE(batch.end());
  CHECK(batch.stage(2));
  CHECK(batch.begin() == std::vector<int>{2});
}

TEST_CASE("group commit: a flush that finds nothing staged (taken by an earlier flush) begins an empty batch and goes idle") {
  GroupCommit<int> batch;
  REQUIRE(batch.stage(1));
  CHECK(batch.begin() == std::vector<int>{1});  // taken early (the journal's start-up hand-over)
  CHECK_FALSE(batch.end());
  CHECK(batch.begin().empty());  // the flush scheduled first runs late
  CHECK_FALSE(batch.end());
  CHECK(batch.stage(2));
}

TEST_CASE("issue 15: group commit: a deferrable record starts no flush; the next waited-for record's batch takes it") {
  GroupCommit<std::string> batch;
  batch.stage_deferrable("envelope-1");
  CHECK_FALSE(batch.scheduled());
  CHECK(batch.arm_deferral());        // nothing will take it: the caller starts the deferral timer
  CHECK_FALSE(batch.arm_deferral());  // armed once
  CHECK(batch.stage("intent-2"));     // a waited-for record schedules the flush at once
  CHECK(batch.begin() == std::vector<std::string>{"envelope-1", "intent-2"});
  CHECK_FALSE(batch.end());
  CHECK_FALSE(batch.deferral_fired());  // the timer finds nothing left
  CHECK(batch.batches() == 1);
}

TEST_CASE("issue 15: group commit: deferrable records staged during a sync wait for the timer, waited-for ones do not") {
  GroupCommit<int> batch;
  REQUIRE(batch.stage(1));
  batch.begin();
  batch.stage_deferrable(2);  // the envelope of the order whose intent is being synced
  CHECK_FALSE(batch.end());   // no flush at once for it alone
  CHECK(batch.arm_deferral());
  CHECK(batch.deferral_fired());  // no waited-for record came: the timer's flush takes it
  CHECK(batch.begin() == std::vector<int>{2});
  batch.stage_deferrable(3);
  CHECK_FALSE(batch.arm_deferral());  // a flush is in flight: its end decides
  CHECK_FALSE(batch.stage(4));        // waited-for, during the sync: the next batch
  CHECK(batch.end());                 // a waited-for record is staged: flush at once, the deferrable one with it
  CHECK(batch.begin() == std::vector<int>{3, 4});
  CHECK_FALSE(batch.end());
  CHECK_FALSE(batch.arm_deferral());  // idle, nothing staged
}
