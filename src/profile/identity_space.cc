#include "profile/identity_space.h"

namespace shinrai::profile {

std::string IdentitySpace(const schema::Declaration& d, std::string_view brand) {
  if (!d.BrandsKeepOwnPeople() || brand == "*" || brand == d.default_brand) return "";
  return std::string(brand);
}

std::vector<std::string> IdentitySpaces(const schema::Declaration& d) {
  std::vector<std::string> spaces{""};
  if (!d.BrandsKeepOwnPeople()) return spaces;
  for (const auto& [id, _] : d.brands) {
    if (id != d.default_brand) spaces.push_back(id);
  }
  return spaces;
}

std::string SpaceOf(const schema::Declaration& d, const Profile& p) {
  return p.brands.empty() ? std::string() : IdentitySpace(d, p.brands.front());
}

std::string BrandOfSpace(const schema::Declaration& d, std::string_view space) {
  if (!space.empty()) return std::string(space);
  return d.BrandsKeepOwnPeople() ? d.default_brand : "*";
}

}  // namespace shinrai::profile
