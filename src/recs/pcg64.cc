#include "recs/pcg64.h"

namespace shinrai::recs {
namespace {

using u128 = unsigned __int128;

constexpr u128 Make128(uint64_t hi, uint64_t lo) { return (static_cast<u128>(hi) << 64) | lo; }

}  // namespace

uint64_t SplitMix64(uint64_t x) {
  uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Pcg64 Pcg64::NumpyDefaultRng42() {
  return Pcg64(Make128(0xcea44f6798798f2aULL, 0xacbc7c9d68860ac8ULL),
               Make128(0xfa505436c9a8416eULL, 0x66caf2e28d25abffULL));
}

Pcg64 Pcg64::FromSeed(uint64_t seed) {
  auto mix = [&seed]() {
    const uint64_t z = SplitMix64(seed);
    seed += 0x9e3779b97f4a7c15ULL;
    return z;
  };
  uint64_t a = mix(), b = mix(), c = mix(), d = mix();
  return Pcg64(Make128(a, b), Make128(c, d) | 1);
}

uint64_t Pcg64::NextU64() {
  static constexpr u128 kMult = Make128(0x2360ED051FC65DA4ULL, 0x4385DF649FCCF645ULL);
  state_ = state_ * kMult + inc_;
  uint64_t hi = static_cast<uint64_t>(state_ >> 64);
  uint64_t lo = static_cast<uint64_t>(state_);
  unsigned rot = static_cast<unsigned>(hi >> 58);
  uint64_t x = hi ^ lo;
  return (x >> rot) | (x << ((64 - rot) & 63));
}

}  // namespace shinrai::recs
