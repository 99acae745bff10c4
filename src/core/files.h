// Writing small files that must never be seen half-written (key files, the
// API key file, the audit head): write a temporary file, fsync, rename.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace shinrai {

// Creates missing parent directories; the file gets mode 0600 (these files
// hold secrets or their hashes). `what` names the file in errors.
Status WriteFileAtomically(const std::string& path, std::string_view contents, std::string_view what);

}  // namespace shinrai
