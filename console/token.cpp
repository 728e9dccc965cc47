#include "console/token.hpp"

#include <openssl/rand.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace oms::console {

std::string random_token() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("the OS's random source failed");  // no token is better than a weak one
  static const char* const hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) out += hex[b >> 4], out += hex[b & 15];
  return out;
}

std::string token_path_for(const std::string& journal_path) { return journal_path + ".console-token"; }

boost::system::result<void, std::string> store_token(const std::string& path, const std::string& token) {
  auto failed = [&](const char* what) { return path + ": " + what + " (" + std::strerror(errno) + ")"; };
  // A fresh file each time: unlink first, so a file someone else made looser is not reused.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return failed("cannot replace the console token file");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return failed("cannot create the console token file");
  std::string line = token + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  auto error = failed("cannot write the console token file");
  ::close(fd);
  if (!ok) return error;
  return {};
}

}  // namespace oms::console
