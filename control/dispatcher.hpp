#pragma once
/// Carries out one parsed request on the owner and writes its reply lines. The server calls it
/// for every request of every connection; nothing else turns requests into actions, so an
/// `oms` command gets the same answer whoever runs it.
#include "control/owner_port.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace oms::control {

class Dispatcher {
 public:
  /// Queues one reply line (with its newline) for the requester.
  using Emit = std::function<void(std::string line)>;
  /// Called for `subscribe` with the topics to deliver from now on.
  using Subscribe = std::function<void(std::vector<Topic> topics)>;

  /// How long a request waits for the owner's start-up recovery before it is refused as not_ready.
  static constexpr std::chrono::milliseconds kReadyWait{60'000};

  explicit Dispatcher(OwnerPort& port) : port_(port) {}

  /// Emits the progress lines of `request`, then exactly one result or error line.
  runtime::awaitable<void> handle(Request request, Emit emit, Subscribe subscribe);

 private:
  runtime::awaitable<boost::json::value> carry_out(const Request& request, const Emit& emit,
                                                   const Subscribe& subscribe, std::optional<Error>& refused);
  OwnerPort& port_;
};

}  // namespace oms::control
