#include "engine/redis/script.hpp"

#include <openssl/evp.h>

#include "engine/redis/connection.hpp"

namespace herald::redis {

std::string sha1_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(digits[md[i] >> 4]);
    out.push_back(digits[md[i] & 15]);
  }
  return out;
}

Script::Script(std::string source) {
  std::string sha = sha1_hex(source);
  data_ = std::make_shared<const Data>(Data{std::move(source), std::move(sha)});
}

void Script::run(const Sender& send, std::vector<std::string> keys,
                 std::vector<std::string> args, ReplyCallback callback) const {
  auto command = std::make_shared<Args>();
  command->reserve(3 + keys.size() + args.size());
  *command = {"EVALSHA", data_->sha1, std::to_string(keys.size())};
  for (auto& k : keys) command->push_back(std::move(k));
  for (auto& a : args) command->push_back(std::move(a));
  Args first = *command;
  send(std::move(first), [send, data = data_, command, callback = std::move(callback)](
                             std::error_code ec, Reply reply) mutable {
    if (!ec && reply.error_is("NOSCRIPT")) {
      (*command)[0] = "EVAL";
      (*command)[1] = data->source;
      send(std::move(*command), std::move(callback));
      return;
    }
    if (callback) callback(ec, std::move(reply));
  });
}

void Script::run(Connection& connection, std::vector<std::string> keys,
                 std::vector<std::string> args, ReplyCallback callback) const {
  run(connection.sender(), std::move(keys), std::move(args), std::move(callback));
}

}  // namespace herald::redis
