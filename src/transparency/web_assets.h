// The files under web/ (notice templates and their strings per language,
// later the privacy center's and the console's pages), built into the
// binary by cmake/embed_files.cmake.
#pragma once

#include <optional>
#include <string_view>

namespace shinrai::transparency {

// The file at `path` below web/ ("notices/en/short.html"), or nullopt.
std::optional<std::string_view> WebAsset(std::string_view path);

}  // namespace shinrai::transparency
