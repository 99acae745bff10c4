// Records of delimited text (CSV, TSV, semicolons), read by libcsv: RFC 4180
// quoting ("a ""b"""), separators and newlines inside quotes, CRLF or LF line
// ends, a UTF-8 byte-order mark before the first field.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace shinrai::recs {

// Calls `each` with every record's fields and its 1-based record number, in
// order; stops at the first error `each` returns. Blank lines are skipped.
// A quote left open, or stray text after a closing quote, is an error naming
// the record.
Status ForEachRecord(std::string_view text, char separator,
                     const std::function<Status(std::span<const std::string> fields, int64_t record)>& each);

// The separator a header line uses: tab, then semicolon, else comma.
char GuessSeparator(std::string_view header_line);

}  // namespace shinrai::recs
