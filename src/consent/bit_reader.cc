#include "consent/bit_reader.h"

namespace shinrai::consent {

std::optional<uint64_t> BitReader::Read(int n) {
  if (n < 0 || n > 64 || remaining_bits() < static_cast<size_t>(n)) return std::nullopt;
  uint64_t v = 0;
  for (int i = 0; i < n; ++i, ++pos_) {
    const unsigned char byte = static_cast<unsigned char>(bytes_[pos_ / 8]);
    v = (v << 1) | ((byte >> (7 - pos_ % 8)) & 1u);
  }
  return v;
}

std::optional<std::string> DecodeBase64Url(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 3 / 4 + 1);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-' || c == '+') v = 62;
    else if (c == '_' || c == '/') v = 63;
    else if (c == '=') {
      for (size_t j = i; j < in.size(); ++j) {
        if (in[j] != '=') return std::nullopt;
      }
      break;
    } else {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // A TCF segment's last bits need not fill a byte: keep them, zero-padded.
  if (bits > 0) out.push_back(static_cast<char>((acc << (8 - bits)) & 0xff));
  return out;
}

}  // namespace shinrai::consent
