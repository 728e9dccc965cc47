#pragma once
// Runs a program as a user would: its own process, pipes for stdout and stderr, an exit code.
// Plain POSIX (fork/execve/poll/waitpid). Deadlines only stop a hung child; nothing is timed.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace clitest {

/// How a child ended and what it printed.
struct Result {
  int exit_code = -1;  ///< 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

/// A running child. The destructor kills it if it is still running.
class Child {
 public:
  /// Starts `args[0]` with `args`, exactly the environment `env` ("K=V"), in folder `cwd`.
  /// Standard input is /dev/null, or a pipe the test writes to (write_stdin) when `piped_stdin`.
  Child(const std::vector<std::string>& args, const std::vector<std::string>& env, const std::string& cwd,
        bool piped_stdin = false);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// Reads until stdout contains `text` or the deadline passes; true when it appeared.
  bool wait_for_stdout(std::string_view text, std::chrono::milliseconds deadline);
  /// Reads until `done(stdout so far)` holds or the deadline passes; true when it held.
  bool wait_for_output(const std::function<bool(const std::string&)>& done, std::chrono::milliseconds deadline);
  /// The same for stderr.
  bool wait_for_stderr(std::string_view text, std::chrono::milliseconds deadline);
  /// Writes to the child's standard input (piped_stdin only); close_stdin() sends end of file.
  void write_stdin(std::string_view text);
  void close_stdin();
  const std::string& err() const { return result_.err; }
  void signal(int sig);
  /// Reads to the end and reaps the child; SIGKILL after the deadline (a hang is a failure).
  Result finish(std::chrono::milliseconds deadline = std::chrono::seconds(30));
  const std::string& out() const { return result_.out; }

 private:
  // One poll() round over the open pipes; false when both are closed.
  bool pump(int timeout_ms);
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int in_fd_ = -1;
  Result result_;
};

/// Starts, reads everything, waits.
Result run(const std::vector<std::string>& args, const std::vector<std::string>& env, const std::string& cwd);

}  // namespace clitest
