#include "engine/redis/errors.hpp"

#include <string>

namespace herald::redis {

namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "redis"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::not_connected: return "not connected to Redis";
      case Errc::connection_lost: return "Redis connection lost before the reply";
      case Errc::timeout: return "no reply from Redis within io_timeout";
      case Errc::closed: return "Redis client closed";
      case Errc::cluster_unavailable: return "Redis Cluster slot map unavailable";
      case Errc::too_many_redirects: return "too many Redis Cluster redirects";
    }
    return "unknown Redis client error";
  }
};

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), error_category()}; }

}  // namespace herald::redis
