// HttpPostClient against a real (scripted) HTTP server over loopback sockets.
#include "transport/webhook/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "tests/support/http_test_server.hpp"
#include "tests/transport/webhook/io_thread.hpp"

namespace herald {
namespace {

using namespace std::chrono_literals;
using test::Awaited;
using test::HttpTestServer;
using test::TestReply;
using test::TestRequest;

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start()); }

  std::unique_ptr<HttpPostClient> make(HttpClientOptions opts = {},
                                       const std::string& path = "/centrifugo/channel_events") {
    std::string error;
    auto c = HttpPostClient::create(io_.ioc(), server_.url(path), std::move(opts), &error);
    EXPECT_TRUE(c) << error;
    return c;
  }

  static HttpAnswer post(HttpPostClient& c, std::string body = R"({"events":[]})") {
    Awaited<HttpAnswer> answer;
    c.post(std::move(body), answer.setter());
    auto a = answer.get();
    EXPECT_TRUE(a.has_value()) << "no answer within 10 s";
    return a.value_or(HttpAnswer{-1, {}, "no answer"});
  }

  test::IoThread io_;  // destroyed last: clients post their close onto it
  HttpTestServer server_;
};

TEST_F(HttpClientTest, PostsJsonWithItsHeadersAndReadsTheAnswer) {
  HttpClientOptions opts;
  opts.headers = {{"Authorization", "Bearer t0ken"}, {"X-Herald-Node", "n1"}};
  auto c = make(opts);
  HttpAnswer a = post(*c, R"({"events":[{"channel":"a","type":"occupied","time_ms":1}]})");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, R"({"result":{}})");
  EXPECT_TRUE(a.error.empty());
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/centrifugo/channel_events");
  EXPECT_EQ(reqs[0].headers["host"], "127.0.0.1:" + std::to_string(server_.port()));
  EXPECT_EQ(reqs[0].headers["content-type"], "application/json");
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer t0ken");
  EXPECT_EQ(reqs[0].headers["x-herald-node"], "n1");
  EXPECT_EQ(reqs[0].headers["user-agent"], "Herald");
  EXPECT_EQ(reqs[0].body, R"({"events":[{"channel":"a","type":"occupied","time_ms":1}]})");
}

TEST_F(HttpClientTest, KeepAliveReusesOneConnection) {
  auto c = make();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(post(*c).status, 200);
  EXPECT_EQ(server_.connections(), 1u);
  auto s = c->stats();
  EXPECT_EQ(s.connects, 1u);
  EXPECT_EQ(s.requests, 5u);
  EXPECT_EQ(s.reused, 4u);
  EXPECT_EQ(s.open_connections, 1u);
  for (const auto& r : server_.requests()) EXPECT_EQ(r.connection, 1u);
}

TEST_F(HttpClientTest, ConcurrentRequestsUseAtMostMaxConnections) {
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  server_.set_handler([open](const TestRequest&) {
    open.wait();
    return TestReply{};
  });
  HttpClientOptions opts;
  opts.max_connections = 2;
  opts.timeout = 30s;
  auto c = make(opts);
  std::vector<Awaited<HttpAnswer>> answers(5);
  for (auto& a : answers) c->post("{}", a.setter());
  ASSERT_TRUE(server_.wait_requests(2));
  EXPECT_EQ(server_.connections(), 2u);  // the other three wait in the client
  EXPECT_EQ(server_.requests().size(), 2u);
  gate.set_value();
  for (auto& a : answers) {
    auto got = a.get();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 200);
  }
  EXPECT_EQ(server_.connections(), 2u);
  EXPECT_EQ(server_.requests().size(), 5u);
}

// A slow endpoint with every connection busy: the requests that wait for a connection are not
// timed out by the wait (they would never have been sent), only by their own attempt.
TEST_F(HttpClientTest, TheDeadlineStartsWhenAConnectionTakesTheRequest) {
  server_.set_handler([](const TestRequest&) {
    std::this_thread::sleep_for(400ms);  // the endpoint's own latency, under the timeout
    return TestReply{};
  });
  HttpClientOptions opts;
  opts.max_connections = 1;
  opts.timeout = 1s;  // the fourth request waits 1.2 s for the connection
  auto c = make(opts);
  std::vector<Awaited<HttpAnswer>> answers(4);
  for (auto& a : answers) c->post("{}", a.setter());
  for (auto& a : answers) {
    auto got = a.get();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 200) << got->error;
  }
  EXPECT_EQ(c->stats().timeouts, 0u);
  EXPECT_EQ(server_.connections(), 1u);
}

TEST_F(HttpClientTest, Status500IsAnAnswerAndKeepsTheConnection) {
  server_.reply_always(TestReply::with(500, "oops"));
  auto c = make();
  HttpAnswer a = post(*c);
  EXPECT_EQ(a.status, 500);
  EXPECT_EQ(a.body, "oops");
  EXPECT_EQ(post(*c).status, 500);
  EXPECT_EQ(server_.connections(), 1u);
}

TEST_F(HttpClientTest, ServerThatNeverAnswersTimesOut) {
  server_.set_handler([](const TestRequest& r) {
    TestReply reply;
    if (r.index == 1) reply.action = TestReply::Action::hang;
    return reply;
  });
  HttpClientOptions opts;
  opts.timeout = 300ms;
  auto c = make(opts);
  const auto start = std::chrono::steady_clock::now();
  HttpAnswer a = post(*c);
  EXPECT_EQ(a.status, 0);
  EXPECT_EQ(a.error, "timeout after 300 ms");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_EQ(c->stats().timeouts, 1u);
  EXPECT_EQ(c->stats().open_connections, 0u);  // its answer could no longer be matched
  // The next request gets a fresh connection and an answer.
  EXPECT_EQ(post(*c).status, 200);
  EXPECT_EQ(server_.connections(), 2u);
  server_.release_hung();
}

TEST_F(HttpClientTest, ConnectionRefusedFailsAtOnce) {
  // A port nobody listens on: bind one, and close it without listening.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const uint16_t port = ntohs(addr.sin_port);
  ::close(fd);

  std::string error;
  HttpClientOptions opts;
  opts.timeout = 30s;  // the failure must come from the refused connect, not the deadline
  auto c = HttpPostClient::create(io_.ioc(), "http://127.0.0.1:" + std::to_string(port) + "/",
                                  opts, &error);
  ASSERT_TRUE(c) << error;
  HttpAnswer a = post(*c);
  EXPECT_EQ(a.status, 0);
  EXPECT_NE(a.error.find("connect"), std::string::npos) << a.error;
  EXPECT_NE(a.error.find("refused"), std::string::npos) << a.error;
  EXPECT_EQ(c->stats().connect_failures, 1u);
  EXPECT_EQ(c->stats().timeouts, 0u);
}

TEST_F(HttpClientTest, IdleConnectionClosedByTheServerIsNotReused) {
  auto c = make();
  EXPECT_EQ(post(*c).status, 200);
  server_.close_idle();  // as a server's keep-alive timeout
  ASSERT_TRUE(server_.wait_open_at_most(0));
  EXPECT_EQ(post(*c).status, 200);
  EXPECT_EQ(server_.connections(), 2u);
  EXPECT_EQ(server_.requests().size(), 2u);
}

TEST_F(HttpClientTest, ServerClosingAfterItsAnswerIsFine) {
  // Says keep-alive, then closes.
  server_.reply_always(TestReply::doing(TestReply::Action::respond_then_close));
  auto c = make();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(post(*c).status, 200);
  EXPECT_EQ(server_.requests().size(), 3u);
}

TEST_F(HttpClientTest, RequestLostOnAReusedConnectionIsSentAgain) {
  // The race a pending read cannot catch: the server drops the kept-alive connection just as
  // the second request reaches it, without answering. It must go again on a new connection.
  server_.set_handler([](const TestRequest& r) {
    TestReply reply;
    if (r.index == 2) reply.action = TestReply::Action::close;
    return reply;
  });
  auto c = make();
  EXPECT_EQ(post(*c, "one").status, 200);
  HttpAnswer a = post(*c, "two");
  EXPECT_EQ(a.status, 200) << a.error;
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1].body, "two");
  EXPECT_EQ(reqs[1].connection, 1u);
  EXPECT_EQ(reqs[2].body, "two");
  EXPECT_EQ(reqs[2].connection, 2u);
  EXPECT_EQ(c->stats().resent, 1u);
}

TEST_F(HttpClientTest, RequestLostOnAFreshConnectionFails) {
  server_.reply_always(TestReply::doing(TestReply::Action::close));
  auto c = make();
  HttpAnswer a = post(*c);
  EXPECT_EQ(a.status, 0);
  EXPECT_EQ(a.error, "connection closed before the answer");
  EXPECT_EQ(server_.requests().size(), 1u);
  EXPECT_EQ(c->stats().resent, 0u);
}

TEST_F(HttpClientTest, ChunkedAndConnectionCloseAnswers) {
  server_.set_handler([](const TestRequest& r) {
    TestReply reply;
    reply.body = R"({"result":{"chunked":true}})";
    reply.chunked = true;
    if (r.index == 2) reply.headers = {{"Connection", "close"}};
    if (r.index == 2) reply.action = TestReply::Action::respond_then_close;
    return reply;
  });
  auto c = make();
  HttpAnswer a = post(*c);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, R"({"result":{"chunked":true}})");
  EXPECT_EQ(post(*c).status, 200);  // Connection: close — the client must not reuse it
  EXPECT_EQ(post(*c).status, 200);
  EXPECT_EQ(server_.connections(), 2u);
  EXPECT_EQ(c->stats().resent, 0u);
}

TEST_F(HttpClientTest, TooLargeAnswerFails) {
  server_.reply_always(TestReply::with(200, std::string(2000, 'x')));
  HttpClientOptions opts;
  opts.max_answer_bytes = 1000;
  auto c = make(opts);
  HttpAnswer a = post(*c);
  EXPECT_EQ(a.status, 0);
  EXPECT_NE(a.error.find("bad answer"), std::string::npos) << a.error;
}

TEST_F(HttpClientTest, CloseFailsWhatIsPendingAndLaterPosts) {
  server_.reply_always(TestReply::doing(TestReply::Action::hang));
  HttpClientOptions opts;
  opts.timeout = 30s;
  auto c = make(opts);
  Awaited<HttpAnswer> pending;
  c->post("{}", pending.setter());
  ASSERT_TRUE(server_.wait_requests(1));
  c->close();
  auto a = pending.get();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->error, "closed");
  EXPECT_EQ(post(*c).error, "closed");
  server_.release_hung();
}

TEST_F(HttpClientTest, BadOptionsAreRefusedAtCreation) {
  auto refused = [&](HttpClientOptions opts, const std::string& endpoint) {
    std::string error;
    auto c = HttpPostClient::create(io_.ioc(), endpoint, std::move(opts), &error);
    EXPECT_FALSE(c);
    return error;
  };
  HttpClientOptions o;
  EXPECT_NE(refused(o, "grpc://h:1").find("gRPC"), std::string::npos);
  EXPECT_NE(refused(o, "h:1").find("endpoint"), std::string::npos);
  o.headers = {{"Host", "evil"}};
  EXPECT_NE(refused(o, server_.url()).find("set by Herald"), std::string::npos);
  o.headers = {{"X-A", "b\r\nX-Injected: 1"}};
  EXPECT_NE(refused(o, server_.url()).find("CR, LF"), std::string::npos);
  o.headers = {{"X A", "b"}};
  EXPECT_NE(refused(o, server_.url()).find("token"), std::string::npos);
  o.headers = {};
  o.tls.ca_pem_file = "/nonexistent/ca.pem";
  EXPECT_NE(refused(o, "https://127.0.0.1:1/").find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace herald
