#pragma once
/// Journal records: what actors ask the journal to make durable before they go on.
#include "messages/codec.hpp"

#include <boost/describe/class.hpp>
#include <boost/json/object.hpp>

#include <string>

namespace oms {

/// One record for logs/orders.jsonl. `kind` is intent, envelope, submission_failed,
/// state_change, fill, cancel_result, adopted, …; `data` carries its fields (money as strings).
struct JournalRecord {
  static constexpr const char* message_type = "JournalRecord";
  std::string kind;
  boost::json::object data;
};
BOOST_DESCRIBE_STRUCT(JournalRecord, (), (kind, data))

/// The record is on disk (fsynced), or why not.
struct JournalAck {
  static constexpr const char* message_type = "JournalAck";
  bool durable = false;
  std::string error;
};
BOOST_DESCRIBE_STRUCT(JournalAck, (), (durable, error))

}  // namespace oms
