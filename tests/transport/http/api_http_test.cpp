#include "transport/http/api_http.hpp"

#include <gtest/gtest.h>

namespace herald {
namespace {

struct Captured {
  std::string method;
  std::string body;
  int calls = 0;
};

ApiHttpOptions options() {
  ApiHttpOptions o;
  o.key = "k";
  o.methods = {"publish", "info", "batch"};
  return o;
}

ApiHttpEndpoint endpoint(Captured& c, ApiReply answer, ApiHttpOptions opts = options()) {
  return ApiHttpEndpoint(opts, [&c, answer](std::string m, std::string b, ApiReplyFn reply) {
    c.method = std::move(m);
    c.body = std::move(b);
    ++c.calls;
    reply(answer);
  });
}

HttpResponse send(const ApiHttpEndpoint& e, HttpRequest req) {
  HttpResponse out;
  e.handle(std::move(req), [&](HttpResponse r) { out = std::move(r); });
  return out;
}

HttpRequest post(std::string path, std::vector<std::pair<std::string, std::string>> headers,
                 std::string query = "") {
  HttpRequest r;
  r.method = "POST";
  r.path = std::move(path);
  r.query = std::move(query);
  r.headers = std::move(headers);
  r.body = "{}";
  return r;
}

void expect_status_only(const HttpResponse& r, unsigned status) {
  EXPECT_EQ(r.status, status);
  EXPECT_EQ(r.content_type, "");
  EXPECT_EQ(r.body, "");
  EXPECT_TRUE(r.headers.empty());
}

void expect_go_error(const HttpResponse& r, unsigned status, const std::string& body) {
  EXPECT_EQ(r.status, status);
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, body);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "X-Content-Type-Options");
  EXPECT_EQ(r.headers[0].second, "nosniff");
}

TEST(ApiHttp, RoutesServedMethodsAndTheLegacyPathOnly) {
  Captured c;
  auto e = endpoint(c, ApiReply{ApiReply::Status::ok, {}, R"({"offset":1})"});
  EXPECT_TRUE(e.matches("/api/publish"));
  EXPECT_TRUE(e.matches("/api"));
  EXPECT_FALSE(e.matches("/api/"));
  EXPECT_FALSE(e.matches("/api/nope"));
  EXPECT_FALSE(e.matches("/api/publish/extra"));
  EXPECT_FALSE(e.matches("/apix/publish"));
  auto r = send(e, post("/api/publish", {{"x-api-key", "k"}}));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"result":{"offset":1}})");
  EXPECT_EQ(c.method, "publish");
  // Not a route: 404 before the key is looked at.
  expect_go_error(send(e, post("/api/nope", {})), 404, "404 page not found\n");
  EXPECT_EQ(c.calls, 1);
}

TEST(ApiHttp, PrefixTrailingSlashIsIgnored) {
  Captured c;
  ApiHttpOptions o = options();
  o.handler_prefix = "/v2/api/";
  auto e = endpoint(c, ApiReply{}, o);
  EXPECT_TRUE(e.matches("/v2/api/info"));
  EXPECT_TRUE(e.matches("/v2/api"));
  EXPECT_FALSE(e.matches("/api/info"));
}

TEST(ApiHttp, RefusalsCarryNoBodyAndNoContentType) {
  Captured c;
  auto e = endpoint(c, ApiReply{});
  expect_status_only(send(e, post("/api/publish", {{"x-api-key", "bad"}})), 401);
  expect_status_only(send(e, post("/api/publish", {{"authorization", "bearer k"}})), 401);
  expect_status_only(send(e, post("/api/publish", {})), 401);
  auto get = post("/api/publish", {{"x-api-key", "k"}});
  get.method = "GET";
  expect_status_only(send(e, get), 405);
  get.headers.clear();  // the method is checked before the key
  expect_status_only(send(e, get), 405);
  EXPECT_EQ(c.calls, 0);
}

TEST(ApiHttp, KeyPrecedenceIsCentrifugos) {
  Captured c;
  auto e = endpoint(c, ApiReply{});
  EXPECT_EQ(send(e, post("/api/publish", {{"authorization", "ApiKey k"}})).status, 200u);
  EXPECT_EQ(send(e, post("/api/publish", {{"authorization", "apikey \t k"}})).status, 200u);
  EXPECT_EQ(send(e, post("/api/publish", {{"authorization", "apikey k x"}})).status, 401u);
  // The query key is tried whenever the headers did not match.
  EXPECT_EQ(send(e, post("/api/publish", {{"x-api-key", "wrong"}}, "api_key=k")).status, 200u);
  EXPECT_EQ(send(e, post("/api/publish", {{"x-api-key", "k"}}, "api_key=wrong")).status, 200u);
  EXPECT_EQ(send(e, post("/api/publish", {{"authorization", "apikey no"}}, "api_key=k")).status,
            200u);
  EXPECT_EQ(send(e, post("/api/publish", {}, "api_key=wrong")).status, 401u);
  // X-API-Key, when present, decides over Authorization.
  EXPECT_EQ(send(e, post("/api/publish", {{"x-api-key", "no"}, {"authorization", "apikey k"}}))
                .status,
            401u);
}

TEST(ApiHttp, EmptyConfiguredKeyRefusesUnlessInsecure) {
  Captured c;
  ApiHttpOptions opts = options();
  opts.key = "";
  opts.insecure = true;
  auto open = endpoint(c, ApiReply{}, opts);
  EXPECT_EQ(send(open, post("/api/info", {})).status, 200u);
  opts.insecure = false;
  auto closed = endpoint(c, ApiReply{}, opts);
  EXPECT_EQ(send(closed, post("/api/info", {{"x-api-key", ""}})).status, 401u);
}

TEST(ApiHttp, ErrorModes) {
  Captured c;
  ApiReply err{ApiReply::Status::ok, Error{102, "unknown channel", false}, ""};
  auto e = endpoint(c, err);
  auto r = send(e, post("/api/publish", {{"x-api-key", "k"}}));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"error":{"code":102,"message":"unknown channel"}})");
  r = send(e, post("/api/publish", {{"x-api-key", "k"}, {"x-centrifugo-error-mode", "transport"}}));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"code":102,"message":"unknown channel"})");
  // The header's value is compared exactly.
  r = send(e, post("/api/publish", {{"x-api-key", "k"}, {"x-centrifugo-error-mode", "Transport"}}));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(ApiHttpEndpoint::transport_status(100), 500u);
  EXPECT_EQ(ApiHttpEndpoint::transport_status(107), 400u);
  EXPECT_EQ(ApiHttpEndpoint::transport_status(108), 400u);
  EXPECT_EQ(ApiHttpEndpoint::transport_status(112), 416u);
  EXPECT_EQ(ApiHttpEndpoint::transport_status(113), 409u);
}

TEST(ApiHttp, MalformedBodyIsGosPlainTextBadRequest) {
  Captured c;
  auto e = endpoint(c, ApiReply{ApiReply::Status::malformed_body, {}, ""});
  expect_go_error(send(e, post("/api/publish", {{"x-api-key", "k"}})), 400, "Bad Request\n");
  auto u = endpoint(c, ApiReply{ApiReply::Status::unknown_method, {}, ""});
  expect_go_error(send(u, post("/api/publish", {{"x-api-key", "k"}})), 404,
                  "404 page not found\n");
}

TEST(ApiHttp, BatchIsTheWholeBodyInEitherErrorMode) {
  Captured c;
  auto e = endpoint(c, ApiReply{ApiReply::Status::ok, {}, R"({"replies":[]})"});
  auto r = send(e, post("/api/batch", {{"x-api-key", "k"}, {"x-centrifugo-error-mode", "transport"}}));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"replies":[]})");
  EXPECT_EQ(c.method, "batch");
}

TEST(ApiHttp, LegacyEndpointDispatchesTheWholeBody) {
  Captured c;
  ApiHttpOptions o = options();
  o.transport_error_mode = true;
  bool stopping = false;
  o.shutting_down = [&stopping] { return stopping; };
  auto e = endpoint(c, ApiReply{ApiReply::Status::ok, {}, "{\"id\":1,\"result\":{}}\n{}"}, o);
  auto r = send(e, post("/api", {{"x-api-key", "k"}}));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{\"id\":1,\"result\":{}}\n{}");
  EXPECT_EQ(c.method, "");
  EXPECT_EQ(c.body, "{}");
  expect_status_only(send(e, post("/api", {})), 401);
  stopping = true;
  expect_status_only(send(e, post("/api", {{"x-api-key", "k"}})), 503);
  EXPECT_EQ(send(e, post("/api/info", {{"x-api-key", "k"}})).status, 200u);
  EXPECT_EQ(c.calls, 2);
}

}  // namespace
}  // namespace herald
