// HttpPostClient over TLS: the server's certificate is verified (chain and name) unless told
// otherwise.
#include <gtest/gtest.h>

#include "tests/support/http_test_server.hpp"
#include "tests/support/test_tls.hpp"
#include "tests/transport/webhook/io_thread.hpp"
#include "transport/webhook/http_client.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::Awaited;

class HttpsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = test::make_test_certificate({"localhost"}, {"127.0.0.1"});
    HttpTestServer::Tls tls{cert_.cert_pem, cert_.key_pem};
    ASSERT_TRUE(server_.start(&tls));
  }

  HttpAnswer post(const std::string& endpoint, HttpClientOptions opts) {
    std::string error;
    opts.timeout = 10s;
    opts.connect_timeout = 10s;
    auto c = HttpPostClient::create(io_.ioc(), endpoint, std::move(opts), &error);
    EXPECT_TRUE(c) << error;
    if (!c) return {};
    Awaited<HttpAnswer> answer;
    c->post("{}", answer.setter());
    HttpAnswer first = answer.get().value_or(HttpAnswer{-1, {}, "no answer"});
    if (first.status == 200) {  // and a second one on the same TLS connection
      Awaited<HttpAnswer> again;
      c->post("{}", again.setter());
      EXPECT_EQ(again.get().value_or(HttpAnswer{}).status, 200);
      EXPECT_EQ(c->stats().connects, 1u);
    }
    return first;
  }

  using HttpTestServer = test::HttpTestServer;
  test::IoThread io_;
  test::TestCertificate cert_;
  HttpTestServer server_;
};

TEST_F(HttpsClientTest, TrustedCertificateForTheAddress) {
  HttpClientOptions o;
  o.tls.ca_pem = cert_.cert_pem;
  HttpAnswer a = post(server_.url("/events"), o);
  EXPECT_EQ(a.status, 200) << a.error;
  auto reqs = server_.requests();
  ASSERT_FALSE(reqs.empty());
  EXPECT_EQ(reqs[0].target, "/events");
}

TEST_F(HttpsClientTest, TrustedCertificateForTheHostName) {
  HttpClientOptions o;
  o.tls.ca_pem = cert_.cert_pem;
  HttpAnswer a = post("https://localhost:" + std::to_string(server_.port()) + "/", o);
  EXPECT_EQ(a.status, 200) << a.error;
}

TEST_F(HttpsClientTest, CaFromAFile) {
  const std::string path = ::testing::TempDir() + "/herald-webhook-ca.pem";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_TRUE(f);
  std::fputs(cert_.cert_pem.c_str(), f);
  std::fclose(f);
  HttpClientOptions o;
  o.tls.ca_pem_file = path;
  EXPECT_EQ(post(server_.url(), o).status, 200);
}

TEST_F(HttpsClientTest, UnknownIssuerIsRefused) {
  HttpClientOptions o;  // the system store does not know the test certificate
  HttpAnswer a = post(server_.url(), o);
  EXPECT_EQ(a.status, 0);
  EXPECT_NE(a.error.find("tls handshake"), std::string::npos) << a.error;
  EXPECT_NE(a.error.find("certificate verify failed"), std::string::npos) << a.error;
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(HttpsClientTest, OtherCaIsRefused) {
  HttpClientOptions o;
  o.tls.ca_pem = test::make_test_certificate({"localhost"}, {"127.0.0.1"}).cert_pem;
  HttpAnswer a = post(server_.url(), o);
  EXPECT_EQ(a.status, 0);
  EXPECT_NE(a.error.find("certificate verify failed"), std::string::npos) << a.error;
}

TEST_F(HttpsClientTest, WrongNameIsRefused) {
  HttpClientOptions o;
  o.tls.ca_pem = cert_.cert_pem;
  o.tls.server_name = "backend.example.com";  // the certificate is for localhost/127.0.0.1
  HttpAnswer a = post(server_.url(), o);
  EXPECT_EQ(a.status, 0);
  EXPECT_NE(a.error.find("certificate verify failed"), std::string::npos) << a.error;
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(HttpsClientTest, ServerNameOverride) {
  auto other = test::make_test_certificate({"backend.internal"}, {});
  server_.stop();
  test::HttpTestServer named;
  HttpTestServer::Tls tls{other.cert_pem, other.key_pem};
  ASSERT_TRUE(named.start(&tls));
  HttpClientOptions o;
  o.tls.ca_pem = other.cert_pem;
  o.tls.server_name = "backend.internal";
  EXPECT_EQ(post(named.url(), o).status, 200);
}

TEST_F(HttpsClientTest, InsecureSkipVerifyAcceptsAnyCertificate) {
  HttpClientOptions o;
  o.tls.insecure_skip_verify = true;
  EXPECT_EQ(post(server_.url(), o).status, 200);
}

TEST_F(HttpsClientTest, PlainHttpToATlsServerFails) {
  HttpClientOptions o;
  o.timeout = 2s;
  std::string error;
  auto c = HttpPostClient::create(
      io_.ioc(), "http://127.0.0.1:" + std::to_string(server_.port()) + "/", o, &error);
  ASSERT_TRUE(c);
  Awaited<HttpAnswer> answer;
  c->post("{}", answer.setter());
  auto a = answer.get();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 0);
}

}  // namespace
}  // namespace herald
