#pragma once
/// Threads the product starts take no process signal. A thread inherits its creator's signal
/// mask, and the kernel gives a process-directed signal (SIGTERM, SIGINT) to any thread that does
/// not block it: a thread of ours created while the creator had signals unblocked would take a
/// SIGTERM that the bot (or `oms serve`, `oms sync`) holds blocked until it listens for it, and
/// the signal's default action would kill the process there.
#include <csignal>

#include <pthread.h>

namespace oms::runtime {

/// While alive, every signal is blocked in the calling thread, so the threads it starts meanwhile
/// begin with all signals blocked; the caller's own mask is restored at the end of the scope.
class SignalsBlockedHere {
 public:
  SignalsBlockedHere() {
    sigset_t all;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &before_);
  }
  ~SignalsBlockedHere() { ::pthread_sigmask(SIG_SETMASK, &before_, nullptr); }
  SignalsBlockedHere(const SignalsBlockedHere&) = delete;
  SignalsBlockedHere& operator=(const SignalsBlockedHere&) = delete;

 private:
  sigset_t before_;
};

}  // namespace oms::runtime
