#pragma once
/// The Asio vocabulary the runtime uses (Boost 1.81: tokens are always named).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

namespace oms::runtime {
namespace asio = boost::asio;
using error_code = boost::system::error_code;
using executor_type = asio::io_context::executor_type;
using strand_type = asio::strand<executor_type>;
template <class T = void>
using awaitable = asio::awaitable<T>;
inline constexpr auto use_awaitable = asio::use_awaitable;
inline constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}  // namespace oms::runtime
