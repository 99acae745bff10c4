#include "collect/message_parser.h"

#include <set>

#include "core/time_format.h"
#include "schema/identifiers.h"

namespace shinrai::service {

namespace {

using profile::CallType;

constexpr size_t kMaxIdLength = 256;

// Top-level fields of the tracking spec that carry no personal data of their
// own or are handled explicitly; anything else is undeclared.
const std::set<std::string_view>& KnownTopLevel() {
  static const std::set<std::string_view> k = {
      "type",     "messageId",  "timestamp", "originalTimestamp", "sentAt",  "receivedAt", "userId",
      "anonymousId", "previousId", "groupId", "event",            "name",    "category",   "properties",
      "traits",   "context",    "integrations", "writeKey",       "channel", "_metadata",  "version",
      "rudderId", "request_ip", "options", "gdpr_consent"};
  return k;
}

// A string or number id, trimmed; "" when absent. InvalidArgument otherwise.
Result<std::string> IdField(simdjson::dom::element msg, std::string_view name, const std::string& where) {
  simdjson::dom::element v;
  if (msg[name].get(v) != simdjson::SUCCESS || v.is_null()) return std::string();
  std::string out;
  std::string_view s;
  int64_t i;
  uint64_t u;
  if (!v.get_string().get(s)) out = std::string(schema::Trim(s));
  else if (!v.get_int64().get(i)) out = std::to_string(i);
  else if (!v.get_uint64().get(u)) out = std::to_string(u);
  else return InvalidArgument(where + "." + std::string(name) + ": expected a string");
  if (out.size() > kMaxIdLength)
    return InvalidArgument(where + "." + std::string(name) + ": longer than " + std::to_string(kMaxIdLength) + " characters");
  return out;
}

Result<std::string> StringField(simdjson::dom::element msg, std::string_view name, const std::string& where) {
  simdjson::dom::element v;
  if (msg[name].get(v) != simdjson::SUCCESS || v.is_null()) return std::string();
  std::string_view s;
  if (v.get_string().get(s)) return InvalidArgument(where + "." + std::string(name) + ": expected a string");
  return std::string(s);
}

Result<std::optional<int64_t>> TimeField(simdjson::dom::element msg, std::string_view name, const std::string& where) {
  ASSIGN_OR_RETURN(std::string s, StringField(msg, name, where));
  if (s.empty()) return std::optional<int64_t>();
  auto t = ParseIso8601(s);
  if (!t.ok()) return InvalidArgument(where + "." + std::string(name) + ": " + t.status().message());
  return std::optional<int64_t>(*t);
}

}  // namespace

std::string MessageParser::ChannelOf(simdjson::dom::element message) const {
  std::string_view s;
  if (!message["context"]["channel"].get_string().get(s) && decl_.HasChannel(s)) return std::string(s);
  if (!message["channel"].get_string().get(s) && decl_.HasChannel(s)) return std::string(s);
  std::string_view lib;
  if (!message["context"]["library"]["name"].get_string().get(lib)) {
    auto has = [&](std::string_view needle) { return lib.find(needle) != std::string_view::npos; };
    if (has("analytics.js") || has("analytics-next") || has("rudder-sdk-js") || has("analytics-browser")) return "web";
    if (has("ios") || has("android") || has("react-native") || has("flutter") || has("swift") || has("kotlin"))
      return "app";
    if (has("node") || has("python") || has("java") || has("go") || has("ruby") || has("php") || has("dotnet"))
      return "server";
  }
  return "unknown";
}

namespace {

// Context fields that carry consent signals: read into the ledger, never
// kept as context data.
const std::vector<std::string_view>& ConsentContextFields() {
  static const std::vector<std::string_view> k = {"consent", "consentManagement", "consentMode", "tcf", "gdpr_consent"};
  return k;
}

// Context fields read elsewhere, never kept as context data: the consent
// signals, and RudderStack's context.traits (an identify's traits, read as
// such; on other calls the SDK's memory of them, not a statement). Not
// reported as drops either, so strict mode takes that SDK's messages.
const std::vector<std::string_view>& ContextFieldsReadElsewhere() {
  static const std::vector<std::string_view> k = [] {
    std::vector<std::string_view> fields = ConsentContextFields();
    fields.push_back("traits");
    return fields;
  }();
  return k;
}

nlohmann::json ToNlohmann(simdjson::dom::element v) {
  return nlohmann::json::parse(simdjson::to_string(v), nullptr, false);
}

}  // namespace

Result<consent::SignalInput> MessageParser::Signals(simdjson::dom::element msg, const std::string& where, bool gpc) const {
  nlohmann::json context = nlohmann::json::object();
  simdjson::dom::element ctx;
  if (msg["context"].get(ctx) == simdjson::SUCCESS && ctx.is_object()) {
    for (std::string_view name : ConsentContextFields()) {
      simdjson::dom::element v;
      if (ctx[name].get(v) == simdjson::SUCCESS) context[std::string(name)] = ToNlohmann(v);
    }
  }
  nlohmann::json gdpr;
  simdjson::dom::element g;
  if (msg["gdpr_consent"].get(g) == simdjson::SUCCESS) gdpr = ToNlohmann(g);
  if (context.empty() && gdpr.is_null() && !gpc) return consent::SignalInput{};
  auto in = consent::ReadSignals(context, gdpr, gpc);
  if (!in.ok()) return InvalidArgument(where + "." + in.status().message());
  // Validate now, so a bad signal rejects the request before anything is written.
  auto dry = consent::RecordsFromSignals(decl_.consent, *in, "", "", 0);
  if (!dry.ok()) return InvalidArgument(where + ": " + dry.status().message());
  return std::move(*in);
}

Result<ParsedMessage> MessageParser::Parse(simdjson::dom::element msg, std::optional<CallType> endpoint_type,
                                           const std::string& where, int64_t received_ms, bool gpc) const {
  if (!msg.is_object()) return InvalidArgument(where + ": expected a JSON object");
  ParsedMessage out;
  profile::Event& e = out.event;

  ASSIGN_OR_RETURN(std::string type_name, StringField(msg, "type", where));
  if (endpoint_type) {
    e.type = *endpoint_type;
  } else {
    if (type_name.empty()) return InvalidArgument(where + ".type: missing (identify, track, page, screen, group or alias)");
    auto t = profile::ParseCallType(type_name);
    if (!t) return InvalidArgument(where + ".type: unknown call type '" + type_name + "'");
    e.type = *t;
  }

  ASSIGN_OR_RETURN(e.message_id, IdField(msg, "messageId", where));
  ASSIGN_OR_RETURN(e.user_id, IdField(msg, "userId", where));
  ASSIGN_OR_RETURN(e.anonymous_id, IdField(msg, "anonymousId", where));
  ASSIGN_OR_RETURN(e.previous_id, IdField(msg, "previousId", where));
  ASSIGN_OR_RETURN(e.group_id, IdField(msg, "groupId", where));
  if (e.type == CallType::kAlias) {
    if (e.user_id.empty() || e.previous_id.empty())
      return InvalidArgument(where + ": alias needs both userId and previousId");
  } else if (e.user_id.empty() && e.anonymous_id.empty()) {
    return InvalidArgument(where + ": needs a userId or an anonymousId");
  }
  if (e.type == CallType::kGroup && e.group_id.empty()) return InvalidArgument(where + ".groupId: missing");

  if (e.type == CallType::kTrack) {
    ASSIGN_OR_RETURN(e.name, StringField(msg, "event", where));
    if (e.name.empty()) return InvalidArgument(where + ".event: missing (the name of what happened)");
  } else if (e.type == CallType::kPage || e.type == CallType::kScreen) {
    ASSIGN_OR_RETURN(e.name, StringField(msg, "name", where));
  }

  ASSIGN_OR_RETURN(std::optional<int64_t> ts, TimeField(msg, "timestamp", where));
  ASSIGN_OR_RETURN(std::optional<int64_t> original, TimeField(msg, "originalTimestamp", where));
  ASSIGN_OR_RETURN(std::optional<int64_t> sent_at, TimeField(msg, "sentAt", where));
  e.received_ms = received_ms;
  if (!ts) ts = original;
  // Correct the client's clock skew the way the spec does: shift by the
  // difference between when it says it sent and when we received.
  e.timestamp_ms = ts ? *ts + (sent_at ? received_ms - *sent_at : 0) : received_ms;
  e.channel = ChannelOf(msg);

  for (auto field : msg.get_object()) {
    if (!KnownTopLevel().count(field.key) && !field.value.is_null())
      out.drops.push_back({std::string(field.key), schema::DropReason::kUndeclaredField, ""});
  }

  simdjson::dom::element context;
  if (msg["context"].get(context) == simdjson::SUCCESS && !context.is_null())
    e.context = filter_.Filter(context, decl_.context, "context", &out.drops, nullptr, &ContextFieldsReadElsewhere());
  ASSIGN_OR_RETURN(out.signals, Signals(msg, where, gpc));

  FilterTraitsAndProperties(msg, &out);

  out.ids.user_id = e.user_id;
  out.ids.anonymous_id = e.anonymous_id;
  if (e.type == CallType::kAlias) out.ids.previous_id = e.previous_id;
  if (e.traits.is_object()) {
    // Only declared (hence normalised) contact traits become identifiers.
    auto email = decl_.traits.find("email");
    if (email != decl_.traits.end() && email->second.type == schema::FieldType::kEmail && e.traits.contains("email") &&
        e.type == CallType::kIdentify)
      out.ids.email = e.traits["email"].get<std::string>();
    auto phone = decl_.traits.find("phone");
    if (phone != decl_.traits.end() && phone->second.type == schema::FieldType::kPhone && e.traits.contains("phone") &&
        e.type == CallType::kIdentify)
      out.ids.phone = e.traits["phone"].get<std::string>();
  }
  return out;
}

// The traits (identify, group) and properties (track, page, screen) the
// declaration keeps; the rest is listed in out->drops.
void MessageParser::FilterTraitsAndProperties(simdjson::dom::element msg, ParsedMessage* out) const {
  simdjson::dom::element traits;
  const bool has_traits = msg["traits"].get(traits) == simdjson::SUCCESS && !traits.is_null();
  simdjson::dom::element context_traits;
  // RudderStack's browser SDK (v3) sends an identify's traits in
  // context.traits only (and repeats them there on every later call, where
  // they are the SDK's memory, not a statement: ignored).
  const bool identify_in_context = out->event.type == CallType::kIdentify && !has_traits &&
                                   msg["context"]["traits"].get(context_traits) == simdjson::SUCCESS &&
                                   context_traits.is_object();
  if (identify_in_context) {
    out->event.traits = filter_.Filter(context_traits, decl_.traits, "context.traits", &out->drops);
  } else if (out->event.type == CallType::kIdentify && has_traits) {
    out->event.traits = filter_.Filter(traits, decl_.traits, "traits", &out->drops);
  } else if (out->event.type == CallType::kGroup && has_traits) {
    out->event.traits = filter_.Filter(traits, decl_.group_traits, "traits", &out->drops);
  } else if (has_traits) {
    out->drops.push_back({"traits", schema::DropReason::kUndeclaredField, "traits belong on identify and group calls"});
  }

  simdjson::dom::element props;
  const bool has_props = msg["properties"].get(props) == simdjson::SUCCESS && !props.is_null();
  if (out->event.type == CallType::kTrack || out->event.type == CallType::kPage || out->event.type == CallType::kScreen) {
    const std::string spec_name = out->event.type == CallType::kTrack ? out->event.name : std::string(profile::CallTypeName(out->event.type));
    const schema::EventSpec* spec = decl_.FindEvent(spec_name);
    out->spec = spec;
    if (!spec) {
      out->undeclared_event = true;
      out->drops.push_back({"event:" + spec_name, schema::DropReason::kUndeclaredEvent, ""});
    } else if (has_props) {
      out->event.properties = filter_.Filter(props, spec->properties, "properties", &out->drops, &decl_.common_properties);
    }
  } else if (has_props) {
    out->drops.push_back({"properties", schema::DropReason::kUndeclaredField, "properties belong on track, page and screen calls"});
  }

}

}  // namespace shinrai::service
