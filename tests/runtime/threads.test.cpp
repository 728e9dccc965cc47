// The threads the runtime starts: named, and deaf to process signals.
#include "runtime/runtime.hpp"
#include "tests/eventually.hpp"
#include "tests/thread_status.hpp"

#include <doctest/doctest.h>

#include <csignal>

TEST_CASE("issue 15: the runtime's threads take no process signal, so a SIGTERM a bot holds blocked until it listens "
          "for it (sigwait) cannot reach one of them and kill the process; started from a thread that blocks none") {
  sigset_t none;
  ::sigemptyset(&none);
  sigset_t before;
  ::pthread_sigmask(SIG_SETMASK, &none, &before);
  oms::runtime::Runtime rt;
  rt.start(2);
  // Named as they start; the blocking pool's thread names itself in its first task.
  REQUIRE(testsupport::eventually([] {
    return testsupport::blocked_signals_of("oms-runtime").size() == 2 &&
           testsupport::blocked_signals_of("oms-blocking").size() == 1;
  }));
  for (const char* name : {"oms-runtime", "oms-blocking"})
    for (auto mask : testsupport::blocked_signals_of(name))
      for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE})
        CHECK_MESSAGE(testsupport::blocks(mask, sig), "signal ", sig, " is not blocked in a thread named ", name);
  // A fault in one of them still reaches the handler a sanitizer or crash reporter installed.
  for (auto mask : testsupport::blocked_signals_of("oms-runtime"))
    for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL})
      CHECK_MESSAGE(!testsupport::blocks(mask, fault), "fault signal ", fault, " is blocked in a runtime thread");
  // The starting thread's own mask is as it was.
  sigset_t now;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &now);
  CHECK(::sigismember(&now, SIGTERM) == 0);
  rt.stop();
  rt.join();
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
}
