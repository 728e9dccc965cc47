#pragma once
/// Threads the product starts take no process signal. A thread inherits its creator's signal
/// mask, and the kernel gives a process-directed signal (SIGTERM, SIGINT) to any thread that does
/// not block it: a thread of ours created while the creator had signals unblocked would take a
/// SIGTERM that the bot (or `oms serve`, `oms sync`) holds blocked until it listens for it, and
/// the signal's default action would kill the process there.
#include <csignal>

#include <pthread.h>

namespace oms::runtime {

/// While alive, every process signal is blocked in the calling thread, so the threads it starts
/// meanwhile begin with them blocked; the caller's own mask is restored at the end of the scope.
/// The signals a fault raises in the thread itself (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP,
/// SIGSYS) stay open: blocked, the kernel would kill the process without running the handler a
/// sanitizer or a crash reporter installed for them.
class SignalsBlockedHere {
 public:
  SignalsBlockedHere() {
    sigset_t blocked;
    ::sigfillset(&blocked);
    for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS}) ::sigdelset(&blocked, fault);
    ::pthread_sigmask(SIG_SETMASK, &blocked, &before_);
  }
  ~SignalsBlockedHere() { ::pthread_sigmask(SIG_SETMASK, &before_, nullptr); }
  SignalsBlockedHere(const SignalsBlockedHere&) = delete;
  SignalsBlockedHere& operator=(const SignalsBlockedHere&) = delete;

 private:
  sigset_t before_;
};

}  // namespace oms::runtime
