#include "transport/http/api_http.hpp"

#include <strings.h>

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
    : options_(std::move(options)), dispatch_(std::move(dispatch)) {}

bool ApiHttpEndpoint::matches(std::string_view path) const {
  const std::string& p = options_.handler_prefix;
  return path.size() > p.size() + 1 && path.substr(0, p.size()) == p && path[p.size()] == '/';
}

bool ApiHttpEndpoint::authorized(const HttpRequest& req) const {
  if (options_.insecure) return true;
  if (options_.key.empty()) return false;
  if (auto k = req.header("x-api-key"); !k.empty()) return constant_time_equal(k, options_.key);
  if (auto a = req.header("authorization"); !a.empty()) {
    size_t sp = a.find(' ');
    if (sp != std::string_view::npos && iequals(a.substr(0, sp), "apikey"))
      return constant_time_equal(a.substr(sp + 1), options_.key);
    return false;
  }
  std::string q = req.query_param("api_key");
  return !q.empty() && constant_time_equal(q, options_.key);
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
  HttpResponse r;
  switch (reply.status) {
    case ApiReply::Status::unknown_method:
      return HttpResponse{404, "text/plain", "404 page not found\n", {}};
    case ApiReply::Status::malformed_body:
      return HttpResponse{400, "text/plain", "Bad Request\n", {}};
    case ApiReply::Status::ok: break;
  }
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

void ApiHttpEndpoint::handle(HttpRequest&& req, HttpResponder respond) const {
  if (req.method != "POST") {
    return respond(HttpResponse{405, "text/plain", "Method Not Allowed\n", {{"Allow", "POST"}}});
  }
  if (!authorized(req)) return respond(HttpResponse{401, "text/plain", "", {}});
  bool transport_mode = options_.transport_error_mode ||
                        iequals(req.header("x-centrifugo-error-mode"), "transport");
  std::string method = req.path.substr(options_.handler_prefix.size() + 1);
  if (method.find('/') != std::string::npos)
    return respond(HttpResponse{404, "text/plain", "404 page not found\n", {}});
  dispatch_(std::move(method), std::move(req.body),
            [respond = std::move(respond), transport_mode](ApiReply reply) {
              respond(render(reply, transport_mode));
            });
}

}  // namespace herald
