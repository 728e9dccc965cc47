#include "gateway/ids.hpp"

#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>

#include <stdexcept>

namespace oms::gateway {
namespace {

std::string random_uuid() {
  std::array<std::uint8_t, 16> bytes{};
  // RAND_bytes fails only when the OS entropy source is broken; a guessable ref_id or device
  // token would be worse than stopping.
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("OpenSSL RAND_bytes failed: no secure randomness available");
  return format_uuid_v4(bytes);
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Forks of this process so far, counted in the child by an atfork handler. Comparing it costs
// nothing, where getpid() is a system call per id (glibc caches no pid), a visible part of a
// paper order's CPU on a virtual machine.
std::atomic<unsigned> forks{0};

unsigned forks_so_far() {
  static const bool counting = [] {
    return ::pthread_atfork(nullptr, nullptr, [] { forks.fetch_add(1, std::memory_order_relaxed); }) == 0;
  }();
  if (!counting) throw std::runtime_error("pthread_atfork failed: a forked child could repeat ref_ids");
  return forks.load(std::memory_order_relaxed);
}

// ref_ids are made once per order: RAND_bytes per id cost more than the rest of the id (OpenSSL
// 3 looks its generator up on every call). The same generator fills a per-thread pool for 64 ids
// at a time; a forked child (same pool, same bytes) refills before it hands out one.
std::array<std::uint8_t, 16> pooled_random_16() {
  struct Pool {
    std::array<std::uint8_t, 1024> bytes{};
    std::size_t next = 1024;
    unsigned forks = 0;
  };
  thread_local Pool pool;
  unsigned forks_now = forks_so_far();
  if (pool.next == pool.bytes.size() || pool.forks != forks_now) {
    if (RAND_bytes(pool.bytes.data(), static_cast<int>(pool.bytes.size())) != 1)
      throw std::runtime_error("OpenSSL RAND_bytes failed: no secure randomness available");
    pool.next = 0;
    pool.forks = forks_now;
  }
  std::array<std::uint8_t, 16> out{};
  std::copy_n(pool.bytes.begin() + static_cast<std::ptrdiff_t>(pool.next), out.size(), out.begin());
  std::fill_n(pool.bytes.begin() + static_cast<std::ptrdiff_t>(pool.next), out.size(), 0);  // handed out once
  pool.next += out.size();
  return out;
}

}  // namespace

std::string format_uuid_v4(std::array<std::uint8_t, 16> bytes) {
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

std::string new_ref_id() { return format_uuid_v4(pooled_random_16()); }

std::string new_device_token() { return random_uuid(); }

bool is_uuid(std::string_view text) noexcept {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !is_hex(text[i])) return false;
  }
  return true;
}

}  // namespace oms::gateway
