// How every `shinrai` command reports a failure: the status on stderr (a
// `fatal` event once the server's log is JSON, so a log shipper reads it),
// and exit code 2 for bad arguments or configuration, 1 for anything else.
#pragma once

#include <cstdio>

#include "core/logging.h"
#include "core/status.h"

namespace shinrai::app {

inline int Fail(const Status& st) {
  if (logging::Json()) logging::Event("fatal", {{"error", st.ToString()}}, logging::Level::kError);
  else std::fprintf(stderr, "shinrai: %s\n", st.ToString().c_str());
  return st.code() == Code::kInvalidArgument ? 2 : 1;
}

}  // namespace shinrai::app
