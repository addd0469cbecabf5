// End to end: HttpServer + WsEndpoint on one io thread, a synchronous Beast client per test.
// Deterministic coalescing/overflow tests park the only io thread on a gate while sending.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <gtest/gtest.h>

#include <atomic>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "transport/http/http_server.hpp"
#include "transport/ws/ws_endpoint.hpp"

namespace herald {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using protocol::Protocol;
constexpr auto kWait = std::chrono::seconds(10);  // upper bound only; tests never sleep

/// What the server saw of one connection, shared with its callbacks.
struct Probe {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> messages;
  int closed = 0;

  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, kWait, [&] { return pred(); });
  }
};

struct Accepted {
  std::shared_ptr<WsConnection> conn;
  WsHandshake hs;
  std::shared_ptr<Probe> probe = std::make_shared<Probe>();
};

struct Client {
  asio::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  websocket::response_type res;
  beast::flat_buffer buf;

  std::string read(beast::error_code& ec) {
    buf.clear();
    ws.read(buf, ec);
    return beast::buffers_to_string(buf.data());
  }
  /// Reads until the close frame; returns the data frames seen before it.
  std::vector<std::string> read_until_close() {
    std::vector<std::string> frames;
    for (;;) {
      beast::error_code ec;
      std::string s = read(ec);
      if (ec) return frames;
      frames.push_back(std::move(s));
    }
  }
};

class WsTest : public ::testing::Test {
 protected:
  void Start(WsOptions opts = {}) {
    endpoint_ = std::make_shared<WsEndpoint>(opts, [this](auto conn, WsHandshake hs) {
      auto a = std::make_shared<Accepted>();
      a->conn = conn;
      a->hs = std::move(hs);
      if (auto_start_) StartConn(*a);
      std::lock_guard lock(mu_);
      accepted_.push_back(a);
      cv_.notify_all();
    });
    HttpServerOptions http;
    http.address = "127.0.0.1";
    http.port = 0;
    http.websocket_path = "/connection/websocket";
    http.upgrade_handler = endpoint_;
    server_ = std::make_unique<HttpServer>(ioc_, http, [this](HttpRequest&& r, HttpResponder re) {
      plain_path_ = r.path;
      re(HttpResponse{404, "text/plain", "plain\n", {}});
    });
    ASSERT_FALSE(server_->listen());
    io_ = std::thread([this] { ioc_.run(); });
  }

  static void StartConn(Accepted& a) {
    auto probe = a.probe;
    a.conn->start({[probe](std::string m) {
                     std::lock_guard lock(probe->mu);
                     probe->messages.push_back(std::move(m));
                     probe->cv.notify_all();
                   },
                   [probe] {
                     std::lock_guard lock(probe->mu);
                     ++probe->closed;
                     probe->cv.notify_all();
                   }});
  }

  void TearDown() override {
    if (server_) server_->stop();
    work_.reset();
    {
      std::lock_guard lock(mu_);
      accepted_.clear();
    }
    ioc_.stop();
    if (io_.joinable()) io_.join();
  }

  std::unique_ptr<Client> Connect(const std::string& target, const std::string& subprotocol = "",
                                  const std::string& origin = "", beast::error_code* ec = nullptr,
                                  int rcvbuf = 0) {
    auto c = std::make_unique<Client>();
    auto& sock = c->ws.next_layer();
    sock.open(tcp::v4());
    if (rcvbuf) sock.set_option(asio::socket_base::receive_buffer_size(rcvbuf));
    sock.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    c->ws.set_option(websocket::stream_base::decorator([=](websocket::request_type& r) {
      if (!subprotocol.empty()) r.set(http::field::sec_websocket_protocol, subprotocol);
      if (!origin.empty()) r.set(http::field::origin, origin);
    }));
    beast::error_code local;
    c->ws.handshake(c->res, "127.0.0.1", target, ec ? *ec : local);
    EXPECT_TRUE(ec || !local) << local.message();
    return c;
  }

  /// An upgrade request written by hand, to see the response Beast's client hides on refusal.
  http::response<http::string_body> RawUpgrade(const std::string& origin) {
    asio::io_context cio;
    beast::tcp_stream s(cio);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    http::request<http::empty_body> req(http::verb::get, "/connection/websocket", 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(http::field::sec_websocket_version, "13");
    req.set(http::field::origin, origin);
    http::write(s, req);
    beast::flat_buffer b;
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(s, b, res, ec);
    EXPECT_FALSE(ec) << ec.message();
    return res;
  }

  std::shared_ptr<Accepted> NextAccepted() {
    std::unique_lock lock(mu_);
    EXPECT_TRUE(cv_.wait_for(lock, kWait, [&] { return taken_ < accepted_.size(); }));
    return taken_ < accepted_.size() ? accepted_[taken_++] : nullptr;
  }

  /// Parks the only io thread until release() or the end of the scope.
  class Gate {
   public:
    explicit Gate(asio::io_context& ioc) {
      auto entered = std::make_shared<std::promise<void>>();
      auto in = entered->get_future();
      asio::post(ioc, [entered, out = release_.get_future()] {
        entered->set_value();
        out.wait();
      });
      in.wait();
    }
    ~Gate() { release(); }
    void release() {
      if (!released_) release_.set_value();
      released_ = true;
    }

   private:
    std::promise<void> release_;
    bool released_ = false;
  };

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ioc_);
  std::shared_ptr<WsEndpoint> endpoint_;
  std::unique_ptr<HttpServer> server_;
  std::thread io_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Accepted>> accepted_;
  size_t taken_ = 0;
  bool auto_start_ = true;
  std::string plain_path_;
};

// -- handshake -------------------------------------------------------------------------------

TEST_F(WsTest, JsonSubprotocolIsEchoedAndUsesTextFrames) {
  Start();
  auto c = Connect("/connection/websocket", "centrifuge-json");
  EXPECT_EQ(c->res[http::field::sec_websocket_protocol], "centrifuge-json");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->hs.protocol, Protocol::json);
  EXPECT_EQ(a->hs.remote_address, "127.0.0.1");
  EXPECT_FALSE(a->hs.ws_frame_ping_pong);
  c->ws.write(asio::buffer(std::string(R"({"id":1,"connect":{}})")));
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->messages.size() == 1; }));
  EXPECT_EQ(a->probe->messages[0], R"({"id":1,"connect":{}})");
  ASSERT_TRUE(a->conn->send("{}"));
  beast::error_code ec;
  EXPECT_EQ(c->read(ec), "{}");
  EXPECT_TRUE(c->ws.got_text());
}

TEST_F(WsTest, ProtobufSubprotocolIsEchoedAndUsesBinaryFrames) {
  Start();
  auto c = Connect("/connection/websocket", "centrifuge-protobuf");
  EXPECT_EQ(c->res[http::field::sec_websocket_protocol], "centrifuge-protobuf");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->hs.protocol, Protocol::protobuf);
  ASSERT_TRUE(a->conn->send(std::string_view("\x00", 1)));
  beast::error_code ec;
  EXPECT_EQ(c->read(ec), std::string("\x00", 1));
  EXPECT_TRUE(c->ws.got_binary());
}

TEST_F(WsTest, QuerySelectsProtobufAndFramePingPong) {
  Start();
  auto c = Connect("/connection/websocket?cf_protocol=protobuf&cf_ws_frame_ping_pong=true");
  EXPECT_EQ(c->res.count(http::field::sec_websocket_protocol), 0u);
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->hs.protocol, Protocol::protobuf);
  EXPECT_TRUE(a->hs.ws_frame_ping_pong);
  bool has_key = false;
  for (const auto& [k, v] : a->hs.headers) has_key |= k == "sec-websocket-key";
  EXPECT_TRUE(has_key);

  auto c2 = Connect("/connection/websocket?format=protobuf");
  auto a2 = NextAccepted();
  ASSERT_TRUE(a2);
  EXPECT_EQ(a2->hs.protocol, Protocol::protobuf);
}

TEST_F(WsTest, OriginPatternsAllowAndRefuseWith403) {
  WsOptions o;
  o.allowed_origins = {"https://*.example.com"};
  Start(o);
  auto ok = Connect("/connection/websocket", "", "https://App.Example.com");
  ASSERT_TRUE(NextAccepted());
  EXPECT_EQ(RawUpgrade("https://evil.com").result_int(), 403u);
}

TEST_F(WsTest, AFullNodeAnswers503WithoutUpgrading) {
  std::atomic<bool> full{false};
  WsOptions o;
  o.allowed_origins = {"*"};
  o.at_capacity = [&full] { return full.load(); };
  Start(o);
  auto ok = Connect("/connection/websocket");
  ASSERT_TRUE(NextAccepted());
  full = true;
  auto res = RawUpgrade("https://example.com");
  EXPECT_EQ(res.result_int(), 503u);
  EXPECT_EQ(res.body(), "");
}

TEST_F(WsTest, EmptyOriginListAcceptsOnlyRequestsWithoutOrigin) {
  Start();
  auto ok = Connect("/connection/websocket");
  ASSERT_TRUE(NextAccepted());
  beast::error_code ec;
  Connect("/connection/websocket", "", "https://example.com", &ec);
  EXPECT_EQ(ec, websocket::error::upgrade_declined);
  auto res = RawUpgrade("https://example.com");
  EXPECT_EQ(res.result_int(), 403u);
  EXPECT_EQ(res.body(), "Forbidden\n");
}

TEST_F(WsTest, StarOriginAllowsAll) {
  WsOptions o;
  o.allowed_origins = {"*"};
  Start(o);
  auto ok = Connect("/connection/websocket", "", "https://anything.org");
  EXPECT_TRUE(NextAccepted());
}

TEST_F(WsTest, PlainRequestToTheWebsocketPathGoesToTheHandler) {
  Start();
  asio::io_context cio;
  beast::tcp_stream s(cio);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  http::request<http::empty_body> req(http::verb::get, "/connection/websocket", 11);
  req.set(http::field::host, "127.0.0.1");
  http::write(s, req);
  beast::flat_buffer b;
  http::response<http::string_body> res;
  http::read(s, b, res);
  EXPECT_EQ(res.result_int(), 404u);
  EXPECT_EQ(plain_path_, "/connection/websocket");
}

// -- reads -----------------------------------------------------------------------------------

TEST_F(WsTest, FragmentedAndLargeMessagesArriveWhole) {
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  std::string big(60000, 'x');
  big.front() = '[';
  big.back() = ']';
  c->ws.write(asio::buffer(big));
  c->ws.auto_fragment(true);
  c->ws.write_buffer_bytes(256);  // client frames of 256 bytes: one message, many frames
  std::string fragmented(5000, 'y');
  c->ws.write(asio::buffer(fragmented));
  c->ws.write(asio::buffer(std::string("s")));
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->messages.size() == 3; }));
  EXPECT_EQ(a->probe->messages[0], big);
  EXPECT_EQ(a->probe->messages[1], fragmented);
  EXPECT_EQ(a->probe->messages[2], "s");
}

TEST_F(WsTest, ReadingPausesUntilTheOwnerConsumes) {
  // The owner handles nothing: after kMaxUnconsumedMessages the session stops reading (the
  // rest waits in the kernel), and resumes when the owner reports them consumed.
  auto paused = std::make_shared<Probe>();  // its `closed` counts pauses
  WsOptions opts;
  opts.on_read_paused = [paused] {
    std::lock_guard lock(paused->mu);
    ++paused->closed;
    paused->cv.notify_all();
  };
  Start(opts);
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  const uint32_t limit = WsConnection::kMaxUnconsumedMessages;
  for (uint32_t i = 0; i < limit + 4; ++i) c->ws.write(asio::buffer(std::to_string(i)));
  ASSERT_TRUE(paused->wait([&] { return paused->closed > 0; }));
  {
    // Paused with no read pending: exactly `limit` messages, and no more can come.
    std::lock_guard lock(a->probe->mu);
    EXPECT_EQ(a->probe->messages.size(), limit);
  }
  a->conn->consumed(limit);
  EXPECT_TRUE(a->probe->wait([&] { return a->probe->messages.size() == limit + 4; }));
  std::lock_guard lock(a->probe->mu);
  EXPECT_EQ(a->probe->messages.back(), std::to_string(limit + 3));
}

TEST_F(WsTest, MessageOverTheLimitClosesWith1009) {
  WsOptions o;
  o.message_size_limit = 64;
  Start(o);
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  c->ws.write(asio::buffer(std::string(64, 'a')));
  c->ws.write(asio::buffer(std::string(65, 'b')));
  auto frames = c->read_until_close();
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(c->ws.reason().code, 1009);
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
  ASSERT_EQ(a->probe->messages.size(), 1u);
  EXPECT_EQ(a->probe->messages[0], std::string(64, 'a'));
  EXPECT_FALSE(a->conn->send("{}"));
}

TEST_F(WsTest, InvalidUtf8InTextFrameClosesWith1007) {
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  c->ws.write(asio::buffer(std::string("{\"x\":\"\xff\xfe\"}")));
  c->read_until_close();
  EXPECT_EQ(c->ws.reason().code, 1007);
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
  EXPECT_TRUE(a->probe->messages.empty());
}

// -- writes ----------------------------------------------------------------------------------

TEST_F(WsTest, JsonSendsCoalesceIntoOneFrameJoinedByNewlines) {
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  std::string expected;
  {
    Gate gate(ioc_);
    for (int i = 0; i < 1000; ++i) {
      std::string m = "{\"n\":" + std::to_string(i) + "}";
      ASSERT_TRUE(a->conn->send(m));
      expected += (i ? "\n" : "") + m;
    }
    gate.release();
  }
  beast::error_code ec;
  EXPECT_EQ(c->read(ec), expected);  // one frame holds all 1000
}

TEST_F(WsTest, ProtobufSendsCoalesceByConcatenation) {
  Start();
  auto c = Connect("/connection/websocket?cf_protocol=protobuf");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  std::string expected;
  {
    Gate gate(ioc_);
    for (int i = 0; i < 300; ++i) {
      std::string m = {'\x02', static_cast<char>(i % 128), '\x0a'};
      ASSERT_TRUE(a->conn->send(m));
      expected += m;
    }
    gate.release();
  }
  beast::error_code ec;
  EXPECT_EQ(c->read(ec), expected);
  EXPECT_TRUE(c->ws.got_binary());
}

TEST_F(WsTest, ManySendsFromAnotherThreadArriveInOrderInFewerFrames) {
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  constexpr int kCount = 20000;
  std::thread sender([&] {
    for (int i = 0; i < kCount; ++i) ASSERT_TRUE(a->conn->send(std::to_string(i)));
  });
  std::string got;
  size_t frames = 0;
  const std::string last = std::to_string(kCount - 1);
  while (got.size() < last.size() || got.compare(got.size() - last.size(), last.size(), last)) {
    beast::error_code ec;
    std::string f = c->read(ec);
    ASSERT_FALSE(ec) << ec.message();
    got += (frames++ ? "\n" : "") + f;
  }
  sender.join();
  std::string expected;
  for (int i = 0; i < kCount; ++i) expected += (i ? "\n" : "") + std::to_string(i);
  EXPECT_EQ(got, expected);
  EXPECT_LT(frames, static_cast<size_t>(kCount));
}

TEST_F(WsTest, QueueOverflowClosesWith3008) {
  WsOptions o;
  o.queue_max_size = 100;
  Start(o);
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  {
    Gate gate(ioc_);
    const std::string m(40, 'm');
    EXPECT_TRUE(a->conn->send(m));   // 40
    EXPECT_TRUE(a->conn->send(m));   // 81 with the separator
    EXPECT_FALSE(a->conn->send(m));  // 122 > 100
    EXPECT_FALSE(a->conn->send("x"));
    gate.release();
  }
  auto frames = c->read_until_close();
  EXPECT_TRUE(frames.empty());  // what was queued is dropped, not sent
  EXPECT_EQ(c->ws.reason().code, 3008);
  EXPECT_EQ(std::string(c->ws.reason().reason), "slow");
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
}

TEST_F(WsTest, ReaderThatDoesNotReadGets3008) {
  WsOptions o;  // default queue_max_size: 1 MiB
  o.write_timeout = std::chrono::seconds(30);
  Start(o);
  auto c = Connect("/connection/websocket", "", "", nullptr, 4096);
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  const std::string m(1024, 'z');
  int sent = 0;
  while (sent < 200000 && a->conn->send(m)) ++sent;  // kernel buffers fill, then the queue
  ASSERT_LT(sent, 200000);
  size_t bytes = 0;
  for (auto& f : c->read_until_close()) bytes += f.size();  // drains, then the close frame
  EXPECT_LE(bytes, static_cast<size_t>(sent) * 1025);
  EXPECT_EQ(c->ws.reason().code, 3008);
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
}

TEST_F(WsTest, StalledWriteIsDroppedAfterWriteTimeout) {
  WsOptions o;
  o.queue_max_size = 256u << 20;
  o.write_timeout = std::chrono::milliseconds(200);
  Start(o);
  auto c = Connect("/connection/websocket", "", "", nullptr, 4096);
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  const std::string m(1 << 20, 'w');
  for (int i = 0; i < 64 && a->conn->send(m); ++i) {
  }
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
  EXPECT_FALSE(a->conn->send("x"));
}

// -- close -----------------------------------------------------------------------------------

TEST_F(WsTest, CloseSendsCodeAndReasonOnceAndFiresOnClosedOnce) {
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  a->conn->close(4001, "custom reason");
  a->conn->close(4002, "ignored");
  EXPECT_FALSE(a->conn->send("late"));
  EXPECT_TRUE(c->read_until_close().empty());
  EXPECT_EQ(c->ws.reason().code, 4001);
  EXPECT_EQ(std::string(c->ws.reason().reason), "custom reason");
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
  a->conn->close(4003, "after");
  EXPECT_EQ(a->probe->closed, 1);
}

TEST_F(WsTest, CloseFlushesPendingFirstAndTruncatesTheReason) {
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  {
    Gate gate(ioc_);
    EXPECT_TRUE(a->conn->send("{\"a\":1}"));
    EXPECT_TRUE(a->conn->send("{\"b\":2}"));
    a->conn->close(3501, std::string(200, 'r'));
    gate.release();
  }
  auto frames = c->read_until_close();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], "{\"a\":1}\n{\"b\":2}");
  EXPECT_EQ(c->ws.reason().code, 3501);
  EXPECT_EQ(std::string(c->ws.reason().reason), std::string(123, 'r'));
}

TEST_F(WsTest, Code3000ClosesTcpWithoutACloseFrame) {
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  a->conn->close(3000, "connection closed");
  beast::error_code ec;
  c->read(ec);
  EXPECT_TRUE(ec);
  EXPECT_NE(ec, websocket::error::closed);
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
}

TEST_F(WsTest, PeerCloseFiresOnClosedOnce) {
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  c->ws.close(websocket::close_code::normal);
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
  EXPECT_FALSE(a->conn->send("{}"));
  a->conn->close(3001, "x");
  EXPECT_EQ(a->probe->closed, 1);
}

TEST_F(WsTest, ClosedBeforeStartIsReportedByStart) {
  auto_start_ = false;
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  a->conn->close(3001, "shutdown");  // with no read loop the close reads the reply itself
  c->read_until_close();
  EXPECT_EQ(c->ws.reason().code, 3001);
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (endpoint_->open_connections() != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  ASSERT_EQ(endpoint_->open_connections(), 0u);  // finished before anyone started it
  StartConn(*a);
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
}

TEST_F(WsTest, ServerStopClosesWith3001) {
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  EXPECT_EQ(server_->in_flight(), 1u);  // an open WebSocket counts until its close is done
  server_->stop();
  EXPECT_TRUE(c->read_until_close().empty());
  EXPECT_EQ(c->ws.reason().code, 3001);
  EXPECT_EQ(std::string(c->ws.reason().reason), "shutdown");
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
  EXPECT_EQ(endpoint_->open_connections(), 0u);
}

// -- native pings ----------------------------------------------------------------------------

TEST_F(WsTest, FramePingPongSendsNativePings) {
  WsOptions o;
  o.native_ping_interval = std::chrono::milliseconds(20);
  Start(o);
  auto c = Connect("/connection/websocket?cf_ws_frame_ping_pong=true");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  std::promise<void> pinged;
  int pings = 0;
  c->ws.control_callback([&](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping && ++pings == 3) {
      pinged.set_value();
    }
  });
  std::thread reader([&] { c->read_until_close(); });  // answers pings with pongs
  // A third ping means the pongs kept the connection alive through two checks.
  EXPECT_EQ(pinged.get_future().wait_for(kWait), std::future_status::ready);
  a->conn->close(1000, "");
  reader.join();
  EXPECT_EQ(c->ws.reason().code, 1000);
}

TEST_F(WsTest, FramePingPongDropsAPeerThatNeverPongs) {
  WsOptions o;
  o.native_ping_interval = std::chrono::milliseconds(20);
  Start(o);
  auto c = Connect("/connection/websocket?cf_ws_frame_ping_pong=true");  // never reads
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
}

// -- framing (the lean session) and the deflate session ---------------------------------------

TEST_F(WsTest, PingsAreAnsweredWithTheirPayload) {
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  std::string pong;
  c->ws.control_callback([&](websocket::frame_type kind, beast::string_view payload) {
    if (kind == websocket::frame_type::pong) pong = std::string(payload);
  });
  c->ws.ping("are you there");
  c->ws.write(asio::buffer(std::string("after")));
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->messages.size() == 1; }));
  ASSERT_TRUE(a->conn->send("{}"));
  beast::error_code ec;
  EXPECT_EQ(c->read(ec), "{}");  // the pong came before it and went to the callback
  EXPECT_EQ(pong, "are you there");
}

TEST_F(WsTest, ManyMessagesInOneTcpWriteArriveInOrder) {
  // Past the 16-byte inbox of an idle connection and past one 64 KiB read of the thread's
  // buffer: everything sent in one go is parsed, nothing waits for more input.
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  std::string wire;
  std::vector<std::string> sent;
  for (int i = 0; i < 14; ++i) {
    sent.push_back(std::string(static_cast<size_t>(i) * 5000 + 1, static_cast<char>('a' + i)));
    const std::string& m = sent.back();
    uint8_t head[14];
    size_t h = 0;
    head[h++] = 0x81;
    if (m.size() < 126) {
      head[h++] = static_cast<uint8_t>(0x80 | m.size());
    } else {
      head[h++] = 0x80 | 126;
      head[h++] = static_cast<uint8_t>(m.size() >> 8);
      head[h++] = static_cast<uint8_t>(m.size() & 0xFF);
    }
    for (int k = 0; k < 4; ++k) head[h++] = 0;  // a zero mask key leaves the payload as is
    wire.append(reinterpret_cast<const char*>(head), h);
    wire.append(m);
  }
  asio::write(c->ws.next_layer(), asio::buffer(wire));
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->messages.size() == sent.size(); }));
  std::lock_guard lock(a->probe->mu);
  EXPECT_EQ(a->probe->messages, sent);
}

TEST_F(WsTest, AnUnmaskedClientFrameClosesWith1002) {
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  const char frame[] = {static_cast<char>(0x81), 0x02, 'h', 'i'};  // no mask bit
  asio::write(c->ws.next_layer(), asio::buffer(frame, sizeof frame));
  c->read_until_close();
  EXPECT_EQ(c->ws.reason().code, 1002);
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
  EXPECT_TRUE(a->probe->messages.empty());
}

TEST_F(WsTest, APeerCloseIsAnsweredWithItsCode) {
  Start();
  auto c = Connect("/connection/websocket");
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->conn->send("{\"pending\":true}"));
  beast::error_code ec;
  EXPECT_EQ(c->read(ec), "{\"pending\":true}");
  c->ws.close(websocket::close_reason(static_cast<websocket::close_code>(4000), "going"));  // waits for the server's close
  EXPECT_EQ(c->ws.reason().code, 4000);
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->closed == 1; }));
}

TEST_F(WsTest, CompressionNegotiatedWithAClientThatOffersIt) {
  WsOptions o;
  o.compression = true;
  Start(o);
  auto c = std::make_unique<Client>();
  websocket::permessage_deflate pmd;
  pmd.client_enable = true;
  c->ws.set_option(pmd);
  c->ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  c->ws.handshake(c->res, "127.0.0.1", "/connection/websocket");
  EXPECT_NE(c->res[http::field::sec_websocket_extensions].find("permessage-deflate"),
            beast::string_view::npos);
  auto a = NextAccepted();
  ASSERT_TRUE(a);
  const std::string big(5000, 'z');
  c->ws.write(asio::buffer(big));
  ASSERT_TRUE(a->probe->wait([&] { return a->probe->messages.size() == 1; }));
  EXPECT_EQ(a->probe->messages[0], big);
  ASSERT_TRUE(a->conn->send(big));
  beast::error_code ec;
  EXPECT_EQ(c->read(ec), big);
  a->conn->close(3001, "shutdown");
  c->read_until_close();
  EXPECT_EQ(c->ws.reason().code, 3001);

  // The same server without an offer: no extension, frames as usual.
  auto plain = Connect("/connection/websocket");
  EXPECT_EQ(plain->res.count(http::field::sec_websocket_extensions), 0u);
  auto b = NextAccepted();
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->conn->send("{}"));
  EXPECT_EQ(plain->read(ec), "{}");
}

TEST_F(WsTest, AMalformedUpgradeIsRefusedWith400) {
  Start();
  asio::io_context cio;
  beast::tcp_stream s(cio);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  http::request<http::empty_body> req(http::verb::get, "/connection/websocket", 11);
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::sec_websocket_version, "13");  // no Sec-WebSocket-Key
  http::write(s, req);
  beast::flat_buffer b;
  http::response<http::string_body> res;
  beast::error_code ec;
  http::read(s, b, res, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 400);
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (endpoint_->open_connections() != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_EQ(endpoint_->open_connections(), 0u);
}

}  // namespace
}  // namespace herald
