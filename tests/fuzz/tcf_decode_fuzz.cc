// libFuzzer target: the TCF decoder must turn any input into a TcString or
// an InvalidArgument, never a crash, a hang or a sanitizer report.
//   scripts/fuzz.sh [SECONDS]
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "consent/tcf_string.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto tc = shinrai::consent::DecodeTcString(input);
  if (tc.ok()) {
    // Rendering must hold up for anything that decodes.
    (void)shinrai::consent::TcStringToJson(*tc).dump();
  } else if (tc.status().code() != shinrai::Code::kInvalidArgument) {
    __builtin_trap();
  }
  return 0;
}
