// Validity of UTF-8 text. Anything a client sends may be any bytes; what we
// store as an identifier or echo into JSON must be text, or the JSON library
// throws where nobody expects it.
#pragma once

#include <string_view>

namespace shinrai {

bool IsValidUtf8(std::string_view text);

}  // namespace shinrai
