#include "subprocess.hpp"

#include <cerrno>
#include <csignal>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace clitest {
namespace {

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Reads what is available from `fd` into `into`; closes it (and sets -1) at end of file.
void drain(int& fd, std::string& into) {
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) {
    into.append(buf, static_cast<std::size_t>(n));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    ::close(fd);
    fd = -1;
  }
}

}  // namespace

Child::Child(const std::vector<std::string>& args, const std::vector<std::string>& env, const std::string& cwd,
             bool piped_stdin) {
  // Everything the child needs is built before fork(): after it, only async-signal-safe calls.
  std::vector<std::string> argv_copy = args, env_copy = env;
  auto argv = c_strings(argv_copy);
  auto envp = c_strings(env_copy);
  int out[2], err[2], in[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (piped_stdin && ::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    if (in[0] >= 0) {
      ::dup2(in[0], STDIN_FILENO);
    } else {
      int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
  if (in[0] >= 0) {
    ::close(in[0]);
    in_fd_ = in[1];
  }
}

void Child::write_stdin(std::string_view text) {
  ::signal(SIGPIPE, SIG_IGN);  // a child that already exited must fail the test, not kill it
  while (in_fd_ >= 0 && !text.empty()) {
    ssize_t n = ::write(in_fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Child::close_stdin() {
  if (in_fd_ >= 0) ::close(in_fd_);
  in_fd_ = -1;
}

bool Child::wait_for_stderr(std::string_view text, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (result_.err.find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= until || !pump(50)) return result_.err.find(text) != std::string::npos;
  }
  return true;
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
  if (in_fd_ >= 0) ::close(in_fd_);
}

bool Child::pump(int timeout_ms) {
  pollfd fds[2];
  int n = 0;
  if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
  if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
  if (n == 0) return false;
  if (::poll(fds, static_cast<nfds_t>(n), timeout_ms) <= 0) return true;
  for (int i = 0; i < n; ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    if (fds[i].fd == out_fd_) drain(out_fd_, result_.out);
    else drain(err_fd_, result_.err);
  }
  return true;
}

bool Child::wait_for_stdout(std::string_view text, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (result_.out.find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= until || !pump(50)) return result_.out.find(text) != std::string::npos;
  }
  return true;
}

bool Child::wait_for_output(const std::function<bool(const std::string&)>& done, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!done(result_.out)) {
    if (std::chrono::steady_clock::now() >= until || !pump(50)) return done(result_.out);
  }
  return true;
}

void Child::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

Result Child::finish(std::chrono::milliseconds deadline) {
  close_stdin();
  auto until = std::chrono::steady_clock::now() + deadline;
  while (pump(50)) {
    if (std::chrono::steady_clock::now() >= until) {
      ::kill(pid_, SIGKILL);
      break;
    }
  }
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) result_.exit_code = 128 + WTERMSIG(status);
  return result_;
}

Result run(const std::vector<std::string>& args, const std::vector<std::string>& env, const std::string& cwd) {
  Child child(args, env, cwd);
  return child.finish();
}

}  // namespace clitest
