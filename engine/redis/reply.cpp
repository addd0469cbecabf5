#include "engine/redis/reply.hpp"

#include <hiredis/hiredis.h>

namespace herald::redis {

Reply Reply::integer_value(long long v) {
  Reply r;
  r.type_ = Type::integer;
  r.integer_ = v;
  return r;
}

Reply Reply::string_value(std::string s) {
  Reply r;
  r.type_ = Type::string;
  r.str_ = std::move(s);
  return r;
}

Reply Reply::status_value(std::string s) {
  Reply r = string_value(std::move(s));
  r.type_ = Type::status;
  return r;
}

Reply Reply::error_value(std::string s) {
  Reply r = string_value(std::move(s));
  r.type_ = Type::error;
  return r;
}

Reply Reply::array_value(std::vector<Reply> elements) {
  Reply r;
  r.type_ = Type::array;
  r.elements_ = std::move(elements);
  return r;
}

Reply Reply::from_hiredis(const redisReply* r) {
  if (r == nullptr) return {};
  switch (r->type) {
    case REDIS_REPLY_NIL: return {};
    case REDIS_REPLY_INTEGER: return integer_value(r->integer);
    case REDIS_REPLY_STRING: return string_value(std::string(r->str, r->len));
    case REDIS_REPLY_STATUS: return status_value(std::string(r->str, r->len));
    case REDIS_REPLY_ERROR: return error_value(std::string(r->str, r->len));
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) elements.push_back(from_hiredis(r->element[i]));
      return array_value(std::move(elements));
    }
    default: return error_value("ERR unsupported reply type " + std::to_string(r->type));
  }
}

bool Reply::error_is(std::string_view prefix) const {
  if (type_ != Type::error || str_.size() < prefix.size()) return false;
  if (str_.compare(0, prefix.size(), prefix) != 0) return false;
  return str_.size() == prefix.size() || str_[prefix.size()] == ' ';
}

std::string Reply::to_string() const {
  switch (type_) {
    case Type::nil: return "(nil)";
    case Type::integer: return "(integer) " + std::to_string(integer_);
    case Type::string: return "\"" + str_ + "\"";
    case Type::status: return str_;
    case Type::error: return "(error) " + str_;
    case Type::array: {
      std::string out = "[";
      for (size_t i = 0; i < elements_.size(); ++i) {
        if (i > 0) out += ", ";
        out += elements_[i].to_string();
      }
      return out + "]";
    }
  }
  return {};
}

}  // namespace herald::redis
