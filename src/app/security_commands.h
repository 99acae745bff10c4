// `shinrai audit ...` and `shinrai keys ...`: operator commands around the
// audit log, API keys and the master key.
#pragma once

#include "cli/command_line.h"

namespace shinrai::app {

// Exit codes: 0 done (verify: the chain holds); 1 verify found a bad entry or
// the command failed; 2 bad arguments or configuration.
int RunAudit(const cli::AuditCommand& cmd);
int RunKeys(const cli::KeysCommand& cmd);

}  // namespace shinrai::app
