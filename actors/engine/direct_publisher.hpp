// Publishing without a mailbox. An engine that can publish on the caller's thread offers this
// interface next to its actor, so the server API's io thread publishes at once instead of
// handing every request to an actor and waiting for its answer (two thread switches per
// request, the largest cost of a single publish; docs/benchmarks.md, S4).
#pragma once

#include <functional>
#include <string>

#include "actors/messages.hpp"

namespace herald {

class DirectPublisher {
 public:
  /// An error (code 100 when the engine could not publish) or the outcome.
  using Done = std::function<void(const Error&, PublishOutcome)>;
  virtual ~DirectPublisher() = default;

  /// The engine actor's publish(), on the calling thread: stores, delivers, then calls
  /// `done` exactly once (possibly before returning). Thread-safe; never blocks on I/O.
  virtual void publish(const std::string& channel, Publication pub, const PublishOptions& opts,
                       Done done) = 0;
};

}  // namespace herald
