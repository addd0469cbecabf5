#include "config/genconfig.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "config/config_loader.hpp"
#include "config/random.hpp"
#include "tests/config/test_util.hpp"

namespace herald {
namespace {

using testing_util::joined;

TEST(Genconfig, OutputLoadsAndValidatesWithoutWarnings) {
  const std::string text = generate_config_json();
  LoadResult r = load_config_json(text, {});
  ASSERT_TRUE(r.config) << joined(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
  const Config& c = *r.config;
  EXPECT_GE(c.client.token.hmac_secret_key.size(), 32u);
  EXPECT_FALSE(c.http_api.key.empty());
  EXPECT_FALSE(c.admin.password.empty());
  EXPECT_FALSE(c.admin.secret.empty());
  EXPECT_FALSE(c.admin.enabled);
  EXPECT_TRUE(c.client.allowed_origins.empty());
}

TEST(Genconfig, IsPrettyPrintedWithAnEmptyOriginsArray) {
  const std::string text = generate_config_json();
  EXPECT_NE(text.find("\n  \"client\": {"), std::string::npos) << text;
  EXPECT_EQ(nlohmann::json::parse(text)["client"]["allowed_origins"], nlohmann::json::array());
  EXPECT_EQ(text.back(), '\n');
}

TEST(Genconfig, SecretsAreFreshAndDistinct) {
  auto a = nlohmann::json::parse(generate_config_json());
  auto b = nlohmann::json::parse(generate_config_json());
  EXPECT_NE(a["client"]["token"]["hmac_secret_key"], b["client"]["token"]["hmac_secret_key"]);
  EXPECT_NE(a["http_api"]["key"], b["http_api"]["key"]);
  std::set<std::string> secrets = {a["http_api"]["key"], a["admin"]["password"],
                                   a["admin"]["secret"], a["client"]["token"]["hmac_secret_key"]};
  EXPECT_EQ(secrets.size(), 4u);
}

TEST(Random, UuidV4Format) {
  static const std::regex kUuid(
      "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {  // crosses several 4 KiB buffer refills
    std::string id = generate_uuid_v4();
    ASSERT_TRUE(std::regex_match(id, kUuid)) << id;
    seen.insert(std::move(id));
  }
  EXPECT_EQ(seen.size(), 2000u);
}

TEST(Random, HexAndBytes) {
  EXPECT_EQ(random_hex(0), "");
  const std::string h = random_hex(100);
  EXPECT_EQ(h.size(), 200u);
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
  // 10 KB spans refills; all-zero output would mean the buffer was not refilled.
  std::vector<uint8_t> buf(10000, 0);
  random_bytes(buf.data(), buf.size());
  size_t zeros = 0;
  for (uint8_t b : buf) zeros += b == 0;
  EXPECT_LT(zeros, 200u);
}

TEST(Random, ForkedChildDoesNotReuseTheParentsBuffer) {
  generate_uuid_v4();  // the buffer now holds unused bytes both processes would inherit
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string id = generate_uuid_v4();
    const ssize_t written = write(fds[1], id.data(), id.size());
    _exit(written == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  close(fds[1]);
  const std::string mine = generate_uuid_v4();
  char buf[64] = {};
  const ssize_t got = read(fds[0], buf, sizeof buf);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_EQ(got, 36);
  EXPECT_NE(std::string(buf, 36), mine);
}

}  // namespace
}  // namespace herald
