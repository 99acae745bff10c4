# Writes OUT, a C++ source holding every file below ROOT as bytes, so that
# the server carries its web pages and notice templates in its binary (a
# fresh install has nothing to find at run time). Run by the build whenever
# a file below ROOT changes: cmake -DROOT=... -DOUT=... -P embed_files.cmake
# VENDOR_ROOT (optional): files fetched at build time (the console's chart
# library), embedded under their path below it as if they were in ROOT.
set(body "")
foreach(root IN ITEMS "${ROOT}" "${VENDOR_ROOT}")
if(root STREQUAL "")
  continue()
endif()
file(GLOB_RECURSE files RELATIVE "${root}" "${root}/*")
list(SORT files)
foreach(f IN LISTS files)
  file(READ "${root}/${f}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
  file(SIZE "${root}/${f}" size)
  string(APPEND body "    {\"${f}\", std::string_view(\"${escaped}\", ${size})},\n")
endforeach()
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
