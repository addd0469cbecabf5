// HTTP requests and responses as plain values, so that only http_server.cpp includes Beast.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald {

struct HttpRequest {
  std::string method;  ///< "GET", "POST", ...
  std::string path;    ///< target without the query
  std::string query;   ///< text after '?', undecoded
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
  std::string body;
  std::string remote_address;

  /// The first header with this lower-case name, or "".
  std::string_view header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers)
      if (k == lower_name) return v;
    return {};
  }
  /// A query parameter, percent-decoded ("" when absent).
  std::string query_param(std::string_view name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";  ///< "" = no Content-Type header
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// A plain-text error as Go's http.Error writes it (what Centrifugo answers): `text` and a
/// newline, `text/plain; charset=utf-8`, `X-Content-Type-Options: nosniff`.
HttpResponse http_error(unsigned status, std::string_view text);
/// Go's "404 page not found".
HttpResponse http_not_found();
/// A status alone: no Content-Type, an empty body (Centrifugo's 401, 405, 503).
HttpResponse http_status_only(unsigned status);

/// Sends the response; callable once, from any thread.
using HttpResponder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest&&, HttpResponder)>;

std::string percent_decode(std::string_view s);

}  // namespace herald
