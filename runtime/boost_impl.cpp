// The one translation unit that compiles Boost.Asio's and Boost.Beast's out-of-line code
// (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION): every other file
// includes only declarations, which keeps builds on two cores short.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
