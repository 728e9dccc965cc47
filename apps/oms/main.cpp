// `oms`: the operator's command line. Until the order manager lands, `oms demo` starts the
// runtime, round-trips a message through an actor and reports what it saw.
#include "runtime/actor.hpp"
#include "messages/money.hpp"

#include <boost/asio/detached.hpp>
#include <boost/describe/class.hpp>

#include <cstdio>
#include <future>
#include <cstring>
#include <iostream>

namespace {

using namespace oms;
using namespace oms::runtime;

struct Ping {
  static constexpr const char* message_type = "Ping";
  std::string text;
};
BOOST_DESCRIBE_STRUCT(Ping, (), (text))

class Echo final : public Actor<Echo, Ask<Ping, Ping>> {
 public:
  using Actor::Actor;

 private:
  friend struct runtime::ActorAccess;
  void on(Ask<Ping, Ping> m) { m.reply_to.send(Ping{"pong: " + m.body.text}, name()); }
};

int demo() {
  Runtime rt;
  auto echo = std::make_shared<Echo>(rt, "echo");
  rt.start(2);
  std::promise<std::string> answer;
  asio::co_spawn(rt.context(), [&]() -> awaitable<void> {
    Ping ping{"hello"};  // named: see the GCC 12 note in runtime/actor.hpp
    auto reply = co_await ask<Ping>(echo, std::move(ping), std::chrono::seconds(2));
    answer.set_value(reply ? reply->text : "no reply: " + reply.error().message());
  }, asio::detached);
  std::string got = answer.get_future().get();
  rt.stop();
  rt.join();
  auto price = Price::parse("250.30");
  std::cout << "oms 0.1.0 — order-management runtime for Robinhood trading bots\n"
            << "runtime: 2 threads, actor round trip: " << got << "\n"
            << "money: 250.30 parses to " << price->units() << " units of 1e-8 and prints as "
            << price->to_string(2) << "\n"
            << "In: the runtime, the gateway, the order manager's actors and build/bin/rh-sim (a Robinhood\n"
            << "simulator: try `build/bin/rh-sim --port 8080`). The scenario demo arrives with the oms CLI.\n";
  return got == "pong: hello" ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "demo") == 0) return demo();
  std::fprintf(stderr, "usage: oms demo\n");
  return 2;
}
