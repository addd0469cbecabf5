// Runs one Herald node until SIGINT/SIGTERM: the CAF actor system (engine, node, API actors),
// the Asio threads with the HTTP server, and the bridge between them.
#pragma once

#include "config/config.hpp"

namespace herald {

/// Serves until a signal arrives; returns the process exit code.
int run_node(Config config);

}  // namespace herald
