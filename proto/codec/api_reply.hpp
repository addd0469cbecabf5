// The answer of a server API call, shared by the API actor (which produces it) and the HTTP
// and gRPC front ends (which render it). Plain types: no CAF, no Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/types.hpp"

namespace herald {

struct ApiReply {
  enum class Status : uint8_t {
    ok,              ///< `error` or `result_json` is the answer
    malformed_body,  ///< the body is not the JSON the method takes (HTTP 400)
    unknown_method,  ///< no such API method (HTTP 404)
  };
  Status status = Status::ok;
  Error error;              ///< code 0: success, `result_json` holds the result object
  std::string result_json;  ///< e.g. {"offset":1,"epoch":"abcd"}
};

/// Called exactly once with the answer, from whatever thread produced it.
using ApiReplyFn = std::function<void(ApiReply)>;

/// Starts an API call: method name (e.g. "publish") and the raw JSON body.
using ApiDispatchFn = std::function<void(std::string method, std::string body, ApiReplyFn)>;

}  // namespace herald
