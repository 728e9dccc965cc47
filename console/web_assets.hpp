#pragma once
/// The console page's files (console/web/*), built into the binary by a CMake step
/// (console/embed.cmake): no CDN, nothing for a user to build.
#include <string_view>

namespace oms::console {

struct WebAsset {
  std::string_view path;          ///< "/index.html"
  std::string_view content_type;  ///< "text/html; charset=utf-8"
  std::string_view body;
};

/// The asset served at `path`, or null.
const WebAsset* find_web_asset(std::string_view path);

}  // namespace oms::console
