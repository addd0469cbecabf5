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
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Sends the response; callable once, from any thread.
using HttpResponder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest&&, HttpResponder)>;

std::string percent_decode(std::string_view s);

}  // namespace herald
