// The HTTP/1.1 proxy client. Design notes:
//
// - One strand per client: the pool, the queue and every connection of one endpoint are
//   touched only there, so there are no locks beyond the counters. A webhook endpoint sees a
//   few requests in flight, not thousands: one strand is plenty.
// - Requests are written by hand (a POST with a few headers) and answers are parsed by Beast's
//   response parser fed from our own reads. No Beast stream algorithms: the same code serves
//   plain TCP and TLS, and this translation unit stays cheap to compile.
// - Every connection always has a read pending, idle or not. A server that closes an idle
//   keep-alive connection is noticed at once and the connection is dropped before it is
//   chosen again; the remaining race (the server closes just as a request goes out) is covered
//   by sending the request again on another connection when nothing of the answer arrived.
// - A deadline per request covers its attempt from the moment a connection takes it: writing,
//   waiting, reading (connecting has connect_timeout). The wait for a free connection is not
//   part of it: with the pool busy (a slow endpoint, every partition sending), a request that
//   timed out in the queue would never have been sent, only retried later, and the backlog
//   would drain at a fraction of what the connections carry (S11 measured it). When it fires,
//   the request fails and the connection it was on is closed: its answer can no longer be
//   matched.
#include "transport/webhook/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <deque>
#include <fstream>
#include <optional>
#include <sstream>

namespace herald {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

bool load_pem(const std::string& text, const std::string& file, std::string& out,
              std::string* error) {
  if (!text.empty() || file.empty()) {
    out = text;
    return true;
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in) {
    if (error) *error = "cannot read " + file;
    return false;
  }
  out = ss.str();
  return true;
}

namespace {

std::string ms_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

bool is_token_char(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

struct Request {
  Request(const Strand& strand, std::string b, HttpPostClient::Callback cb)
      : bytes(std::move(b)), done(std::move(cb)), deadline(strand) {}
  std::string bytes;  ///< the whole request, head and body
  HttpPostClient::Callback done;
  asio::steady_timer deadline;
  bool finished = false;
  bool on_connection = false;  ///< written (or being written) on a connection
  bool deadline_armed = false;  ///< from the first time a connection took it
  unsigned resends = 0;
};
using RequestPtr = std::shared_ptr<Request>;

class Connection;
using ConnectionPtr = std::shared_ptr<Connection>;

}  // namespace

struct HttpPostClient::Impl : std::enable_shared_from_this<HttpPostClient::Impl> {
  Impl(asio::io_context& ioc, ProxyEndpoint ep, HttpClientOptions opts)
      : strand(asio::make_strand(ioc)),
        endpoint(std::move(ep)),
        options(std::move(opts)),
        tls_context(ssl::context::tls_client) {}

  std::string setup();  // "" or why the options are unusable
  void submit(const RequestPtr& req);
  void pump();
  void open_connection();
  void finish(const RequestPtr& req, HttpAnswer answer);
  void on_deadline(const RequestPtr& req);
  /// Starts the request's deadline (once): when a connection takes it.
  void arm_deadline(const RequestPtr& req);
  void on_connect_failed(const ConnectionPtr& conn, const std::string& why);
  void drop(ConnectionPtr conn);  ///< by value: callers may pass an element of `connections`
  void shutdown();

  Strand strand;
  ProxyEndpoint endpoint;
  HttpClientOptions options;
  bool tls = false;
  ssl::context tls_context;
  std::string head;  ///< request line and fixed headers, up to Content-Length
  std::deque<RequestPtr> queue;
  std::vector<ConnectionPtr> connections;
  bool closed = false;

  struct Counters {
    std::atomic<uint64_t> connects{0}, connect_failures{0}, requests{0}, reused{0}, resent{0},
        timeouts{0}, open{0};
  } counters;
};

namespace {

/// One TCP (or TLS) connection of the pool.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class State : uint8_t { connecting, idle, busy, closed };

  explicit Connection(std::shared_ptr<HttpPostClient::Impl> owner)
      : owner_(std::move(owner)),
        resolver_(owner_->strand),
        socket_(owner_->strand),
        timer_(owner_->strand) {
    if (owner_->tls) tls_.emplace(owner_->strand, owner_->tls_context);
  }

  State state() const { return state_; }
  bool served() const { return served_ > 0; }
  const RequestPtr& current() const { return current_; }

  void start() {
    ++owner_->counters.connects;
    ++owner_->counters.open;
    timer_.expires_after(owner_->options.connect_timeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->state_ != State::connecting) return;
      self->connect_timed_out_ = true;
      self->resolver_.cancel();
      self->lowest().close();
    });
    resolver_.async_resolve(
        owner_->endpoint.host, std::to_string(owner_->endpoint.port),
        [self = shared_from_this()](const boost::system::error_code& ec,
                                    const tcp::resolver::results_type& results) {
          self->on_resolved(ec, results);
        });
  }

  /// Writes `req` and waits for its answer (the read is already pending).
  void assign(const RequestPtr& req) {
    owner_->arm_deadline(req);
    state_ = State::busy;
    current_ = req;
    req->on_connection = true;
    parser_.emplace();
    parser_->body_limit(owner_->options.max_answer_bytes);
    parser_->header_limit(16 * 1024);
    got_bytes_ = false;
    wrote_ = false;
    answered_ = false;
    ++owner_->counters.requests;
    if (served_ > 0) ++owner_->counters.reused;
    timer_.cancel();  // the idle timer
    auto write = [this, self = shared_from_this(), req](auto& stream) {
      asio::async_write(stream, asio::buffer(req->bytes),
                        [self, req](const boost::system::error_code& ec, size_t) {
                          self->on_written(req, ec);
                        });
    };
    if (tls_) write(*tls_); else write(socket_);
  }

  /// Closes the socket; pending operations end with operation_aborted. Idempotent.
  void close() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    --owner_->counters.open;
    boost::system::error_code ignored;
    resolver_.cancel();
    timer_.cancel();
    lowest().close(ignored);
    current_.reset();
  }

 private:
  tcp::socket& lowest() { return tls_ ? tls_->next_layer() : socket_; }

  std::string connect_error(const char* step, const boost::system::error_code& ec) const {
    if (connect_timed_out_)
      return std::string("connect: timeout after ") + ms_text(owner_->options.connect_timeout);
    return std::string(step) + ": " + ec.message();
  }

  void on_resolved(const boost::system::error_code& ec,
                   const tcp::resolver::results_type& results) {
    if (state_ == State::closed) return;
    if (ec) return owner_->on_connect_failed(shared_from_this(), connect_error("resolve", ec));
    asio::async_connect(lowest(), results,
                        [self = shared_from_this()](const boost::system::error_code& ec,
                                                    const tcp::endpoint&) {
                          self->on_connected(ec);
                        });
  }

  void on_connected(const boost::system::error_code& ec) {
    if (state_ == State::closed) return;
    if (ec) return owner_->on_connect_failed(shared_from_this(), connect_error("connect", ec));
    boost::system::error_code ignored;
    lowest().set_option(tcp::no_delay(true), ignored);
    if (!tls_) return on_ready();
    const std::string& name = owner_->options.tls.server_name.empty()
                                  ? owner_->endpoint.host
                                  : owner_->options.tls.server_name;
    boost::system::error_code not_ip;
    asio::ip::make_address(name, not_ip);
    // SNI carries host names only, never addresses (RFC 6066).
    if (not_ip) SSL_set_tlsext_host_name(tls_->native_handle(), name.c_str());
    if (!owner_->options.tls.insecure_skip_verify)
      tls_->set_verify_callback(ssl::host_name_verification(name));
    tls_->async_handshake(ssl::stream_base::client,
                          [self = shared_from_this()](const boost::system::error_code& ec) {
                            if (self->state_ == State::closed) return;
                            if (ec)
                              return self->owner_->on_connect_failed(
                                  self, self->connect_error("tls handshake", ec));
                            self->on_ready();
                          });
  }

  void on_ready() {
    timer_.cancel();
    read();
    become_idle();
  }

  void become_idle() {
    state_ = State::idle;
    timer_.expires_after(owner_->options.idle_timeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec && self->state_ == State::idle) self->owner_->drop(self);
    });
    owner_->pump();
  }

  void read() {
    if (reading_ || state_ == State::closed) return;
    reading_ = true;
    auto op = [self = shared_from_this()](auto& stream) {
      stream.async_read_some(self->buffer_.prepare(16 * 1024),
                             [self](const boost::system::error_code& ec, size_t n) {
                               self->on_read(ec, n);
                             });
    };
    if (tls_) op(*tls_); else op(socket_);
  }

  void on_written(const RequestPtr& req, const boost::system::error_code& ec) {
    if (state_ == State::closed || current_ != req) return;
    wrote_ = true;
    if (ec && !answered_) return failed("write: " + ec.message());
    if (ec) keep_alive_ = false;  // answered early (before reading all we sent), then gone
    if (answered_) complete();
  }

  void on_read(const boost::system::error_code& ec, size_t n) {
    reading_ = false;
    if (state_ == State::closed) return;
    if (ec && current_ && answered_) {
      keep_alive_ = false;  // the answer is in; the write is still completing
      return;
    }
    if (ec) {
      if (current_ && parser_ && parser_->is_header_done() && parser_->need_eof()) {
        // An answer whose body ends with the connection.
        beast::error_code pec;
        parser_->put_eof(pec);
        if (!pec && parser_->is_done()) {
          keep_alive_ = false;
          answered_ = true;
          if (wrote_) complete();
          return;
        }
      }
      if (!current_) return owner_->drop(shared_from_this());  // idle: the server closed it
      return failed(ec == asio::error::eof ? std::string("connection closed before the answer")
                                           : "read: " + ec.message());
    }
    buffer_.commit(n);
    // Bytes nobody asked for: the connection can no longer be trusted to frame answers.
    if (!current_) return owner_->drop(shared_from_this());
    if (answered_) {
      keep_alive_ = false;  // complete() closes it once the write is done
      buffer_.consume(buffer_.size());
      return;
    }
    got_bytes_ = true;
    while (buffer_.size() > 0 && !answered_) {
      beast::error_code pec;
      const size_t used = parser_->put(buffer_.data(), pec);
      buffer_.consume(used);
      if (pec == http::error::need_more) break;
      if (pec) return failed("bad answer: " + pec.message());
      if (!parser_->is_done()) continue;
      const int status = parser_->get().result_int();
      if (status >= 100 && status < 200 && status != 101) {
        parser_.emplace();  // an interim answer (100 Continue): the real one follows
        parser_->body_limit(owner_->options.max_answer_bytes);
        parser_->header_limit(16 * 1024);
        continue;
      }
      answered_ = true;
      keep_alive_ = parser_->get().keep_alive() && buffer_.size() == 0;
      if (wrote_) return complete();
    }
    read();
  }

  /// The answer is in and the request fully written. finish() cannot re-enter the pool
  /// (post() only queues onto the strand), so the order below is safe.
  void complete() {
    RequestPtr req = std::move(current_);
    ++served_;
    HttpAnswer answer;
    answer.status = parser_->get().result_int();
    answer.body = std::move(parser_->get().body());
    parser_.reset();
    owner_->finish(req, std::move(answer));
    if (!keep_alive_) return owner_->drop(shared_from_this());
    read();
    become_idle();
  }

  /// The request in flight failed on this connection; the connection goes.
  void failed(const std::string& why) {
    RequestPtr req = std::move(current_);
    const bool stale = served_ > 0 && !got_bytes_;
    auto self = shared_from_this();
    owner_->drop(self);
    if (!req || req->finished) return;
    req->on_connection = false;
    if (stale && req->resends < owner_->options.max_connections + 1) {
      // The kept-alive connection was dead before anything came back: send it again.
      ++req->resends;
      ++owner_->counters.resent;
      owner_->queue.push_front(req);
      owner_->pump();
      return;
    }
    owner_->finish(req, HttpAnswer{0, {}, why});
  }

  std::shared_ptr<HttpPostClient::Impl> owner_;
  tcp::resolver resolver_;
  tcp::socket socket_;  ///< plain connections
  std::optional<ssl::stream<tcp::socket>> tls_;
  asio::steady_timer timer_;  ///< connect timeout, then idle timeout
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  RequestPtr current_;
  State state_ = State::connecting;
  size_t served_ = 0;
  bool connect_timed_out_ = false;
  bool got_bytes_ = false;
  bool wrote_ = false;
  bool answered_ = false;
  bool keep_alive_ = false;
  bool reading_ = false;
};

}  // namespace

std::string HttpPostClient::Impl::setup() {
  if (endpoint.scheme == ProxyEndpoint::Scheme::grpc)
    return "grpc:// endpoints are served by the gRPC client, not HTTP";
  if (options.max_connections == 0) options.max_connections = 1;
  head = "POST " + endpoint.target + " HTTP/1.1\r\nHost: " + endpoint.authority + "\r\n";
  if (!options.user_agent.empty()) head += "User-Agent: " + options.user_agent + "\r\n";
  head += "Content-Type: " + options.content_type + "\r\n";
  for (const auto& [name, value] : options.headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return is_token_char(static_cast<unsigned char>(c));
        }))
      return "header name \"" + name + "\" is not a valid HTTP token";
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
      return "header \"" + name + "\" has a value with CR, LF or NUL";
    for (const char* own : {"host", "content-length", "content-type", "transfer-encoding",
                            "connection"})
      if (iequals(name, own)) return "header \"" + name + "\" is set by Herald itself";
    head += name + ": " + value + "\r\n";
  }
  if (endpoint.scheme != ProxyEndpoint::Scheme::https) return {};

  tls = true;
  const auto& t = options.tls;
  std::string ca, cert, key, err;
  if (!load_pem(t.ca_pem, t.ca_pem_file, ca, &err) ||
      !load_pem(t.cert_pem, t.cert_pem_file, cert, &err) ||
      !load_pem(t.key_pem, t.key_pem_file, key, &err))
    return "tls: " + err;
  if (cert.empty() != key.empty())
    return "tls: a client certificate needs its key, and a key its certificate";
  SSL_CTX_set_min_proto_version(tls_context.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (!ca.empty()) {
    tls_context.add_certificate_authority(asio::buffer(ca), ec);
    if (ec) return "tls: the CA certificate cannot be used: " + ec.message();
  } else {
    tls_context.set_default_verify_paths(ec);
    if (ec) return "tls: the system trust store cannot be loaded: " + ec.message();
  }
  if (!cert.empty()) {
    tls_context.use_certificate_chain(asio::buffer(cert), ec);
    if (ec) return "tls: the client certificate cannot be used: " + ec.message();
    tls_context.use_private_key(asio::buffer(key), ssl::context::pem, ec);
    if (ec) return "tls: the client key cannot be used: " + ec.message();
  }
  tls_context.set_verify_mode(t.insecure_skip_verify ? ssl::verify_none : ssl::verify_peer);
  return {};
}

void HttpPostClient::Impl::submit(const RequestPtr& req) {
  if (closed) return finish(req, HttpAnswer{0, {}, "closed"});
  queue.push_back(req);
  pump();
}

void HttpPostClient::Impl::arm_deadline(const RequestPtr& req) {
  if (req->deadline_armed) return;  // a resend keeps the first attempt's deadline
  req->deadline_armed = true;
  req->deadline.expires_after(options.timeout);
  req->deadline.async_wait([self = shared_from_this(), req](const boost::system::error_code& ec) {
    if (!ec) self->on_deadline(req);
  });
}

void HttpPostClient::Impl::pump() {
  if (closed) return;
  for (const auto& conn : connections) {
    if (queue.empty()) return;
    if (conn->state() != Connection::State::idle) continue;
    RequestPtr req = std::move(queue.front());
    queue.pop_front();
    conn->assign(req);
  }
  size_t connecting = 0;
  for (const auto& conn : connections)
    if (conn->state() == Connection::State::connecting) ++connecting;
  while (queue.size() > connecting && connections.size() < options.max_connections) {
    open_connection();
    ++connecting;
  }
}

void HttpPostClient::Impl::open_connection() {
  auto conn = std::make_shared<Connection>(shared_from_this());
  connections.push_back(conn);
  conn->start();
}

void HttpPostClient::Impl::finish(const RequestPtr& req, HttpAnswer answer) {
  if (req->finished) return;
  req->finished = true;
  req->deadline.cancel();
  auto done = std::move(req->done);
  if (done) done(std::move(answer));
}

void HttpPostClient::Impl::on_deadline(const RequestPtr& req) {
  if (req->finished) return;
  ++counters.timeouts;
  if (req->on_connection) {
    for (const auto& conn : connections)
      if (conn->current() == req) {
        drop(conn);
        break;
      }
  } else {
    queue.erase(std::remove(queue.begin(), queue.end(), req), queue.end());
  }
  finish(req, HttpAnswer{0, {}, "timeout after " + ms_text(options.timeout)});
  pump();
}

void HttpPostClient::Impl::on_connect_failed(const ConnectionPtr& conn, const std::string& why) {
  ++counters.connect_failures;
  // The endpoint cannot be reached now: fail what waits for a connection rather than let it
  // run into its deadline (the caller backs off). Requests on live connections go on.
  auto waiting = std::move(queue);
  queue.clear();
  drop(conn);
  for (const auto& req : waiting) finish(req, HttpAnswer{0, {}, why});
}

void HttpPostClient::Impl::drop(ConnectionPtr conn) {
  conn->close();
  connections.erase(std::remove(connections.begin(), connections.end(), conn),
                    connections.end());
  pump();
}

void HttpPostClient::Impl::shutdown() {
  if (closed) return;
  closed = true;
  std::vector<RequestPtr> pending(queue.begin(), queue.end());
  queue.clear();
  for (const auto& conn : connections)
    if (conn->current()) pending.push_back(conn->current());
  auto conns = std::move(connections);
  connections.clear();
  for (const auto& conn : conns) conn->close();
  for (const auto& req : pending) finish(req, HttpAnswer{0, {}, "closed"});
}

// -- HttpPostClient ------------------------------------------------------------------------

std::unique_ptr<HttpPostClient> HttpPostClient::create(asio::io_context& ioc,
                                                       const std::string& endpoint,
                                                       HttpClientOptions options,
                                                       std::string* error) {
  std::string why;
  auto ep = parse_proxy_endpoint(endpoint, &why);
  if (!ep) {
    if (error) *error = "endpoint " + why;
    return nullptr;
  }
  auto impl = std::make_shared<Impl>(ioc, std::move(*ep), std::move(options));
  why = impl->setup();
  if (!why.empty()) {
    if (error) *error = why;
    return nullptr;
  }
  return std::unique_ptr<HttpPostClient>(new HttpPostClient(std::move(impl)));
}

HttpPostClient::HttpPostClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpPostClient::~HttpPostClient() { close(); }

void HttpPostClient::post(std::string body, Callback done) {
  std::string bytes;
  bytes.reserve(impl_->head.size() + 32 + body.size());
  bytes += impl_->head;
  bytes += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  bytes += body;
  auto req = std::make_shared<Request>(impl_->strand, std::move(bytes), std::move(done));
  asio::post(impl_->strand, [impl = impl_, req] { impl->submit(req); });
}

void HttpPostClient::close() {
  asio::post(impl_->strand, [impl = impl_] { impl->shutdown(); });
}

HttpClientStats HttpPostClient::stats() const {
  const auto& c = impl_->counters;
  return HttpClientStats{c.connects.load(), c.connect_failures.load(), c.requests.load(),
                         c.reused.load(),   c.resent.load(),           c.timeouts.load(),
                         c.open.load()};
}

const ProxyEndpoint& HttpPostClient::endpoint() const { return impl_->endpoint; }

}  // namespace herald
