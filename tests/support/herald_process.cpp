#include "tests/support/herald_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace herald::test {

namespace fs = std::filesystem;

std::string herald_binary() { return std::string(HERALD_BINARY_DIR) + "/cmd/herald"; }

namespace {

std::string temp_dir() {
  static std::string dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "herald-test-XXXXXX").string();
    char* d = ::mkdtemp(tmpl.data());
    return std::string(d ? d : "/tmp");
  }();
  return dir;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::string& output_path) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int fd = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, STDERR_FILENO);
  ::dup2(fd, STDOUT_FILENO);
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  std::vector<std::string> argv_store;
  argv_store.push_back(herald_binary());
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

}  // namespace

std::string write_temp_file(const std::string& name, const std::string& text) {
  std::string path = temp_dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

HeraldProcess::~HeraldProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
}

bool HeraldProcess::start(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env,
                          std::chrono::milliseconds timeout) {
  static int counter = 0;
  log_path_ = temp_dir() + "/herald-" + std::to_string(::getpid()) + "-" +
              std::to_string(counter++) + ".log";
  pid_ = spawn(args, env, log_path_);
  if (pid_ < 0) return false;
  const std::regex started(R"(msg="herald started".* port=(\d+))");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string text = read_file(log_path_);
    if (std::regex_search(text, m, started)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      return true;
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int HeraldProcess::run(const std::vector<std::string>& args, std::string& output,
                       const std::map<std::string, std::string>& env) {
  static int counter = 0;
  std::string path = temp_dir() + "/run-" + std::to_string(::getpid()) + "-" +
                     std::to_string(counter++) + ".out";
  pid_t pid = spawn(args, env, path);
  int status = 0;
  ::waitpid(pid, &status, 0);
  output = read_file(path);
  return exit_code_of(status);
}

std::string HeraldProcess::log() const { return read_file(log_path_); }

int HeraldProcess::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return exit_code_of(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

int HeraldProcess::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  return wait(timeout);
}

}  // namespace herald::test
