#include "runtime/trace.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace oms::runtime {
namespace json = boost::json;

bool is_secret_key(std::string_view key) {
  // Compared in place, ignoring ASCII case, and only against the names of the key's length:
  // every log line and journal record passes each of its keys through here.
  auto same = [key](std::string_view secret) {
    return std::equal(key.begin(), key.end(), secret.begin(), secret.end(), [](char a, char b) {
      return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
    });
  };
  switch (key.size()) {
    case 5: return same("token");
    case 6: return same("secret");
    case 8: return same("password") || same("username") || same("mfa_code");
    case 10: return same("mfa_secret");
    case 12: return same("access_token") || same("device_token");
    case 13: return same("refresh_token") || same("authorization") || same("client_secret");
    default: return false;
  }
}

void append_members(std::string& out, const json::object& obj) {
  json::serializer sr;
  sr.reset(&obj);
  char buf[2048];
  auto chunk = sr.read(buf);
  out.append(chunk.substr(1));
  while (!sr.done()) out.append(sr.read(buf));
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
