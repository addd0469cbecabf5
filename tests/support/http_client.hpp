// A small blocking HTTP/1.1 client over POSIX sockets for black-box tests: keep-alive,
// Content-Length bodies only (what Herald sends). No Beast, so tests compile fast.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace herald::test {

struct HttpResult {
  int status = 0;  ///< 0 when the request failed at the socket level
  std::map<std::string, std::string> headers;  ///< lower-cased names
  std::string body;
};

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port) : host_(std::move(host)), port_(port) {}
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult request(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::vector<std::pair<std::string, std::string>>& headers = {});
  HttpResult post(const std::string& target, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return request("POST", target, body, headers);
  }
  /// Sends raw bytes and reads one response (for malformed requests).
  HttpResult raw(const std::string& bytes);
  void close();

 private:
  bool ensure_connected();
  HttpResult read_response();

  std::string host_;
  uint16_t port_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace herald::test
