#include "runtime/trace.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>

namespace oms::runtime {
namespace json = boost::json;

bool is_secret_key(std::string_view key) {
  static constexpr std::array<std::string_view, 11> secrets = {
      "password",   "username",   "access_token", "refresh_token", "device_token", "mfa_code",
      "mfa_secret", "authorization", "token",     "client_secret", "secret"};
  // Compared in place, ignoring case: every log line and journal record passes each of its keys
  // through here, so no lower-cased copy is made.
  auto same = [key](std::string_view secret) {
    return key.size() == secret.size() &&
           std::equal(key.begin(), key.end(), secret.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
           });
  };
  return std::any_of(secrets.begin(), secrets.end(), same);
}

void mask_secrets(json::value& v) {
  if (auto* obj = v.if_object()) {
    for (auto& [key, value] : *obj) {
      if (is_secret_key(key) && !value.is_null()) value = "***";
      else mask_secrets(value);
    }
  } else if (auto* arr = v.if_array()) {
    for (auto& item : *arr) mask_secrets(item);
  }
}

json::value to_json(const TraceRecord& r) {
  json::object out{{"time", format_iso8601(r.time)}, {"from", r.from},     {"to", r.to},
                   {"type", r.type},                 {"payload", r.payload}};
  if (r.ask) out["ask"] = true;  // plain posts keep the shorter line
  return out;
}

boost::system::result<TraceRecord> trace_record_from_json(const json::value& v) {
  auto bad = make_error_code(boost::system::errc::invalid_argument);
  const auto* obj = v.if_object();
  if (!obj) return bad;
  auto text = [&](const char* key) -> const json::string* {
    const auto* f = obj->if_contains(key);
    return f ? f->if_string() : nullptr;
  };
  const auto *time = text("time"), *from = text("from"), *to = text("to"), *type = text("type");
  const auto* payload = obj->if_contains("payload");
  if (!time || !from || !to || !type || !payload) return bad;
  const auto* ask = obj->if_contains("ask");
  if (ask && !ask->is_bool()) return bad;
  auto t = parse_iso8601(*time);
  if (!t) return t.error();
  return TraceRecord{*t, std::string(*from), std::string(*to), std::string(*type), *payload, ask && ask->get_bool()};
}

void MemoryTraceSink::record(TraceRecord r) {
  mask_secrets(r.payload);
  std::lock_guard lock(mu_);
  records_.push_back(std::move(r));
}

std::vector<TraceRecord> MemoryTraceSink::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

JsonLinesTraceSink::JsonLinesTraceSink(const std::string& path) : out_(path, std::ios::app) {}

void JsonLinesTraceSink::record(TraceRecord r) {
  mask_secrets(r.payload);
  std::string line = json::serialize(to_json(r));
  std::lock_guard lock(mu_);
  out_ << line << '\n';
  out_.flush();
}

TraceFile read_trace_file(const std::string& path) {
  TraceFile file;
  std::ifstream in(path);
  if (!in) {
    file.problems.push_back(path + ": cannot be opened");
    return file;
  }
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    auto record = ec ? boost::system::result<TraceRecord>(ec) : trace_record_from_json(v);
    if (!record) {
      file.problems.push_back(path + ":" + std::to_string(n) + ": not a trace record (torn or malformed line)");
      continue;
    }
    file.records.push_back(std::move(*record));
  }
  return file;
}

}  // namespace oms::runtime
