#include "transport/http/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <mutex>
#include <optional>
#include <unordered_set>

#include "transport/http/upgrade.hpp"

namespace herald {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session;

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& ioc, HttpServerOptions opts, HttpHandler h)
      : ioc(ioc),
        acceptor(asio::make_strand(ioc)),
        options(std::move(opts)),
        handler(std::move(h)) {}

  void accept();

  asio::io_context& ioc;
  tcp::acceptor acceptor;
  HttpServerOptions options;
  HttpHandler handler;
  std::atomic<uint64_t> in_flight{0};
  std::atomic<bool> stopped{false};
  std::mutex sessions_mu;
  std::unordered_set<Session*> sessions;  // live sessions, closed on stop()
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {}

  ~Session() {
    std::lock_guard lock(server_->sessions_mu);
    server_->sessions.erase(this);
  }

  void start() {
    {
      std::lock_guard lock(server_->sessions_mu);
      server_->sessions.insert(this);
    }
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

  /// Called from stop(): an idle session closes; one answering, or receiving a request,
  /// closes after its answer. Until it knows which, it counts as in flight.
  void shutdown() {
    ++server_->in_flight;  // until the strand has looked, so that a drain misses nothing
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (!self->busy_ && self->stream_.socket().is_open()) {
        // A read is pending. Without a byte of a request it is cancelled and the session
        // closes; a read that has bytes (even if they came just now) goes on to the answer.
        self->hold_in_flight();
        beast::error_code ec;
        if (!self->receiving()) self->stream_.socket().cancel(ec);
      }
      --self->server_->in_flight;
    });
  }

 private:
  using clock = std::chrono::steady_clock;

  /// Starts reading the next request. The first one on a connection starts at once, as
  /// does one already (partly) buffered; otherwise the connection idles until a byte comes.
  void read() {
    if (closing_) return close();
    head_ = false;
    parser_.emplace();
    parser_->body_limit(server_->options.body_limit);
    parser_->header_limit(16 * 1024);
    if (first_request_ || buffer_.size() > 0) {
      first_request_ = false;
      return read_header();
    }
    expire(server_->options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec || n == 0) return self->close();
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  /// Arms the stream's deadline `d` from `from` (none when `d` is not positive).
  void expire(std::chrono::milliseconds d, clock::time_point from = clock::now()) {
    if (d.count() > 0) {
      stream_.expires_at(from + d);
    } else {
      stream_.expires_never();
    }
  }

  void read_header() {
    request_start_ = clock::now();
    expire(server_->options.read_header_timeout, request_start_);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec || self->parser_->is_done()) return self->on_read(ec);
                              self->expire(self->server_->options.read_timeout,
                                           self->request_start_);
                              self->read_body();
                            });
  }

  /// Reads the body; a client that asked for it first gets "100 Continue", as Go sends it.
  void read_body() {
    auto read = [self = shared_from_this()] {
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       [self](beast::error_code ec, size_t) { self->on_read(ec); });
    };
    if (!beast::iequals(parser_->get()[http::field::expect], "100-continue") ||
        parser_->get().version() < 11)
      return read();
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this(), read](beast::error_code ec, size_t) {
                        if (ec) return self->on_read(ec);
                        read();
                      });
  }

  /// Bytes of a request have arrived (read, or waiting in the socket), but not all of it.
  bool receiving() {
    beast::error_code ec;
    return parser_ &&
           (buffer_.size() > 0 || parser_->got_some() || stream_.socket().available(ec) > 0);
  }

  void hold_in_flight() {
    if (held_) return;
    held_ = true;
    ++server_->in_flight;
  }
  void release_in_flight() {
    if (!held_) return;
    held_ = false;
    --server_->in_flight;
  }

  void on_read(beast::error_code ec) {
    release_in_flight();
    if (ec == http::error::body_limit) {
      HttpResponse r{413, "text/plain", "request body too large\n", {}};
      keep_alive_ = false;
      busy_ = true;
      return write(std::move(r));
    }
    if (ec) return close();  // EOF, timeout, malformed request: nothing to answer
    auto req = parser_->release();
    keep_alive_ = req.keep_alive();
    head_ = req.method() == http::verb::head;
    std::string_view target = req.target();
    size_t q = target.find('?');
    if (is_upgrade_for_us(req, target.substr(0, q))) return hand_over(std::move(req));
    HttpRequest out;
    out.method = std::string(req.method_string());
    out.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
    out.headers.reserve(8);
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    out.body = std::move(req.body());
    out.remote_address = remote_address();

    busy_ = true;
    stream_.expires_never();  // the handler may take its time; the response re-arms
    ++server_->in_flight;
    auto self = shared_from_this();
    // Dispatch: a handler that answers at once (on this strand) writes without a hop
    // through the io_context's queue, which could wake another io thread to do it.
    auto responder = [self](HttpResponse r) {
      asio::dispatch(self->stream_.get_executor(), [self, r = std::move(r)]() mutable {
        --self->server_->in_flight;
        self->write(std::move(r));
      });
    };
    try {
      server_->handler(std::move(out), std::move(responder));
    } catch (const std::exception&) {
      responder(HttpResponse{500, "text/plain", "internal server error\n", {}});
    }
  }

  bool is_upgrade_for_us(const http::request<http::string_body>& req,
                         std::string_view path) const {
    const auto& opts = server_->options;
    return opts.upgrade_handler && !opts.websocket_path.empty() &&
           path == opts.websocket_path && beast::websocket::is_upgrade(req);
  }

  /// The upgrade handler owns the socket from here; this session ends when the call returns.
  void hand_over(http::request<http::string_body> req) {
    upgraded_ = true;
    busy_ = true;
    stream_.expires_never();
    std::string remote = remote_address();
    HttpUpgrade up{std::move(stream_), std::move(req), std::move(remote)};
    try {
      server_->options.upgrade_handler->upgrade(std::move(up));
    } catch (const std::exception&) {
      // Out of memory while setting up: the socket in `up` closes as it goes out of scope.
    }
  }

  std::string remote_address() {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    return ec ? std::string() : ep.address().to_string();
  }

  void write(HttpResponse r) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "herald");
    if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep_alive_ && !closing_);
    if (head_) {
      // An answer to HEAD carries the length its body would have, and no body.
      if (!r.body.empty()) res->content_length(r.body.size());
    } else {
      res->body() = std::move(r.body);
      res->prepare_payload();
    }
    expire(server_->options.write_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        self->busy_ = false;
                        if (ec || !res->keep_alive()) return self->close();
                        self->read();
                      });
  }

  void close() {
    release_in_flight();
    if (upgraded_) return;  // the socket belongs to the upgrade handler
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpServer::Impl> server_;
  bool keep_alive_ = true;
  bool head_ = false;           // the request being answered is a HEAD
  bool first_request_ = true;   // no request read on this connection yet
  bool held_ = false;           // counted in in_flight while partly received at stop()
  bool busy_ = false;
  bool closing_ = false;
  bool upgraded_ = false;
  clock::time_point request_start_;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(asio::make_strand(ioc),
                        [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                          if (self->stopped) return;
                          if (!ec) {
                            socket.set_option(tcp::no_delay(true), ec);
                            std::make_shared<Session>(std::move(socket), self)->start();
                          }
                          self->accept();
                        });
}

HttpServer::HttpServer(asio::io_context& ioc, HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

std::error_code HttpServer::listen() {
  beast::error_code ec;
  auto addr = asio::ip::make_address(
      impl_->options.address.empty() ? "0.0.0.0" : impl_->options.address, ec);
  if (ec) return ec;
  tcp::endpoint ep(addr, impl_->options.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (ec) return ec;
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  impl_->acceptor.bind(ep, ec);
  if (ec) return ec;
  impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  impl_->accept();
  return {};
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void HttpServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(impl_->sessions_mu);
    for (Session* s : impl_->sessions) {
      // A session being destroyed has no owner left; skip it.
      if (auto sp = s->weak_from_this().lock()) live.push_back(std::move(sp));
    }
  }
  for (auto& s : live) s->shutdown();
  if (impl_->options.upgrade_handler) impl_->options.upgrade_handler->shutdown();
}

uint64_t HttpServer::in_flight() const {
  const auto& upgrades = impl_->options.upgrade_handler;
  return impl_->in_flight.load() + (upgrades ? upgrades->open_connections() : 0);
}

}  // namespace herald
