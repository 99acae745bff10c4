// FieldFilter: data minimisation at collection.
//
// Walks an incoming JSON object (traits, context or event properties) against
// the declared fields and returns only what is declared, forbidden fields
// removed first, values checked against their declared type (e-mails and
// phones normalised). Everything removed is reported as a Drop with its path
// and reason, so the caller can count it and tell the client.
//
// Thread-safety: stateless; the Declaration must outlive the filter.
#pragma once

#include <simdjson.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "schema/declaration.h"

namespace shinrai::schema {

enum class DropReason {
  kUndeclaredField,
  kForbiddenField,
  kTypeMismatch,
  kUndeclaredEvent,
  kNoPermittedPurpose,  // every purpose of the field is denied for this person and channel
  kEventNotPermitted,   // every purpose of the event is
};
std::string_view DropReasonName(DropReason r);

struct Drop {
  std::string path;
  DropReason reason;
  std::string detail;  // the forbidden rule's reason, or the expected type
};

class FieldFilter {
 public:
  explicit FieldFilter(const Declaration& declaration) : decl_(declaration) {}

  // `root` is "traits", "context" or "properties". Non-object input yields an
  // empty object and a type-mismatch drop. `extra` (may be null) is consulted
  // when `spec` has no entry (common event properties).
  nlohmann::json Filter(simdjson::dom::element input, const FieldMap& spec, std::string_view root,
                        std::vector<Drop>* drops, const FieldMap* extra = nullptr,
                        const std::vector<std::string_view>* consumed = nullptr) const;

  // The forbidden rule matching a field, or null.
  const ForbiddenRule* Forbidden(std::string_view path, std::string_view name) const;

 private:
  nlohmann::json FilterObject(simdjson::dom::object obj, const FieldMap& spec, const FieldMap* extra,
                              const std::string& path, std::vector<Drop>* drops,
                              const std::vector<std::string_view>* consumed = nullptr) const;
  bool FilterValue(simdjson::dom::element v, const FieldSpec& spec, const std::string& path,
                   std::vector<Drop>* drops, nlohmann::json* out) const;

  const Declaration& decl_;
};

// Removes from a filtered object every field whose spec `allowed` rejects
// (purpose limitation: no permitted purpose for this person and channel),
// reporting each as kNoPermittedPurpose. Children of a removed object go
// with it; children of a kept object are checked on their own.
void PruneFields(nlohmann::json* obj, const FieldMap& spec, const FieldMap* extra, const std::string& path,
                 const std::function<bool(const FieldSpec&)>& allowed, std::vector<Drop>* drops);

}  // namespace shinrai::schema
