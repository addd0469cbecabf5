// One request split into parts (slot groups, chunks of channels): its callback fires once,
// after the last part, with the first failure if any part failed.
#pragma once

#include <memory>
#include <system_error>
#include <utility>

#include "engine/redis/reply.hpp"

namespace herald::redis::detail {

struct Join {
  ReplyCallback done;
  size_t left = 0;  ///< parts not finished yet
  std::error_code ec;
  Reply reply = Reply::status_value("OK");

  /// One part finished with (ec, reply); an error reply or an ec is a failure.
  void part(std::error_code part_ec, const Reply& part_reply) {
    bool failed = ec || reply.is_error();
    if (!failed && (part_ec || part_reply.is_error())) {
      ec = part_ec;
      reply = part_ec ? Reply{} : part_reply;
    }
    if (--left == 0 && done) std::exchange(done, nullptr)(ec, reply);
  }
};

using JoinPtr = std::shared_ptr<Join>;

inline JoinPtr make_join(ReplyCallback done, size_t parts) {
  auto j = std::make_shared<Join>();
  j->done = std::move(done);
  j->left = parts;
  return j;
}

}  // namespace herald::redis::detail
