#include "transport/http/api_http.hpp"

#include <gtest/gtest.h>

namespace herald {
namespace {

struct Captured {
  std::string method;
  std::string body;
  int calls = 0;
};

ApiHttpEndpoint endpoint(Captured& c, ApiReply answer, ApiHttpOptions opts = {}) {
  if (opts.key.empty() && !opts.insecure) opts.key = "k";
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

HttpRequest post(std::string path, std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest r;
  r.method = "POST";
  r.path = std::move(path);
  r.headers = std::move(headers);
  r.body = "{}";
  return r;
}

TEST(ApiHttp, RoutesMethodAndWrapsResult) {
  Captured c;
  auto e = endpoint(c, ApiReply{ApiReply::Status::ok, {}, R"({"offset":1})"});
  EXPECT_TRUE(e.matches("/api/publish"));
  EXPECT_FALSE(e.matches("/api"));
  EXPECT_FALSE(e.matches("/apix/publish"));
  auto r = send(e, post("/api/publish", {{"x-api-key", "k"}}));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"result":{"offset":1}})");
  EXPECT_EQ(c.method, "publish");
}

TEST(ApiHttp, RefusesWrongOrMissingKeyWithoutCallingTheApi) {
  Captured c;
  auto e = endpoint(c, ApiReply{});
  EXPECT_EQ(send(e, post("/api/publish", {{"x-api-key", "bad"}})).status, 401u);
  EXPECT_EQ(send(e, post("/api/publish", {{"authorization", "bearer k"}})).status, 401u);
  EXPECT_EQ(send(e, post("/api/publish", {})).status, 401u);
  EXPECT_EQ(c.calls, 0);
  EXPECT_EQ(send(e, post("/api/publish", {{"authorization", "ApiKey k"}})).status, 200u);
}

TEST(ApiHttp, EmptyConfiguredKeyRefusesUnlessInsecure) {
  Captured c;
  ApiHttpOptions opts;
  opts.key = "";
  opts.insecure = true;
  auto open = endpoint(c, ApiReply{}, opts);
  EXPECT_EQ(send(open, post("/api/info", {})).status, 200u);
  ApiHttpEndpoint closed(ApiHttpOptions{}, [](std::string, std::string, ApiReplyFn r) {
    r(ApiReply{});
  });
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
  EXPECT_EQ(r.body, R"({"code":102,"message":"unknown channel"})");
  EXPECT_EQ(ApiHttpEndpoint::transport_status(100), 500u);
  EXPECT_EQ(ApiHttpEndpoint::transport_status(107), 400u);
  EXPECT_EQ(ApiHttpEndpoint::transport_status(108), 400u);
  EXPECT_EQ(ApiHttpEndpoint::transport_status(112), 416u);
  EXPECT_EQ(ApiHttpEndpoint::transport_status(113), 409u);
}

TEST(ApiHttp, NonPostMalformedAndUnknown) {
  Captured c;
  auto e = endpoint(c, ApiReply{ApiReply::Status::malformed_body, {}, ""});
  auto get = post("/api/publish", {{"x-api-key", "k"}});
  get.method = "GET";
  EXPECT_EQ(send(e, get).status, 405u);
  EXPECT_EQ(send(e, post("/api/publish", {{"x-api-key", "k"}})).status, 400u);
  EXPECT_EQ(send(e, post("/api/a/b", {{"x-api-key", "k"}})).status, 404u);
  auto u = endpoint(c, ApiReply{ApiReply::Status::unknown_method, {}, ""});
  EXPECT_EQ(send(u, post("/api/zzz", {{"x-api-key", "k"}})).status, 404u);
}

}  // namespace
}  // namespace herald
