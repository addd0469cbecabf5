#include "tests/support/state_receiver.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/http_client.hpp"

namespace herald::test {

namespace fs = std::filesystem;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

std::string StateReceiver::python() {
  static const std::string found = [] {
    for (const char* candidate : {"/usr/bin/python3", "python3"}) {
      const std::string cmd = std::string(candidate) + " -c 'import flask' >/dev/null 2>&1";
      if (std::system(cmd.c_str()) == 0) return std::string(candidate);
    }
    return std::string();
  }();
  return found;
}

StateReceiver::~StateReceiver() {
  stop();
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

bool StateReceiver::start(const std::string& app_file, std::chrono::milliseconds timeout) {
  const std::string py = python();
  if (py.empty()) return false;
  std::string tmpl = (fs::temp_directory_path() / "herald-receiver-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return false;
  dir_ = tmpl;
  const std::string port_file = dir_ + "/port";
  std::vector<std::string> args = {py, std::string(HERALD_SOURCE_DIR) + "/tests/support/state_receiver.py",
                                   "--port", "0", "--port-file", port_file};
  if (app_file.empty()) {
    args.insert(args.end(), {"--record", dir_ + "/records.jsonl"});
  } else {
    args.insert(args.end(), {"--app", app_file});
  }
  pid_ = ::fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    int fd = ::open((dir_ + "/log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::setenv("PYTHONUNBUFFERED", "1", 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    const std::string text = read_file(port_file);
    if (!text.empty()) {
      port_ = static_cast<uint16_t>(std::stoi(text));
      return true;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void StateReceiver::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (!wait_exit(pid_, std::chrono::seconds(5))) {
    ::kill(pid_, SIGKILL);
    wait_exit(pid_, std::chrono::seconds(5));
  }
  pid_ = -1;
}

std::string StateReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<std::string> StateReceiver::records() const {
  std::vector<std::string> lines;
  std::istringstream in(read_file(dir_ + "/records.jsonl"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

bool StateReceiver::set_mode(const std::string& mode, int count) {
  HttpClient client("127.0.0.1", port_);
  auto r = client.post("/control", "{\"mode\":\"" + mode + "\",\"count\":" +
                                       std::to_string(count) + "}",
                       {{"Content-Type", "application/json"}});
  return r.status == 200;
}

std::string StateReceiver::log() const { return read_file(dir_ + "/log"); }

}  // namespace herald::test
