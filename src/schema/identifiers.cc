#include "schema/identifiers.h"

#include <cctype>

namespace shinrai::schema {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::string> NormalizeEmail(std::string_view raw) {
  std::string_view s = Trim(raw);
  if (s.size() < 5 || s.size() > 254) return std::nullopt;
  const size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos) return std::nullopt;
  const std::string_view domain = s.substr(at + 1);
  const size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == domain.size()) return std::nullopt;
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) < 0x20) return std::nullopt;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::optional<std::string> NormalizePhone(std::string_view raw, std::string_view default_country_code) {
  std::string_view s = Trim(raw);
  std::string digits;
  bool plus = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
      continue;
    } else {
      return std::nullopt;
    }
  }
  if (!plus) {
    if (digits.rfind("00", 0) == 0) {
      digits.erase(0, 2);
    } else if (digits.rfind("0", 0) == 0 && default_country_code.size() > 1) {
      digits = std::string(default_country_code.substr(1)) + digits.substr(1);
    } else {
      return std::nullopt;  // no way to know the country
    }
  }
  if (digits.size() < 8 || digits.size() > 15 || digits[0] == '0') return std::nullopt;
  return "+" + digits;
}

}  // namespace shinrai::schema
