#include "config/genconfig.hpp"

#include <nlohmann/json.hpp>

#include "config/random.hpp"

namespace herald {

std::string generate_config_json() {
  // ordered_json keeps the sections in the order a reader expects.
  nlohmann::ordered_json j;
  j["client"]["token"]["hmac_secret_key"] = random_hex(32);
  j["client"]["allowed_origins"] = nlohmann::ordered_json::array();
  j["admin"]["enabled"] = false;
  j["admin"]["password"] = generate_uuid_v4();
  j["admin"]["secret"] = generate_uuid_v4();
  j["http_api"]["key"] = generate_uuid_v4();
  return j.dump(2) + "\n";
}

}  // namespace herald
