// The HTTP front end of the server API (docs/protocol.md §4.1): POST <prefix>/<method> and the
// legacy POST <prefix>, API key auth (X-API-Key, `Authorization: apikey`, ?api_key=), the
// two error modes, and Centrifugo's exact answers around them (405 and 401 without a body,
// Go's plain-text errors).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/codec/api_reply.hpp"
#include "transport/http/http_types.hpp"

namespace herald {

struct ApiHttpOptions {
  std::string handler_prefix = "/api";  ///< a trailing '/' is ignored; "" is the root
  /// The methods served at <prefix>/<method> (the API's list, "batch" included); other
  /// paths under the prefix are not the API's (404, before any key check).
  std::vector<std::string> methods;
  std::string key;       ///< "" refuses every call unless `insecure`
  bool insecure = false;  ///< no auth at all (development only)
  bool transport_error_mode = false;  ///< http_api.error_mode == "transport"
  /// True once the node is shutting down: the legacy endpoint then answers 503.
  std::function<bool()> shutting_down;
};

class ApiHttpEndpoint {
 public:
  /// `dispatch` gets the method name, or "" for the legacy endpoint's whole body.
  ApiHttpEndpoint(ApiHttpOptions options, ApiDispatchFn dispatch);

  /// Whether `path` is an API route: <prefix> itself or <prefix>/<a served method>.
  bool matches(std::string_view path) const;
  void handle(HttpRequest&& req, HttpResponder respond) const;

  /// The HTTP status of an error code in transport error mode.
  static unsigned transport_status(uint32_t code);
  /// Renders a method's answer in the given error mode.
  static HttpResponse render(const ApiReply& reply, bool transport_mode);
  /// Renders an answer that is the whole body (batch, the legacy endpoint): no error mode.
  static HttpResponse render_whole(const ApiReply& reply);

 private:
  bool authorized(const HttpRequest& req) const;
  /// The method of `path` ("" = the legacy endpoint); nullopt when not an API route.
  std::optional<std::string> method_of(std::string_view path) const;

  ApiHttpOptions options_;
  std::string prefix_;  ///< handler_prefix without trailing '/' ("" = root)
  ApiDispatchFn dispatch_;
};

}  // namespace herald
