#include "http/html_headers.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace shinrai::http {
namespace {

std::string Sha256Base64(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string out(4 * ((sizeof digest + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, sizeof digest);
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> HtmlPageHeaders(std::string_view html) {
  std::string styles;
  for (size_t at = html.find("<style>"); at != std::string_view::npos; at = html.find("<style>", at)) {
    const size_t begin = at + 7, end = html.find("</style>", begin);
    if (end == std::string_view::npos) break;
    styles += " 'sha256-" + Sha256Base64(html.substr(begin, end - begin)) + "'";
    at = end;
  }
  return {{"Cache-Control", "no-store"},
          {"X-Content-Type-Options", "nosniff"},
          {"Content-Security-Policy", "default-src 'none'; style-src" + (styles.empty() ? " 'none'" : styles) +
                                          "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
          {"Referrer-Policy", "no-referrer"}};
}

std::vector<std::pair<std::string, std::string>> AppFileHeaders() {
  return {{"Cache-Control", "no-store"},
          {"X-Content-Type-Options", "nosniff"},
          {"Content-Security-Policy",
           "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
          {"Referrer-Policy", "no-referrer"}};
}

}  // namespace shinrai::http
