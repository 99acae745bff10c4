// Transport encodings of request bodies and credentials.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace shinrai::http {

// Inflates a gzip (or zlib) body. PayloadTooLarge past `max_bytes` of output,
// so a small "zip bomb" cannot exhaust memory; InvalidArgument when corrupt.
Result<std::string> Gunzip(std::string_view compressed, size_t max_bytes);

// RFC 4648 base64; nullopt when malformed.
std::optional<std::string> Base64Decode(std::string_view in);

// Percent-decoding of one path segment; nullopt when malformed.
std::optional<std::string> PercentDecode(std::string_view in);

}  // namespace shinrai::http
