// herald: the command line. `herald [-c FILE]` serves; the subcommands manage config and
// tokens the way `centrifugo` does.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cmd/logging.hpp"
#include "cmd/node_runtime.hpp"
#include "config/config_loader.hpp"
#include "config/duration.hpp"
#include "config/genconfig.hpp"
#include "proto/jwt/jwt.hpp"

extern char** environ;

namespace {

using herald::Config;
using herald::LoadResult;

/// Loads the config, printing every warning and error; nullopt when it is unusable.
std::optional<Config> load_or_report(const std::string& path, bool quiet_warnings = false) {
  LoadResult r = herald::load_config_file(path, herald::environment_from(environ));
  if (!quiet_warnings)
    for (const auto& w : r.warnings) std::cerr << "warning: " << w << "\n";
  for (const auto& e : r.errors) std::cerr << e << "\n";
  if (!r.errors.empty() || !r.config) return std::nullopt;
  return r.config;
}

int64_t unix_now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

int serve(const std::string& path) {
  LoadResult r = herald::load_config_file(path, herald::environment_from(environ));
  std::string log_error;
  const std::string level = r.config ? r.config->log.level : "info";
  const std::string file = r.config ? r.config->log.file : "";
  if (!herald::setup_logging(level, file, log_error)) {
    std::cerr << "log.file: " << log_error << "\n";
    return 1;
  }
  for (const auto& w : r.warnings) spdlog::warn("msg=\"config\" problem=\"{}\"", w);
  if (!r.errors.empty() || !r.config) {
    for (const auto& e : r.errors) spdlog::error("msg=\"invalid config\" problem=\"{}\"", e);
    spdlog::error("msg=\"refusing to start: fix the config\" file=\"{}\"", path);
    return 1;
  }
  if (path.empty()) spdlog::info("msg=\"no config file given: using defaults and HERALD_* env\"");
  return herald::run_node(std::move(*r.config));
}

int gentoken(const std::string& path, const std::string& user, const std::string& ttl,
             const std::string& channel) {
  auto cfg = load_or_report(path, true);
  if (!cfg) return 1;
  const std::string& secret = cfg->client.token.hmac_secret_key;
  if (secret.empty()) {
    std::cerr << "client.token.hmac_secret_key: not set: tokens cannot be signed\n";
    return 1;
  }
  auto d = herald::parse_duration(ttl);
  if (!d || d->count() < 0) {
    std::cerr << "--ttl: invalid duration \"" << ttl << "\" (use e.g. 1h, 30m, 3600s)\n";
    return 1;
  }
  nlohmann::json claims = {{"sub", user}};
  if (d->count() > 0) claims["exp"] = unix_now() + d->count() / 1000;
  if (!channel.empty()) claims["channel"] = channel;
  std::string secret_for_sub = secret;
  if (!channel.empty() && cfg->client.subscription_token.enabled &&
      !cfg->client.subscription_token.hmac_secret_key.empty())
    secret_for_sub = cfg->client.subscription_token.hmac_secret_key;
  std::cout << herald::jwt::sign_hs(herald::jwt::JwtAlg::HS256, secret_for_sub, claims) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Herald: a real-time messaging server speaking Centrifugo's protocols"};
  app.require_subcommand(0, 1);
  std::string config_path;
  app.add_option("-c,--config", config_path, "JSON config file (Centrifugo v6 layout)");

  auto* version = app.add_subcommand("version", "Print the version");

  auto* genconfig = app.add_subcommand("genconfig", "Write a working config with fresh secrets");
  std::string gen_path = "config.json";
  genconfig->add_option("-c,--config", gen_path, "File to write")->capture_default_str();

  auto* checkconfig = app.add_subcommand("checkconfig", "Validate a config file");
  std::string check_path;
  checkconfig->add_option("-c,--config", check_path, "Config file")->required();

  auto* gentok = app.add_subcommand("gentoken", "Make a connection JWT (HS256)");
  std::string tok_path, tok_user, tok_ttl = "168h";
  gentok->add_option("-c,--config", tok_path, "Config file holding client.token.hmac_secret_key");
  gentok->add_option("-u,--user", tok_user, "User ID (sub claim)")->required();
  gentok->add_option("-t,--ttl", tok_ttl, "Lifetime, e.g. 1h; 0 = no exp")->capture_default_str();

  auto* gensub = app.add_subcommand("gensubtoken", "Make a subscription JWT (HS256)");
  std::string sub_path, sub_user, sub_channel, sub_ttl = "168h";
  gensub->add_option("-c,--config", sub_path, "Config file holding the HMAC secret");
  gensub->add_option("-u,--user", sub_user, "User ID (sub claim)")->required();
  gensub->add_option("-s,--channel", sub_channel, "Channel")->required();
  gensub->add_option("-t,--ttl", sub_ttl, "Lifetime, e.g. 1h; 0 = no exp")->capture_default_str();

  CLI11_PARSE(app, argc, argv);

  if (*version) {
    std::cout << "herald " << HERALD_VERSION_STRING << "\n";
    return 0;
  }
  if (*genconfig) {
    if (std::filesystem::exists(gen_path)) {
      std::cerr << gen_path << ": already exists; not overwriting it\n";
      return 1;
    }
    std::ofstream out(gen_path);
    out << herald::generate_config_json();
    if (!out.good()) {
      std::cerr << gen_path << ": cannot write\n";
      return 1;
    }
    std::cout << "wrote " << gen_path << "\n";
    return 0;
  }
  if (*checkconfig) {
    if (!load_or_report(check_path)) return 1;
    std::cout << check_path << ": ok\n";
    return 0;
  }
  if (*gentok) return gentoken(tok_path.empty() ? config_path : tok_path, tok_user, tok_ttl, "");
  if (*gensub)
    return gentoken(sub_path.empty() ? config_path : sub_path, sub_user, sub_ttl, sub_channel);
  return serve(config_path);
}
