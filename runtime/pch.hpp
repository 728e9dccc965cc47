#pragma once
// Precompiled for the Asio-heavy translation units of the runtime.
#include "runtime/asio.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json.hpp>
