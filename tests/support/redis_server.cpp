#include "tests/support/redis_server.hpp"

#include <hiredis/hiredis.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace herald::test {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Binds `port` (0 = any) on 127.0.0.1; returns the bound port or 0.
uint16_t try_bind(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  socklen_t len = sizeof(addr);
  uint16_t bound = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    bound = ntohs(addr.sin_port);
  }
  ::close(fd);
  return bound;
}

uint16_t pick_port(bool with_bus) {
  for (int i = 0; i < 100; ++i) {
    uint16_t p = try_bind(0);
    if (p == 0) continue;
    if (with_bus && (p > 55535 || try_bind(static_cast<uint16_t>(p + 10000)) == 0)) continue;
    return p;
  }
  return 0;
}

// fork + exec with stdout and stderr appended to `log`. The child gets SIGKILL when the
// test process dies (PR_SET_PDEATHSIG): a test killed by a timeout leaves no server behind.
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);  // the parent died before prctl
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ::dup2(fd, STDOUT_FILENO);
  ::dup2(fd, STDERR_FILENO);
  ::execvp(argv[0], argv.data());
  ::_exit(127);
}

// Waits for `pid` to exit; true if it did within `timeout`.
bool reap(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

void render(const redisReply* r, std::string& out) {
  switch (r->type) {
    case REDIS_REPLY_NIL: out += "(nil)"; break;
    case REDIS_REPLY_INTEGER: out += std::to_string(r->integer); break;
    case REDIS_REPLY_ERROR: out += "(error) " + std::string(r->str, r->len); break;
    case REDIS_REPLY_ARRAY:
      for (size_t i = 0; i < r->elements; ++i) {
        if (i > 0) out += '\n';
        render(r->element[i], out);
      }
      break;
    default: out.append(r->str, r->len);
  }
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

// -- RedisServer ---------------------------------------------------------------------------

RedisServer::~RedisServer() {
  kill();
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

bool RedisServer::start(std::vector<std::string> extra_args, bool cluster) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "herald-redis-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return false;
  dir_ = tmpl;
  // A port picked here can be taken before redis binds it (parallel tests): retry.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = pick_port(cluster);
    args_ = {"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", dir_, "--daemonize", "no"};
    if (cluster) {
      for (const char* a : {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                            "--cluster-node-timeout", "5000"}) {
        args_.push_back(a);
      }
    }
    args_.insert(args_.end(), extra_args.begin(), extra_args.end());
    if (spawn_and_wait()) return true;
    kill();
  }
  return false;
}

bool RedisServer::restart() { return spawn_and_wait(); }

bool RedisServer::spawn_and_wait() {
  pid_ = spawn(args_, log_path());
  if (pid_ < 0) return false;
  auto deadline = Clock::now() + 5s;
  while (Clock::now() < deadline) {
    if (command({"PING"}) == "PONG") return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

void RedisServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGCONT);
  ::kill(pid_, SIGTERM);
  if (!reap(pid_, 5s)) kill();
  pid_ = -1;
}

void RedisServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap(pid_, 10s);
  pid_ = -1;
}

void RedisServer::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

std::string RedisServer::log() const {
  std::ifstream in(log_path());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string RedisServer::command(const std::vector<std::string>& args) const {
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, {0, 500000});
  if (c == nullptr || c->err) {
    if (c) redisFree(c);
    return "(unreachable)";
  }
  redisSetTimeout(c, {2, 0});
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data()));
  std::string out = "(unreachable)";
  if (r != nullptr) {
    out.clear();
    render(r, out);
    freeReplyObject(r);
  }
  redisFree(c);
  return out;
}

// -- RedisCluster --------------------------------------------------------------------------

bool RedisCluster::start(size_t masters) {
  std::vector<std::string> cli = {"redis-cli", "--cluster", "create"};
  for (size_t i = 0; i < masters; ++i) {
    nodes_.push_back(std::make_unique<RedisServer>());
    if (!nodes_.back()->start({}, true)) return false;
    cli.push_back(nodes_.back()->address());
  }
  for (const char* a : {"--cluster-replicas", "0", "--cluster-yes"}) cli.push_back(a);
  pid_t pid = spawn(cli, nodes_[0]->log_path() + ".cli");
  if (pid < 0 || !reap(pid, 30s)) return false;
  return wait_agreed(15s);
}

std::vector<std::string> RedisCluster::addresses() const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) out.push_back(n->address());
  return out;
}

std::string RedisCluster::node_id(size_t i) const {
  return nodes_[i]->command({"CLUSTER", "MYID"});
}

int RedisCluster::owner_of(uint16_t slot, size_t viewer) const {
  std::istringstream lines(nodes_[viewer]->command({"CLUSTER", "NODES"}));
  for (std::string line; std::getline(lines, line);) {
    auto w = words(line);
    if (w.size() < 8 || w[2].find("master") == std::string::npos) continue;
    for (size_t k = 8; k < w.size(); ++k) {
      if (w[k].front() == '[') continue;  // a migration marker, not ownership
      size_t dash = w[k].find('-');
      int first = std::stoi(w[k].substr(0, dash));
      int last = dash == std::string::npos ? first : std::stoi(w[k].substr(dash + 1));
      if (slot < first || slot > last) continue;
      std::string endpoint = w[1].substr(0, w[1].find('@'));
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i]->address() == endpoint) return static_cast<int>(i);
      }
    }
  }
  return -1;
}

uint16_t RedisCluster::a_slot_of(size_t i) const {
  for (int slot = 0; slot < 16384; slot += 64) {
    if (owner_of(static_cast<uint16_t>(slot), i) == static_cast<int>(i)) {
      return static_cast<uint16_t>(slot);
    }
  }
  return 0;
}

void RedisCluster::begin_migration(uint16_t slot, size_t from, size_t to) {
  std::string s = std::to_string(slot);
  nodes_[to]->command({"CLUSTER", "SETSLOT", s, "IMPORTING", node_id(from)});
  nodes_[from]->command({"CLUSTER", "SETSLOT", s, "MIGRATING", node_id(to)});
}

void RedisCluster::migrate_keys(uint16_t slot, size_t from, size_t to) {
  for (;;) {
    std::string keys =
        nodes_[from]->command({"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), "100"});
    if (keys.empty()) return;
    std::vector<std::string> cmd = {"MIGRATE", "127.0.0.1", std::to_string(nodes_[to]->port()),
                                    "", "0", "5000", "KEYS"};
    std::istringstream in(keys);
    for (std::string k; std::getline(in, k);) cmd.push_back(k);
    if (nodes_[from]->command(cmd) != "OK") return;
  }
}

bool RedisCluster::finish_migration(uint16_t slot, size_t to) {
  std::string id = node_id(to), s = std::to_string(slot);
  nodes_[to]->command({"CLUSTER", "SETSLOT", s, "NODE", id});
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (i != to) nodes_[i]->command({"CLUSTER", "SETSLOT", s, "NODE", id});
  }
  return wait_agreed(10s);
}

bool RedisCluster::wait_agreed(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    bool ok = true;
    std::string first_view;
    for (size_t i = 0; i < nodes_.size() && ok; ++i) {
      ok = nodes_[i]->command({"CLUSTER", "INFO"}).find("cluster_state:ok") != std::string::npos;
      std::string view = nodes_[i]->command({"CLUSTER", "SLOTS"});
      if (i == 0) first_view = view;
      ok = ok && view == first_view;
    }
    if (ok) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

}  // namespace herald::test
