#include "actors/errors.hpp"

#include <caf/atom.hpp>

namespace herald {

namespace {
constexpr caf::atom_value kHeraldCategory = caf::atom("herald");
}  // namespace

caf::error to_caf_error(ErrorCode code) {
  return caf::error(static_cast<uint8_t>(code), kHeraldCategory);
}

Error from_caf_error(const caf::error& err) {
  if (err.category() == kHeraldCategory && err.code() >= 100)
    return make_error(static_cast<ErrorCode>(err.code()));
  return make_error(ErrorCode::internal);
}

}  // namespace herald
