#pragma once
// What the kernel says about this process's threads (/proc/self/task): a test checks the signal
// mask a thread of the product runs with, found by the name the product gives it.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace testsupport {

/// The blocked-signal masks (SigBlk, bit n-1 for signal n) of this process's threads named `name`.
inline std::vector<std::uint64_t> blocked_signals_of(const std::string& name) {
  std::vector<std::uint64_t> masks;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream status(task.path() / "status");
    std::string line, found;
    std::uint64_t blocked = 0;
    while (std::getline(status, line)) {
      if (line.starts_with("Name:")) found = line.substr(line.find_first_not_of(" \t", 5));
      if (line.starts_with("SigBlk:")) blocked = std::stoull(line.substr(7), nullptr, 16);
    }
    if (found == name) masks.push_back(blocked);
  }
  return masks;
}

/// Whether `mask` blocks `signal`.
inline bool blocks(std::uint64_t mask, int signal) { return (mask >> (signal - 1) & 1) == 1; }

}  // namespace testsupport
