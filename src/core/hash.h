// Small non-cryptographic hashing for key construction (never for secrets;
// keyed hashing of identifiers lives in crypto/).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shinrai {

uint64_t Fnv1a64(std::string_view data);
// The same as 16 lower-case hex digits: fingerprints and checksums in records.
std::string Fnv1a64Hex(std::string_view data);

// Big-endian fixed-width encodings, so that byte order equals numeric order
// in store keys.
void AppendBigEndian64(std::string* out, uint64_t v);
uint64_t ReadBigEndian64(std::string_view in);

}  // namespace shinrai
