// Carrying Herald's protocol error codes through CAF's `caf::error` (category "herald").
#pragma once

#include <caf/error.hpp>

#include "engine/codes.hpp"
#include "engine/types.hpp"

namespace herald {

/// A caf::error whose code is the protocol code (100..112 fit CAF 0.17's uint8 code).
caf::error to_caf_error(ErrorCode code);

/// Back to a protocol Error; errors of other categories (a timeout, a dead actor) become 100.
Error from_caf_error(const caf::error& err);

}  // namespace herald
