// The HTTP front end of the server API: POST <prefix>/<method>, API key auth (X-API-Key,
// `Authorization: apikey`, ?api_key=), and the two error modes of compat-spec §4.1.
#pragma once

#include <string>
#include <string_view>

#include "proto/codec/api_reply.hpp"
#include "transport/http/http_types.hpp"

namespace herald {

struct ApiHttpOptions {
  std::string handler_prefix = "/api";
  std::string key;       ///< "" refuses every call unless `insecure`
  bool insecure = false;  ///< no auth at all (development only)
  bool transport_error_mode = false;  ///< http_api.error_mode == "transport"
};

class ApiHttpEndpoint {
 public:
  ApiHttpEndpoint(ApiHttpOptions options, ApiDispatchFn dispatch);

  /// Whether `path` belongs to the API (`<prefix>/<something>`).
  bool matches(std::string_view path) const;
  void handle(HttpRequest&& req, HttpResponder respond) const;

  /// The HTTP status of an error code in transport error mode.
  static unsigned transport_status(uint32_t code);
  /// Renders an API answer as an HTTP response in the given error mode.
  static HttpResponse render(const ApiReply& reply, bool transport_mode);

 private:
  bool authorized(const HttpRequest& req) const;

  ApiHttpOptions options_;
  ApiDispatchFn dispatch_;
};

}  // namespace herald
