#pragma once
/// What every fuzz target shares: the input as text, and an invariant check that stops the
/// fuzzer with a crash (so libFuzzer saves the input) when a property does not hold.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace oms::fuzz {

/// The fuzzer's bytes as the text a parser would receive from a socket or a file.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// A broken invariant is a finding: trap, which libFuzzer reports as a crash with the input.
inline void require(bool holds) {
  if (!holds) __builtin_trap();
}

}  // namespace oms::fuzz
