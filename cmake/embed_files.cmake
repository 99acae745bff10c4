# Writes OUT, a C++ source holding every file below ROOT as bytes, so that
# the server carries its web pages and notice templates in its binary (a
# fresh install has nothing to find at run time). Run by the build whenever
# a file below ROOT changes: cmake -DROOT=... -DOUT=... -P embed_files.cmake
file(GLOB_RECURSE files RELATIVE "${ROOT}" "${ROOT}/*")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  file(READ "${ROOT}/${f}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
  file(SIZE "${ROOT}/${f}" size)
  string(APPEND body "    {\"${f}\", std::string_view(\"${escaped}\", ${size})},\n")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from web/ by cmake/embed_files.cmake: do not edit.
#include \"transparency/web_assets.h\"

#include <map>

namespace shinrai::transparency {

std::optional<std::string_view> WebAsset(std::string_view path) {
  static const std::map<std::string_view, std::string_view, std::less<>> kAssets = {
${body}  };
  auto it = kAssets.find(path);
  if (it == kAssets.end()) return std::nullopt;
  return it->second;
}

}  // namespace shinrai::transparency
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
