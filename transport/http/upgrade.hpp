// Internal: the hand-off of an upgraded connection from HttpServer to the WebSocket module.
// Includes Beast, so only http_server.cpp and transport/ws/ws_session.cpp include it.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>

#include "transport/http/http_server.hpp"

namespace herald {

struct HttpUpgrade {
  /// The connection, its executor being the connection's strand; no timeout armed.
  boost::beast::tcp_stream stream;
  /// The upgrade request, headers as received.
  boost::beast::http::request<boost::beast::http::string_body> request;
  std::string remote_address;  ///< peer IP, "" if unknown
};

}  // namespace herald
