// An owned copy of a Redis reply. hiredis frees its reply tree as soon as the callback
// returns, and callbacks hop threads (to actors), so every reply is copied into this value.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

struct redisReply;  // hiredis; kept out of this header on purpose

namespace herald::redis {

/// A RESP2 value: hiredis 0.14 speaks RESP2 only, so there are no maps, doubles, booleans or
/// push frames; RESP3-only types cannot appear.
class Reply {
 public:
  enum class Type : uint8_t { nil, integer, string, status, error, array };

  Reply() = default;  ///< nil
  static Reply integer_value(long long v);
  static Reply string_value(std::string s);
  static Reply status_value(std::string s);
  static Reply error_value(std::string s);
  static Reply array_value(std::vector<Reply> elements);
  /// Deep copy of a hiredis reply. Null ⇒ nil. An unknown type becomes an error reply
  /// naming it (never an assert: input from the network is not trusted).
  static Reply from_hiredis(const redisReply* r);

  Type type() const { return type_; }
  bool is_nil() const { return type_ == Type::nil; }
  bool is_integer() const { return type_ == Type::integer; }
  bool is_string() const { return type_ == Type::string; }
  bool is_status() const { return type_ == Type::status; }
  bool is_error() const { return type_ == Type::error; }
  bool is_array() const { return type_ == Type::array; }

  /// Bytes of a string, status or error reply (binary-safe); empty for other types.
  const std::string& str() const { return str_; }
  /// Value of an integer reply; 0 for other types.
  long long integer() const { return integer_; }
  /// Elements of an array reply; empty for other types (a nil array is Type::nil).
  const std::vector<Reply>& elements() const { return elements_; }
  const Reply& operator[](size_t i) const { return elements_[i]; }
  size_t size() const { return elements_.size(); }

  /// True when this is an error reply whose first word is `prefix` ("MOVED", "NOSCRIPT").
  bool error_is(std::string_view prefix) const;
  /// Readable one-line form for logs and test failures: "(nil)", "(integer) 3", "\"abc\"",
  /// "(error) ERR ...", "[a, b]".
  std::string to_string() const;

  friend bool operator==(const Reply&, const Reply&) = default;

 private:
  Type type_ = Type::nil;
  long long integer_ = 0;
  std::string str_;
  std::vector<Reply> elements_;
};

/// Called exactly once per command: `ec` set ⇒ no reply (Errc, see errors.hpp) and `reply` is
/// nil; otherwise `reply` is Redis' answer, which may itself be an error reply.
using ReplyCallback = std::function<void(std::error_code ec, Reply reply)>;

/// One command's arguments, binary-safe (a std::string may hold NUL bytes).
using Args = std::vector<std::string>;

/// A command and its callback, for submitting several at once.
struct Command {
  Args args;
  ReplyCallback callback;
};

/// Something that sends one command somewhere (a connection, a cluster routed by a key):
/// lets helpers such as Script work with any of them.
using Sender = std::function<void(Args args, ReplyCallback callback)>;

}  // namespace herald::redis
