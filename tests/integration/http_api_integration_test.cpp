// Drives the server API of a real herald process over real sockets (docs/protocol.md §4.1).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "tests/support/herald_process.hpp"
#include "tests/support/http_client.hpp"

namespace herald::test {
namespace {

using nlohmann::json;

constexpr const char* kKey = "test-api-key";

const char* kConfig = R"({
  "http_server": {"address": "127.0.0.1", "port": 0},
  "http_api": {"key": "test-api-key"},
  "log": {"level": "info"},
  "shutdown": {"timeout": "5s"},
  "health": {"enabled": true},
  "channel": {
    "without_namespace": {"presence": true},
    "namespaces": [
      {"name": "chat", "history_size": 3, "history_ttl": "300s", "presence": true},
      {"name": "plain"}
    ]
  }
})";

/// A bare TCP connection, to send requests byte by byte and see exactly what comes back.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  /// Everything received until the server closes the connection or `limit` passes; `closed`
  /// tells which.
  std::string read_until_closed(std::chrono::milliseconds limit, bool& closed) {
    std::string out;
    closed = false;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return out;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        closed = true;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }
  /// Reads until `text` has arrived (or the connection ends / 10 s pass).
  std::string read_until(std::string_view text) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (out.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class HttpApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    node_ = new HeraldProcess();
    ASSERT_TRUE(node_->start({"-c", write_temp_file("api.json", kConfig)})) << node_->log();
  }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }

  HttpResult call(const std::string& method, const json& body,
                  std::vector<std::pair<std::string, std::string>> headers = {{"X-API-Key", kKey}}) {
    return client_.post("/api/" + method, body.dump(), headers);
  }
  json result_of(const std::string& method, const json& body) {
    auto r = call(method, body);
    EXPECT_EQ(r.status, 200) << r.body;
    auto j = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.contains("result")) << r.body;
    return j.value("result", json::object());
  }
  json error_of(const std::string& method, const json& body) {
    auto r = call(method, body);
    EXPECT_EQ(r.status, 200) << r.body;
    auto j = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.contains("error")) << r.body;
    return j.value("error", json::object());
  }

  static HeraldProcess* node_;
  HttpClient client_{"127.0.0.1", node_->port()};
};
HeraldProcess* HttpApi::node_ = nullptr;

TEST_F(HttpApi, HealthAnswersWhenEnabled) {
  auto r = client_.request("GET", "/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(client_.request("POST", "/health").status, 200);
}

TEST_F(HttpApi, HeadAnswerCarriesTheLengthButNoBody) {
  RawConnection c(node_->port());
  ASSERT_TRUE(c.connected());
  // Pipelined: a body after the HEAD answer would be read as the start of the next answer.
  ASSERT_TRUE(c.send("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  std::string got = c.read_until_closed(std::chrono::seconds(10), closed);
  EXPECT_TRUE(closed);
  size_t second = got.find("HTTP/1.1", 1);
  ASSERT_NE(second, std::string::npos) << got;
  std::string head = got.substr(0, second);
  EXPECT_NE(head.find("Content-Length: 2\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << head;  // nothing after the headers
  EXPECT_EQ(got.substr(got.size() - 2), "{}");
}

TEST(HttpApiNode, HealthIsOffByDefault) {
  HeraldProcess node;
  ASSERT_TRUE(node.start({"-c", write_temp_file("nohealth.json", R"({
      "http_server": {"address": "127.0.0.1", "port": 0}, "http_api": {"key": "k"}})")}))
      << node.log();
  HttpClient client("127.0.0.1", node.port());
  auto r = client.request("GET", "/health");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found\n");
  EXPECT_EQ(node.stop(SIGTERM), 0);
}

// Slow clients are cut at Centrifugo's deadlines (here shortened through the Herald keys):
// the headers within read_header_timeout of the request's start, the whole request within
// read_timeout, and a keep-alive connection waits read_timeout for its next request.
TEST(HttpApiNode, SlowRequestsAreCutAtTheirDeadlines) {
  HeraldProcess node;
  ASSERT_TRUE(node.start({"-c", write_temp_file("slow.json", R"({
      "http_server": {"address": "127.0.0.1", "port": 0,
                      "read_header_timeout": "1s", "read_timeout": "3s"},
      "http_api": {"key": "k"}, "health": {"enabled": true}})")}))
      << node.log();
  using namespace std::chrono;
  struct Outcome {
    bool closed = false;
    std::string got;
    milliseconds after{0};
  };
  // Sends `bytes` on a fresh connection (with `answered`, first reads the answer to them),
  // then waits for the server to close it: how long that took, and what came meanwhile.
  auto cut = [port = node.port()](std::string bytes, bool answered) {
    RawConnection c(port);
    Outcome o;
    if (!c.connected()) return o;
    if (!bytes.empty()) c.send(bytes);
    if (answered) c.read_until("{}");
    auto start = steady_clock::now();
    o.got = c.read_until_closed(seconds(15), o.closed);
    o.after = duration_cast<milliseconds>(steady_clock::now() - start);
    return o;
  };
  auto silent = std::async(std::launch::async, cut, std::string(), false);
  auto partial_headers =
      std::async(std::launch::async, cut, "POST /api/info HTTP/1.1\r\nHost: x\r\n", false);
  auto partial_body = std::async(std::launch::async, cut,
                                 "POST /api/info HTTP/1.1\r\nHost: x\r\nX-API-Key: k\r\n"
                                 "Content-Length: 10\r\n\r\n{",
                                 false);
  auto idle = std::async(std::launch::async, cut, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", true);
  for (auto* f : {&silent, &partial_headers}) {
    Outcome o = f->get();
    EXPECT_TRUE(o.closed);
    EXPECT_EQ(o.got, "");
    EXPECT_GE(o.after, milliseconds(900));
    EXPECT_LT(o.after, milliseconds(2500));
  }
  Outcome body = partial_body.get();
  EXPECT_TRUE(body.closed);
  EXPECT_EQ(body.got, "");  // no answer at all
  EXPECT_GE(body.after, milliseconds(2500));
  EXPECT_LT(body.after, milliseconds(8000));
  Outcome keep_alive = idle.get();
  EXPECT_TRUE(keep_alive.closed);
  EXPECT_GE(keep_alive.after, milliseconds(2500));
  EXPECT_LT(keep_alive.after, milliseconds(8000));
  EXPECT_EQ(node.stop(SIGTERM), 0) << node.log();
}

TEST(HttpApiNode, LegacyEndpointAnswers503DuringShutdown) {
  HeraldProcess node;
  ASSERT_TRUE(node.start({"-c", write_temp_file("legacy503.json", R"({
      "http_server": {"address": "127.0.0.1", "port": 0}, "http_api": {"key": "k"},
      "shutdown": {"timeout": "10s"}})")}))
      << node.log();
  // A request partly received when the stop begins is still read and answered. Its
  // `100 Continue` shows that the node reads the body before the stop begins.
  std::string body = R"({"id":1,"method":"info","params":{}})";
  RawConnection c(node.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("POST /api HTTP/1.1\r\nHost: x\r\nX-API-Key: k\r\nExpect: 100-continue\r\n"
                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  ASSERT_EQ(c.read_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c.send(body.substr(0, 5)));
  ::kill(node.pid(), SIGTERM);
  for (int i = 0; i < 200 && node.log().find("shutting down") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_NE(node.log().find("shutting down"), std::string::npos) << node.log();
  ASSERT_TRUE(c.send(body.substr(5))) << node.log();
  bool closed = false;
  std::string got = c.read_until_closed(std::chrono::seconds(10), closed);
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 503") << got;
  EXPECT_EQ(got.find("Content-Type"), std::string::npos) << got;
  EXPECT_TRUE(closed);
  EXPECT_EQ(node.wait(std::chrono::seconds(15)), 0) << node.log();
}

TEST_F(HttpApi, PublishThenHistoryReadsItBack) {
  auto pub = result_of("publish", {{"channel", "chat:history1"}, {"data", {{"text", "hi"}}}});
  ASSERT_EQ(pub.value("offset", 0), 1);
  std::string epoch = pub.value("epoch", "");
  EXPECT_FALSE(epoch.empty());
  result_of("publish", {{"channel", "chat:history1"}, {"data", {{"text", "second"}}}});
  auto h = result_of("history", {{"channel", "chat:history1"}, {"limit", -1}});
  ASSERT_EQ(h["publications"].size(), 2u);
  EXPECT_EQ(h["publications"][0]["data"]["text"], "hi");
  EXPECT_EQ(h["publications"][0]["offset"], 1);
  EXPECT_EQ(h["offset"], 2);
  EXPECT_EQ(h["epoch"], epoch);
}

TEST_F(HttpApi, HistoryKeepsOnlyHistorySizeAndLimitZeroGivesPositionOnly) {
  for (int i = 1; i <= 5; ++i) result_of("publish", {{"channel", "chat:window"}, {"data", i}});
  auto h = result_of("history", {{"channel", "chat:window"}, {"limit", -1}});
  ASSERT_EQ(h["publications"].size(), 3u);
  EXPECT_EQ(h["publications"][0]["offset"], 3);
  auto pos = result_of("history", {{"channel", "chat:window"}});
  EXPECT_EQ(pos["publications"].size(), 0u);
  EXPECT_EQ(pos["offset"], 5);
  auto rev = result_of("history", {{"channel", "chat:window"}, {"limit", 2}, {"reverse", true}});
  ASSERT_EQ(rev["publications"].size(), 2u);
  EXPECT_EQ(rev["publications"][0]["offset"], 5);
}

TEST_F(HttpApi, HistoryWithWrongEpochIsUnrecoverable) {
  result_of("publish", {{"channel", "chat:epoch"}, {"data", 1}});
  auto e = error_of("history", {{"channel", "chat:epoch"},
                                {"limit", 10},
                                {"since", {{"offset", 0}, {"epoch", "not-the-epoch"}}}});
  EXPECT_EQ(e["code"], 112);
}

TEST_F(HttpApi, PublishWithoutHistoryAnswersEmptyResult) {
  auto r = call("publish", {{"channel", "plain:x"}, {"data", {{"a", 1}}}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"result":{}})");
}

TEST_F(HttpApi, IdempotentPublishReturnsFirstResult) {
  json body = {{"channel", "chat:idem"}, {"data", 1}, {"idempotency_key", "k1"}};
  auto a = result_of("publish", body);
  auto b = result_of("publish", body);
  EXPECT_EQ(a, b);
  auto h = result_of("history", {{"channel", "chat:idem"}, {"limit", -1}});
  EXPECT_EQ(h["publications"].size(), 1u);
}

TEST_F(HttpApi, AnswersHaveCentrifugosShape) {
  auto r = call("publish", {{"channel", "plain:shape"}, {"data", 1}}, {{"X-API-Key", "wrong"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers.count("content-type"), 0u);
  EXPECT_EQ(r.headers["content-length"], "0");
  r = client_.request("GET", "/api/publish");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.count("content-type"), 0u);
  EXPECT_TRUE(r.body.empty());
  // An unknown method is no route: 404 before any key check.
  r = client_.post("/api/nope", "{}");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers["content-type"], "text/plain; charset=utf-8");
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
  r = client_.post("/api/publish", "{bad", {{"X-API-Key", kKey}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "Bad Request\n");
  EXPECT_EQ(r.headers["content-type"], "text/plain; charset=utf-8");
  // A right query key wins over a wrong header.
  EXPECT_EQ(client_.post("/api/info?api_key=test-api-key", "{}", {{"X-API-Key", "wrong"}}).status,
            200);
}

TEST_F(HttpApi, LegacyEndpointRunsCommandsInOrder) {
  auto r = client_.post("/api",
                        R"({"id":1,"method":"publish","params":{"channel":"chat:legacy","data":1}})"
                        "\n"
                        R"({"id":2,"method":"HISTORY","params":{"channel":"chat:legacy","limit":-1}})",
                        {{"X-API-Key", kKey}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  size_t nl = r.body.find('\n');
  ASSERT_NE(nl, std::string::npos) << r.body;
  EXPECT_EQ(json::parse(r.body.substr(0, nl))["result"]["offset"], 1);
  auto second = json::parse(r.body.substr(nl + 1));
  EXPECT_EQ(second["id"], 2);
  EXPECT_EQ(second["result"]["publications"].size(), 1u);
  EXPECT_EQ(client_.post("/api", "{bad", {{"X-API-Key", kKey}}).status, 400);
  EXPECT_EQ(client_.post("/api", "{}").status, 401);
}

TEST_F(HttpApi, AuthAcceptsThreeWaysAndRefusesWrongKey) {
  json body = {{"channel", "plain:auth"}, {"data", 1}};
  EXPECT_EQ(call("publish", body, {{"X-API-Key", "wrong"}}).status, 401);
  EXPECT_EQ(call("publish", body, {}).status, 401);
  EXPECT_EQ(call("publish", body, {{"Authorization", "apikey test-api-key"}}).status, 200);
  EXPECT_EQ(call("publish", body, {{"Authorization", "APIKEY test-api-key"}}).status, 200);
  EXPECT_EQ(client_.post("/api/publish?api_key=test-api-key", body.dump()).status, 200);
  auto r = call("publish", body, {{"X-API-Key", "wrong"}});
  EXPECT_TRUE(r.body.empty());
}

TEST_F(HttpApi, BadRequestsGetDocumentedAnswers) {
  EXPECT_EQ(client_.request("GET", "/api/publish", "", {{"X-API-Key", kKey}}).status, 405);
  EXPECT_EQ(call("no_such_method", json::object()).status, 404);
  auto r = client_.post("/api/publish", "{not json", {{"X-API-Key", kKey}});
  EXPECT_EQ(r.status, 400);
  r = client_.post("/api/publish", R"({"channel": 5, "data": 1})", {{"X-API-Key", kKey}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of("publish", {{"data", 1}})["code"], 107);
  EXPECT_EQ(error_of("publish", {{"channel", "chat:x"}})["code"], 107);
  EXPECT_EQ(error_of("publish", {{"channel", "nope:x"}, {"data", 1}})["code"], 102);
  EXPECT_EQ(error_of("presence", {{"channel", "plain:x"}})["code"], 108);
  EXPECT_EQ(error_of("history", {{"channel", "plain:x"}})["code"], 108);
  EXPECT_EQ(error_of("subscribe", {{"user", "42"}})["code"], 107);
  EXPECT_EQ(client_.request("GET", "/nowhere").status, 404);
}

TEST_F(HttpApi, TransportErrorModeUsesHttpStatus) {
  auto r = call("publish", {{"channel", "nope:x"}, {"data", 1}},
                {{"X-API-Key", kKey}, {"X-Centrifugo-Error-Mode", "transport"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["code"], 102);
  r = call("presence", {{"channel", "plain:x"}},
           {{"X-API-Key", kKey}, {"X-Centrifugo-Error-Mode", "transport"}});
  EXPECT_EQ(r.status, 400);
}

TEST_F(HttpApi, OversizedBodyIsRefusedAndNodeKeepsServing) {
  // The limit is checked against Content-Length before any body byte is read.
  auto r = client_.raw("POST /api/publish HTTP/1.1\r\nHost: x\r\nX-API-Key: test-api-key\r\n"
                       "Content-Length: 68157440\r\n\r\n{");
  EXPECT_EQ(r.status, 413);
  HttpClient fresh("127.0.0.1", node_->port());
  EXPECT_EQ(fresh.request("GET", "/health").status, 200);
}

TEST_F(HttpApi, BroadcastAnswersPerChannelInOrder) {
  auto res = result_of("broadcast", {{"channels", {"chat:b1", "nope:b", "plain:b"}}, {"data", 1}});
  ASSERT_EQ(res["responses"].size(), 3u);
  EXPECT_EQ(res["responses"][0]["result"]["offset"], 1);
  EXPECT_EQ(res["responses"][1]["error"]["code"], 102);
  EXPECT_EQ(res["responses"][2]["result"], json::object());
}

TEST_F(HttpApi, BatchRunsCommandsInOrderAndInParallel) {
  for (bool parallel : {false, true}) {
    std::string ch = parallel ? "chat:batch-p" : "chat:batch-s";
    json cmds = json::array({
        {{"publish", {{"channel", ch}, {"data", 1}}}},
        {{"history", {{"channel", ch}, {"limit", -1}}}},
        {{"unknown_cmd", json::object()}},
        {{"presence_stats", {{"channel", ch}}}},
    });
    auto r = call("batch", {{"commands", cmds}, {"parallel", parallel}});
    ASSERT_EQ(r.status, 200);
    auto res = json::parse(r.body, nullptr, false);  // the replies are the whole body
    ASSERT_EQ(res["replies"].size(), 4u) << r.body;
    EXPECT_EQ(res["replies"][0]["publish"]["offset"], 1);
    if (!parallel) {
      EXPECT_EQ(res["replies"][1]["history"]["publications"].size(), 1u);
    }
    EXPECT_EQ(res["replies"][2]["error"]["code"], 104);
    EXPECT_EQ(res["replies"][3]["presence_stats"]["num_clients"], 0);
  }
}

TEST_F(HttpApi, NodeMethodsAnswerWithoutConnections) {
  auto info = result_of("info", json::object());
  ASSERT_EQ(info["nodes"].size(), 1u);
  EXPECT_EQ(info["nodes"][0]["num_clients"], 0);
  EXPECT_FALSE(info["nodes"][0]["uid"].get<std::string>().empty());
  EXPECT_EQ(result_of("channels", json::object())["channels"], json::object());
  EXPECT_EQ(result_of("subscribe", {{"user", "42"}, {"channel", "chat:x"}}), json::object());
  EXPECT_EQ(result_of("unsubscribe", {{"user", "42"}, {"channel", "chat:x"}}), json::object());
  EXPECT_EQ(result_of("disconnect", {{"user", "42"}}), json::object());
  EXPECT_EQ(result_of("refresh", {{"user", "42"}, {"expired", true}}), json::object());
  auto p = result_of("presence", {{"channel", "chat:x"}});
  EXPECT_EQ(p["presence"], json::object());
  auto s = result_of("presence_stats", {{"channel", "chat:x"}});
  EXPECT_EQ(s["num_clients"], 0);
  EXPECT_EQ(s["num_users"], 0);
}

TEST_F(HttpApi, HistoryRemoveKeepsPosition) {
  result_of("publish", {{"channel", "chat:rm"}, {"data", 1}});
  result_of("publish", {{"channel", "chat:rm"}, {"data", 2}});
  EXPECT_EQ(result_of("history_remove", {{"channel", "chat:rm"}}), json::object());
  auto h = result_of("history", {{"channel", "chat:rm"}, {"limit", -1}});
  EXPECT_EQ(h["publications"].size(), 0u);
  EXPECT_EQ(h["offset"], 2);
}

TEST_F(HttpApi, KeepAliveServesManyRequestsOnOneConnection) {
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(call("publish", {{"channel", "plain:ka"}, {"data", i}}).status, 200);
}

}  // namespace
}  // namespace herald::test
