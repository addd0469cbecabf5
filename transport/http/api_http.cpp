#include "transport/http/api_http.hpp"

#include <strings.h>

#include <algorithm>

namespace herald {

namespace {

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
  return diff == 0;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

/// The words of `s` split at ASCII whitespace (Go's strings.Fields).
std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && space(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

void append_error_object(std::string& out, const Error& e) {
  out += "{\"code\":";
  out += std::to_string(e.code);
  out += ",\"message\":\"";
  for (char c : e.message) {  // messages are ours: plain ASCII, but stay valid JSON anyway
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out += "\"}";
}

}  // namespace

ApiHttpEndpoint::ApiHttpEndpoint(ApiHttpOptions options, ApiDispatchFn dispatch)
    : options_(std::move(options)), dispatch_(std::move(dispatch)) {
  prefix_ = options_.handler_prefix;
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
}

std::optional<std::string> ApiHttpEndpoint::method_of(std::string_view path) const {
  if (path.substr(0, prefix_.size()) != prefix_) return std::nullopt;
  std::string_view rest = path.substr(prefix_.size());
  if (rest.empty()) return std::string();  // the legacy endpoint
  if (rest[0] != '/') return std::nullopt;
  rest.remove_prefix(1);
  const auto& m = options_.methods;
  if (std::find(m.begin(), m.end(), rest) != m.end()) return std::string(rest);
  // With the root prefix the legacy endpoint is Go's "/" pattern: every other path.
  if (prefix_.empty()) return std::string();
  return std::nullopt;
}

bool ApiHttpEndpoint::matches(std::string_view path) const { return method_of(path).has_value(); }

// Centrifugo's order: X-API-Key if present, else `Authorization: apikey <key>`; failing
// those, ?api_key= (so a right query key wins over a wrong header).
bool ApiHttpEndpoint::authorized(const HttpRequest& req) const {
  if (options_.insecure) return true;
  if (options_.key.empty()) return false;
  bool valid = false;
  if (auto k = req.header("x-api-key"); !k.empty()) {
    valid = constant_time_equal(k, options_.key);
  } else if (auto a = req.header("authorization"); !a.empty()) {
    auto parts = fields(a);
    valid = parts.size() == 2 && iequals(parts[0], "apikey") &&
            constant_time_equal(parts[1], options_.key);
  }
  if (!valid && !req.query.empty())
    valid = constant_time_equal(req.query_param("api_key"), options_.key);
  return valid;
}

unsigned ApiHttpEndpoint::transport_status(uint32_t code) {
  switch (code) {
    case 102:
    case 104: return 404;
    case 107:
    case 108: return 400;
    case 112: return 416;
    case 113: return 409;
    default: return 500;
  }
}

HttpResponse ApiHttpEndpoint::render(const ApiReply& reply, bool transport_mode) {
  if (reply.status != ApiReply::Status::ok) return render_whole(reply);
  HttpResponse r;
  if (reply.error) {
    if (transport_mode) {
      r.status = transport_status(reply.error.code);
      append_error_object(r.body, reply.error);
    } else {
      r.body = "{\"error\":";
      append_error_object(r.body, reply.error);
      r.body += "}";
    }
    return r;
  }
  r.body.reserve(reply.result_json.size() + 12);
  r.body = "{\"result\":";
  r.body += reply.result_json.empty() ? std::string_view("{}") : reply.result_json;
  r.body += "}";
  return r;
}

HttpResponse ApiHttpEndpoint::render_whole(const ApiReply& reply) {
  switch (reply.status) {
    case ApiReply::Status::unknown_method: return http_not_found();
    case ApiReply::Status::malformed_body: return http_error(400, "Bad Request");
    case ApiReply::Status::ok: break;
  }
  return HttpResponse{200, "application/json", reply.result_json, {}};
}

void ApiHttpEndpoint::handle(HttpRequest&& req, HttpResponder respond) const {
  auto method = method_of(req.path);
  if (!method) return respond(http_not_found());
  if (req.method != "POST") return respond(http_status_only(405));
  if (!authorized(req)) return respond(http_status_only(401));
  const bool whole = method->empty() || *method == "batch";
  if (method->empty() && options_.shutting_down && options_.shutting_down())
    return respond(http_status_only(503));
  // Centrifugo compares the header's value exactly.
  const bool transport_mode = options_.transport_error_mode ||
                              req.header("x-centrifugo-error-mode") == "transport";
  dispatch_(std::move(*method), std::move(req.body),
            [respond = std::move(respond), transport_mode, whole](ApiReply reply) {
              respond(whole ? render_whole(reply) : render(reply, transport_mode));
            });
}

}  // namespace herald
