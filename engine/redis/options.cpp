#include "engine/redis/options.hpp"

namespace herald::redis {

std::string_view to_string(Event e) {
  switch (e) {
    case Event::up: return "up";
    case Event::down: return "down";
    case Event::resubscribed: return "resubscribed";
  }
  return "unknown";
}

}  // namespace herald::redis
