#pragma once
/// Structured logs: one JSON object per line ({ts, level, event, session_id, …fields}) through
/// Boost.Log, with every secret-named field masked before it is formatted (FR-010, NFR-003).
#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace oms::log {

enum class Level { debug, info, warning, error };

/// Adds a sink that appends JSON lines to `path` (directories created). Warnings and errors are
/// flushed as they are written; info and debug lines within 5 ms (one write() per burst, not per
/// line), and at reset_files() and at exit. A kill -9 can lose those last few milliseconds of
/// info lines: the journal, not the log, is the record of orders.
/// Returns false when the file cannot be opened.
bool add_json_file(const std::string& path, Level min = Level::info);
/// Human-readable warnings and errors on stderr (on by default; off for --json CLIs).
void set_console(bool enabled, Level min = Level::warning);
/// Correlation id stamped on every record of this process (seed FR-010: session id + order id).
/// A process that sets none gets one made at its first log line (or when an OrderManager is
/// built, see ensure_session_id), so no record ever carries an empty one.
void set_session_id(std::string id);
std::string session_id();
/// The process's session id, made now ("s-20260105T143000Z-3f9a1c2e": UTC start time and 32
/// random bits) when none was set. Returns it.
std::string ensure_session_id();
/// A fresh id of that form (does not set it).
std::string new_session_id();
/// Writes the lines still buffered to their files now: for a reader in this process (the demo
/// checks its own log) that cannot wait for the flush.
void flush();
/// Removes every sink added by add_json_file (tests, and CLI runs that change folders).
void reset_files();

/// Whether a record at `level` reaches any sink now (one atomic load). A caller on a hot path
/// asks first so that a line nobody takes costs no field object: the order path logs every
/// order at info, and a bot without a log file takes only warnings.
bool enabled(Level level) noexcept;

/// Writes one record. `fields` may hold anything; secret-named keys are masked.
void write(Level level, std::string_view event, boost::json::object fields = {});
inline void info(std::string_view event, boost::json::object fields = {}) { write(Level::info, event, std::move(fields)); }
inline void warn(std::string_view event, boost::json::object fields = {}) { write(Level::warning, event, std::move(fields)); }
inline void error(std::string_view event, boost::json::object fields = {}) { write(Level::error, event, std::move(fields)); }

/// "al***" — enough to tell accounts apart in a log, never the whole name (seed: masked usernames).
std::string mask_identifier(std::string_view value);

}  // namespace oms::log
