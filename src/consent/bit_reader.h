// BitReader: most-significant-bit-first reading of a base64url-decoded TCF
// segment. Reading past the end is an error the caller turns into
// "truncated", never undefined behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shinrai::consent {

class BitReader {
 public:
  explicit BitReader(std::string bytes) : bytes_(std::move(bytes)) {}

  // nullopt when fewer than `n` bits remain; REQUIRES: n <= 64.
  std::optional<uint64_t> Read(int n);
  size_t remaining_bits() const { return bytes_.size() * 8 - pos_; }

 private:
  std::string bytes_;
  size_t pos_ = 0;
};

// Web-safe base64 (RFC 4648 §5) without padding, as TCF writes it; the
// standard alphabet and '=' padding are accepted too. nullopt on any other
// character.
std::optional<std::string> DecodeBase64Url(std::string_view in);

}  // namespace shinrai::consent
