#pragma once
/// The console's access token: 256 random bits from the OS's CSPRNG, new at every start, kept in
/// a file beside the journal (mode 0600, so only the owner's user can read it back) and printed
/// once as the console's URL. Never logged.
#include <boost/system/result.hpp>

#include <string>

namespace oms::console {

/// 64 lower-case hex digits (256 bits).
std::string random_token();
/// `<journal_path>.console-token`.
std::string token_path_for(const std::string& journal_path);
/// Writes the token to `path` with mode 0600 (replacing what was there, refusing a symlink);
/// the error names the path and the reason.
boost::system::result<void, std::string> store_token(const std::string& path, const std::string& token);

}  // namespace oms::console
