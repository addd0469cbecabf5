// Building blocks of the key table (see fields.hpp).
#pragma once

#include <concepts>
#include <type_traits>

namespace herald {

/// Per-key parsing hints.
enum FieldFlags : unsigned {
  kFieldPlain = 0,
  kFieldSingleString = 1,  ///< a string array that also accepts one JSON string
  kFieldNegativeOk = 2,    ///< a duration that may be negative (meaning "disabled")
  kFieldNumericString = 4,  ///< an int that also accepts a numeric JSON string
  /// An object (or each object of an array) of a Centrifugo feature Herald lacks: keys it
  /// does not list are Centrifugo's and accepted without a warning (in JSON and HERALD_*).
  kFieldOtherKeysIgnored = 8,
};

/// `C` is `T` or `const T`: lets one visit_fields serve readers and const walkers.
template <class C, class T>
concept ConfigOf = std::same_as<std::remove_const_t<C>, T>;

/// `c` seen as its base `B`, keeping constness.
template <class B, class C>
auto& as_base(C& c) {
  if constexpr (std::is_const_v<C>) {
    return static_cast<const B&>(c);
  } else {
    return static_cast<B&>(c);
  }
}

}  // namespace herald
