// The gauges /metrics works out at each scrape from the running services:
// the model's age, rights requests by type and state with the time left to
// the nearest deadline, and the writer's health.
#pragma once

#include "app/services.h"

namespace shinrai::app {

// REQUIRES: `s` outlives every scrape (the server stops before it goes).
void RegisterGauges(Services& s, store::Store& store);

}  // namespace shinrai::app
