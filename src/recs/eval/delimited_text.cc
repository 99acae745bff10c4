#include "recs/eval/delimited_text.h"

#include <csv.h>

#include <memory>
#include <vector>

namespace shinrai::recs {
namespace {

struct Reader {
  const std::function<Status(std::span<const std::string>, int64_t)>* each;
  std::vector<std::string> fields;
  int64_t record = 0;
  Status status = Status::Ok();
};

void OnField(void* data, size_t len, void* reader_ptr) {
  auto* r = static_cast<Reader*>(reader_ptr);
  r->fields.emplace_back(data ? static_cast<const char*>(data) : "", data ? len : 0);
}

void OnRecordEnd(int /*terminator*/, void* reader_ptr) {
  auto* r = static_cast<Reader*>(reader_ptr);
  ++r->record;
  const bool blank = r->fields.size() == 1 && r->fields[0].empty();
  if (r->status.ok() && !blank && !r->fields.empty()) r->status = (*r->each)(r->fields, r->record);
  r->fields.clear();
}

}  // namespace

char GuessSeparator(std::string_view header_line) {
  if (header_line.find('\t') != std::string_view::npos) return '\t';
  if (header_line.find(';') != std::string_view::npos) return ';';
  return ',';
}

Status ForEachRecord(std::string_view text, char separator,
                     const std::function<Status(std::span<const std::string>, int64_t)>& each) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) return Internal("cannot start the CSV parser");
  std::unique_ptr<csv_parser, void (*)(csv_parser*)> owned(&parser, csv_free);
  csv_set_delim(&parser, static_cast<unsigned char>(separator));
  Reader reader{&each, {}, 0, Status::Ok()};
  // Fed in chunks so that a failing callback stops the read early.
  constexpr size_t kChunk = 1 << 20;
  for (size_t pos = 0; pos < text.size() && reader.status.ok(); pos += kChunk) {
    const size_t n = std::min(kChunk, text.size() - pos);
    if (csv_parse(&parser, text.data() + pos, n, OnField, OnRecordEnd, &reader) != n)
      return InvalidArgument("record " + std::to_string(reader.record + 1) + ": " + csv_strerror(csv_error(&parser)) +
                             " (a quote left open, or text after a closing quote)");
  }
  RETURN_IF_ERROR(reader.status);
  if (csv_fini(&parser, OnField, OnRecordEnd, &reader) != 0)
    return InvalidArgument("record " + std::to_string(reader.record + 1) + ": " + csv_strerror(csv_error(&parser)) +
                           " (a quote left open at the end of the file)");
  return reader.status;
}

}  // namespace shinrai::recs
