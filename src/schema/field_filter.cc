#include "schema/field_filter.h"

#include <algorithm>
#include <cmath>

#include "core/time_format.h"
#include "schema/identifiers.h"

namespace shinrai::schema {

std::string_view DropReasonName(DropReason r) {
  switch (r) {
    case DropReason::kUndeclaredField: return "undeclared_field";
    case DropReason::kForbiddenField: return "forbidden_field";
    case DropReason::kTypeMismatch: return "type_mismatch";
    case DropReason::kUndeclaredEvent: return "undeclared_event";
    case DropReason::kNoPermittedPurpose: return "no_permitted_purpose";
    case DropReason::kEventNotPermitted: return "event_not_permitted";
  }
  return "undeclared_field";
}

const ForbiddenRule* FieldFilter::Forbidden(std::string_view path, std::string_view name) const {
  for (const auto& rule : decl_.forbidden) {
    if (!rule.name.empty() && rule.name == name) return &rule;
    if (!rule.path.empty() && path.rfind(rule.path, 0) == 0 &&
        (path.size() == rule.path.size() || path[rule.path.size()] == '.' || path[rule.path.size()] == '['))
      return &rule;
  }
  return nullptr;
}

nlohmann::json FieldFilter::Filter(simdjson::dom::element input, const FieldMap& spec, std::string_view root,
                                   std::vector<Drop>* drops, const FieldMap* extra,
                                   const std::vector<std::string_view>* consumed) const {
  simdjson::dom::object obj;
  if (input.get_object().get(obj) != simdjson::SUCCESS) {
    drops->push_back({std::string(root), DropReason::kTypeMismatch, "expected an object"});
    return nlohmann::json::object();
  }
  return FilterObject(obj, spec, extra, std::string(root), drops, consumed);
}

nlohmann::json FieldFilter::FilterObject(simdjson::dom::object obj, const FieldMap& spec, const FieldMap* extra,
                                         const std::string& path, std::vector<Drop>* drops,
                                         const std::vector<std::string_view>* consumed) const {
  nlohmann::json out = nlohmann::json::object();
  for (auto field : obj) {
    const std::string_view name = field.key;
    // Fields another part of collection takes (consent signals) are not data to keep.
    if (consumed && std::find(consumed->begin(), consumed->end(), name) != consumed->end()) continue;
    std::string child = path;
    child.push_back('.');
    child.append(name);
    if (const ForbiddenRule* rule = Forbidden(child, name)) {
      drops->push_back({child, DropReason::kForbiddenField, rule->reason});
      continue;
    }
    const FieldSpec* fs = nullptr;
    if (auto it = spec.find(name); it != spec.end()) fs = &it->second;
    else if (extra) {
      if (auto it2 = extra->find(name); it2 != extra->end()) fs = &it2->second;
    }
    if (!fs) {
      // A null for an undeclared field carries no data; say nothing.
      if (!field.value.is_null()) drops->push_back({child, DropReason::kUndeclaredField, ""});
      continue;
    }
    nlohmann::json value;
    if (FilterValue(field.value, *fs, child, drops, &value)) out[std::string(name)] = std::move(value);
  }
  return out;
}

bool FieldFilter::FilterValue(simdjson::dom::element v, const FieldSpec& spec, const std::string& path,
                              std::vector<Drop>* drops, nlohmann::json* out) const {
  using simdjson::dom::element_type;
  auto mismatch = [&] {
    drops->push_back({path, DropReason::kTypeMismatch, std::string("expected ") + std::string(FieldTypeName(spec.type))});
    return false;
  };
  if (v.is_null()) return false;  // absent value: nothing to keep, nothing wrong
  switch (spec.type) {
    case FieldType::kString: {
      std::string_view s;
      if (v.get_string().get(s)) return mismatch();
      *out = std::string(s);
      return true;
    }
    case FieldType::kNumber: {
      double d;
      if (v.get_double().get(d)) {
        int64_t i;
        uint64_t u;
        if (!v.get_int64().get(i)) d = static_cast<double>(i);
        else if (!v.get_uint64().get(u)) d = static_cast<double>(u);
        else return mismatch();
      }
      if (v.type() == element_type::INT64) *out = int64_t(v.get_int64());
      else if (v.type() == element_type::UINT64) *out = uint64_t(v.get_uint64());
      else *out = d;
      return true;
    }
    case FieldType::kInteger: {
      int64_t i;
      if (!v.get_int64().get(i)) {
        *out = i;
        return true;
      }
      double d;
      if (!v.get_double().get(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) {
        *out = static_cast<int64_t>(d);
        return true;
      }
      return mismatch();
    }
    case FieldType::kBoolean: {
      bool b;
      if (v.get_bool().get(b)) return mismatch();
      *out = b;
      return true;
    }
    case FieldType::kEmail: {
      std::string_view s;
      if (v.get_string().get(s)) return mismatch();
      auto e = NormalizeEmail(s);
      if (!e) return mismatch();
      *out = *e;
      return true;
    }
    case FieldType::kPhone: {
      std::string_view s;
      if (v.get_string().get(s)) return mismatch();
      auto p = NormalizePhone(s, decl_.identity.default_country_code);
      if (!p) return mismatch();
      *out = *p;
      return true;
    }
    case FieldType::kDateTime: {
      std::string_view s;
      if (v.get_string().get(s) || !ParseIso8601Millis(s)) return mismatch();
      *out = std::string(s);
      return true;
    }
    case FieldType::kObject: {
      simdjson::dom::object obj;
      if (v.get_object().get(obj)) return mismatch();
      *out = FilterObject(obj, spec.fields, nullptr, path, drops);
      return true;
    }
    case FieldType::kList: {
      simdjson::dom::array arr;
      if (v.get_array().get(arr)) return mismatch();
      nlohmann::json list = nlohmann::json::array();
      const std::string item_path = path + "[]";
      for (auto item : arr) {
        nlohmann::json iv;
        if (spec.items && FilterValue(item, *spec.items, item_path, drops, &iv)) list.push_back(std::move(iv));
      }
      *out = std::move(list);
      return true;
    }
  }
  return mismatch();
}

namespace {

void PruneValue(nlohmann::json* v, const FieldSpec& spec, const std::string& path,
                const std::function<bool(const FieldSpec&)>& allowed, std::vector<Drop>* drops) {
  if (spec.type == FieldType::kObject && v->is_object()) {
    PruneFields(v, spec.fields, nullptr, path, allowed, drops);
  } else if (spec.type == FieldType::kList && v->is_array() && spec.items && spec.items->type == FieldType::kObject) {
    for (auto& item : *v) PruneFields(&item, spec.items->fields, nullptr, path + "[]", allowed, drops);
  }
}

}  // namespace

void PruneFields(nlohmann::json* obj, const FieldMap& spec, const FieldMap* extra, const std::string& path,
                 const std::function<bool(const FieldSpec&)>& allowed, std::vector<Drop>* drops) {
  if (!obj->is_object()) return;
  for (auto it = obj->begin(); it != obj->end();) {
    const FieldSpec* fs = nullptr;
    if (auto s = spec.find(it.key()); s != spec.end()) fs = &s->second;
    else if (extra) {
      if (auto s2 = extra->find(it.key()); s2 != extra->end()) fs = &s2->second;
    }
    const std::string child = path + "." + it.key();
    if (fs && !allowed(*fs)) {
      drops->push_back({child, DropReason::kNoPermittedPurpose, ""});
      it = obj->erase(it);
      continue;
    }
    if (fs) PruneValue(&it.value(), *fs, child, allowed, drops);
    ++it;
  }
}

}  // namespace shinrai::schema
