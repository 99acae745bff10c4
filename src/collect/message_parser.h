// MessageParser: one Segment/RudderStack tracking-spec message -> Event.
//
// Validates what the spec requires (ids, event name, types of the top-level
// fields) and applies the declaration: traits, context and properties keep
// only declared fields (schema::FieldFilter); an undeclared event is marked
// so the caller drops it whole. Everything dropped is listed with its reason.
//
// Thread-safety: const methods are safe for concurrent use.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <vector>

#include "consent/signals.h"
#include "core/status.h"
#include "profile/event.h"
#include "profile/identity_graph.h"
#include "schema/declaration.h"
#include "schema/field_filter.h"

namespace shinrai::service {

struct ParsedMessage {
  profile::Event event;
  profile::Identifiers ids;
  consent::SignalInput signals;  // consent stated with the message
  std::vector<schema::Drop> drops;
  bool undeclared_event = false;  // the whole event is not kept
  const schema::EventSpec* spec = nullptr;  // track/page/screen: the declared event
};

class MessageParser {
 public:
  explicit MessageParser(const schema::Declaration& declaration) : decl_(declaration), filter_(declaration) {}

  // `endpoint_type` is the call type of a single-call endpoint (/v1/track),
  // or nullopt inside a batch, where each message names its "type". `where`
  // prefixes error messages ("batch[3]"). InvalidArgument names the field.
  // `gpc`: the request carried Sec-GPC: 1.
  Result<ParsedMessage> Parse(simdjson::dom::element message, std::optional<profile::CallType> endpoint_type,
                              const std::string& where, int64_t received_ms, bool gpc = false) const;

  // The channel an event came from: context.channel or the top-level channel
  // when declared, else inferred from the sending library.
  std::string ChannelOf(simdjson::dom::element message) const;

 private:
  Result<consent::SignalInput> Signals(simdjson::dom::element message, const std::string& where, bool gpc) const;
  void FilterTraitsAndProperties(simdjson::dom::element msg, ParsedMessage* out) const;

  const schema::Declaration& decl_;
  schema::FieldFilter filter_;
};

}  // namespace shinrai::service
