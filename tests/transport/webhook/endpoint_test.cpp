#include "transport/webhook/endpoint.hpp"

#include <gtest/gtest.h>

namespace herald {
namespace {

using Scheme = ProxyEndpoint::Scheme;

TEST(ProxyEndpoint, HttpWithPathAndQuery) {
  auto ep = parse_proxy_endpoint("http://localhost:3000/centrifugo/channel_events?x=1");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->scheme, Scheme::http);
  EXPECT_EQ(ep->host, "localhost");
  EXPECT_EQ(ep->port, 3000);
  EXPECT_EQ(ep->target, "/centrifugo/channel_events?x=1");
  EXPECT_EQ(ep->authority, "localhost:3000");
}

TEST(ProxyEndpoint, DefaultsPortsAndPath) {
  auto ep = parse_proxy_endpoint("HTTPS://example.com");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->scheme, Scheme::https);
  EXPECT_EQ(ep->port, 443);
  EXPECT_EQ(ep->target, "/");
  EXPECT_EQ(ep->authority, "example.com");
  EXPECT_EQ(parse_proxy_endpoint("http://h")->port, 80);
  EXPECT_EQ(parse_proxy_endpoint("http://h?q")->target, "/?q");
}

TEST(ProxyEndpoint, Ipv6) {
  auto ep = parse_proxy_endpoint("http://[::1]:8080/x");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, 8080);
  EXPECT_EQ(ep->authority, "[::1]:8080");
  EXPECT_FALSE(parse_proxy_endpoint("http://::1:8080/x"));
  EXPECT_FALSE(parse_proxy_endpoint("http://[::1/x"));
}

TEST(ProxyEndpoint, Grpc) {
  auto ep = parse_proxy_endpoint("grpc://backend:10001");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->scheme, Scheme::grpc);
  EXPECT_EQ(ep->authority, "backend:10001");
  EXPECT_EQ(ep->target, "");
  EXPECT_TRUE(parse_proxy_endpoint("grpc://backend:10001/"));
  std::string why;
  EXPECT_FALSE(parse_proxy_endpoint("grpc://backend", &why));
  EXPECT_NE(why.find("port"), std::string::npos);
  EXPECT_FALSE(parse_proxy_endpoint("grpc://backend:1/x", &why));
  EXPECT_NE(why.find("no path"), std::string::npos);
}

TEST(ProxyEndpoint, Refused) {
  std::string why;
  for (const char* bad :
       {"", "localhost:3000", "ftp://h/", "http://", "http://:80/", "http://h:0/",
        "http://h:65536/", "http://h:x/", "http://h:/", "http://u:p@h/", "http://h/a b",
        "http://h/#frag", "http://h/\n"}) {
    why.clear();
    EXPECT_FALSE(parse_proxy_endpoint(bad, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

}  // namespace
}  // namespace herald
