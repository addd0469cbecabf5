#include "proto/jwt/base64.hpp"

#include <array>
#include <cstdint>

namespace herald::jwt {
namespace {

constexpr std::string_view kStdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr uint8_t kInvalid = 0xFF;

constexpr std::array<uint8_t, 256> make_table(std::string_view alphabet) {
  std::array<uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<uint8_t>(i);
  }
  return table;
}

constexpr auto kStdTable = make_table(kStdAlphabet);
constexpr auto kUrlTable = make_table(kUrlAlphabet);

std::string encode(std::string_view in, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t n = (uint32_t{static_cast<unsigned char>(in[i])} << 16) |
                 (uint32_t{static_cast<unsigned char>(in[i + 1])} << 8) |
                 uint32_t{static_cast<unsigned char>(in[i + 2])};
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  const size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t n = uint32_t{static_cast<unsigned char>(in[i])} << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t n = (uint32_t{static_cast<unsigned char>(in[i])} << 16) |
                 (uint32_t{static_cast<unsigned char>(in[i + 1])} << 8);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

std::optional<std::string> decode(std::string_view in, const std::array<uint8_t, 256>& table) {
  // Padding, when present, must make the whole text a multiple of 4 and be at most "==".
  size_t data_len = in.size();
  while (data_len > 0 && in[data_len - 1] == '=') --data_len;
  const size_t pad = in.size() - data_len;
  if (pad > 2) return std::nullopt;
  if (pad > 0 && in.size() % 4 != 0) return std::nullopt;
  if (data_len % 4 == 1) return std::nullopt;

  std::string out;
  out.reserve(data_len * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < data_len; ++i) {
    const uint8_t v = table[static_cast<unsigned char>(in[i])];
    if (v == kInvalid) return std::nullopt;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) { return encode(bytes, kUrlAlphabet, false); }

std::optional<std::string> base64url_decode(std::string_view text) {
  return decode(text, kUrlTable);
}

std::string base64_encode(std::string_view bytes) { return encode(bytes, kStdAlphabet, true); }

std::optional<std::string> base64_decode(std::string_view text) { return decode(text, kStdTable); }

}  // namespace herald::jwt
