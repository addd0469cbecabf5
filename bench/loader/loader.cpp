// loader: the receive-heavy side of bench/ in C++ (raw epoll), for Herald and Centrifugo alike.
//
//   loader connect --port P --clients N --concurrency C          S1 connect storm
//   loader idle    --port P --steps 0,2000,4000 --idle 8         S2 memory against connections
//   loader fanout  --port P --clients N --window W               S3 deliveries/s, one channel
//   loader api     --port P --conns C --batch B                  S4 server-API publishes
//   loader latency --port P --clients N --rates 2,10,16          S5 publish-to-receive latency
//   loader churn   --port P --clients N --channel PREFIX          S7 subscribe/unsubscribe churn
//
// WebSocket clients (JSON protocol) run on --threads event loops (epoll, level-triggered, one
// recv per readiness into a shared buffer); each client connects anonymously, subscribes, then
// counts publication pushes by their first bytes ({"push":) without decoding them, reads "ts"
// when latency is wanted, and answers server pings ({} with {}). HTTP publishers are plain
// threads with blocking keep-alive sockets. Everything is bounded: setup per client, every HTTP
// call, drains, and a watchdog (--max-runtime) that exits with status 3.
//
// With --server-pid the loader reads that process's CPU time and memory from /proc; it reads
// its own CPU time (getrusage) and every core's busy time (/proc/stat) in the same windows.
// The one result is a JSON object on stdout; progress goes to stderr. Exit status: 0, 1 when
// the run saw a failure (listed in "problems"), 2 on usage errors, 3 when the watchdog fired.
#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace {

// ---------------------------------------------------------------------------------------------
// Clock, logging, /proc

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

void sleep_s(double s) {
  if (s <= 0) return;
  timespec ts{time_t(s), long((s - double(time_t(s))) * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

void say(const char* fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  fprintf(stderr, "loader: %s\n", line);
}

std::string read_file(const std::string& path) {
  std::string out;
  FILE* f = fopen(path.c_str(), "r");
  if (!f) return out;
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  fclose(f);
  return out;
}

// CPU time (user + system) of a process, in seconds; -1 when it is gone.
double proc_cpu_s(int pid) {
  if (pid <= 0) return -1;
  std::string s = read_file("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = s.rfind(')');
  if (paren == std::string::npos) return -1;
  // Fields after the command: state(3) ... utime(14) stime(15): indexes 11 and 12 from here.
  std::vector<std::string> f;
  size_t i = paren + 2;
  while (i < s.size() && f.size() < 13) {
    size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    f.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  if (f.size() < 13) return -1;
  double ticks = double(sysconf(_SC_CLK_TCK));
  return (strtod(f[11].c_str(), nullptr) + strtod(f[12].c_str(), nullptr)) / ticks;
}

// VmRSS and RssAnon of a process in KiB.
struct Mem {
  long rss = 0, anon = 0;
};
Mem proc_mem(int pid) {
  Mem m;
  std::string s = read_file("/proc/" + std::to_string(pid) + "/status");
  auto field = [&](const char* key) -> long {
    size_t p = s.find(key);
    return p == std::string::npos ? 0 : strtol(s.c_str() + p + strlen(key), nullptr, 10);
  };
  m.rss = field("VmRSS:");
  m.anon = field("RssAnon:");
  return m;
}

long meminfo_kib(const char* key) {
  std::string s = read_file("/proc/meminfo");
  size_t p = s.find(key);
  return p == std::string::npos ? 0 : strtol(s.c_str() + p + strlen(key), nullptr, 10);
}

double self_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Core {
  long long busy = 0, softirq = 0, total = 0;
};
std::vector<Core> cores() {
  std::vector<Core> out;
  std::string s = read_file("/proc/stat");
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find('\n', pos);
    if (end == std::string::npos) end = s.size();
    std::string line = s.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("cpu", 0) != 0 || line.size() < 4 || line[3] < '0' || line[3] > '9') continue;
    int n = atoi(line.c_str() + 3);
    Core c;
    const char* p = strchr(line.c_str(), ' ');
    for (int i = 0; p && *p; ++i) {
      char* e;
      long long v = strtoll(p, &e, 10);
      if (e == p) break;
      p = e;
      c.total += v;
      if (i != 3 && i != 4) c.busy += v;  // idle, iowait
      if (i == 6) c.softirq = v;
    }
    if (int(out.size()) <= n) out.resize(n + 1);
    out[n] = c;
  }
  return out;
}

// A moment of every figure a window needs.
struct Sample {
  uint64_t at = 0;
  double server_cpu = 0, self_cpu = 0;
  std::vector<Core> cores;
};

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  std::string mode;
  std::string host = "127.0.0.1";
  int port = 0;
  int api_port = 0;  // HTTP API port when not --port (S6: publish through another node)
  std::string api_key = "bench-api-key";
  int clients = 1000;
  int concurrency = 200;
  std::string channel = "bench:fan";
  std::string channels_mode = "one";  // one: --channel; shared: bench:a + bench:b
  int window = 20;
  int publishers = 2;
  int conns = 4;
  int batch = 1;
  double warmup = 3, duration = 10, drain = 30, idle = 8, setup_timeout = 15;
  double pause = 1;
  std::vector<double> rates;  // publications/s
  std::vector<long> steps;    // connection counts
  int server_pid = 0;
  std::vector<int> extra_pids;  // other server-side processes (S6: second node, Redis)
  int threads = 1;
  double max_runtime = 300;
  int server_cpu = -1, loader_cpu = -1;  // for the busy figures; -1: unknown
};

[[noreturn]] void usage(const char* why) {
  fprintf(stderr,
          "loader: %s\nusage: loader connect|idle|fanout|api|latency|churn --port P [--api-port P] "
          "[--clients N] [--concurrency C] [--channel CH] [--channels one|shared] [--window W] "
          "[--publishers P] [--conns C] [--batch B] [--warmup S] [--duration S] [--drain S] "
          "[--idle S] [--pause S] [--rates R,R] [--steps N,N] [--server-pid PID] "
          "[--extra-pids PID,PID] [--threads T] [--max-runtime S] [--server-cpu N] "
          "[--loader-cpu N] [--api-key K] [--host H]\n",
          why);
  exit(2);
}

template <class T>
std::vector<T> parse_list(const char* s) {
  std::vector<T> out;
  while (*s) {
    char* e;
    double v = strtod(s, &e);
    if (e == s) usage("bad number list");
    out.push_back(T(v));
    s = *e == ',' ? e + 1 : e;
  }
  return out;
}

Options parse(int argc, char** argv) {
  if (argc < 2) usage("no mode");
  Options o;
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + k).c_str());
    const char* v = argv[++i];
    if (k == "--host") o.host = v;
    else if (k == "--port") o.port = atoi(v);
    else if (k == "--api-port") o.api_port = atoi(v);
    else if (k == "--api-key") o.api_key = v;
    else if (k == "--clients") o.clients = atoi(v);
    else if (k == "--concurrency") o.concurrency = atoi(v);
    else if (k == "--channel") o.channel = v;
    else if (k == "--channels") o.channels_mode = v;
    else if (k == "--window") o.window = atoi(v);
    else if (k == "--publishers") o.publishers = atoi(v);
    else if (k == "--conns") o.conns = atoi(v);
    else if (k == "--batch") o.batch = atoi(v);
    else if (k == "--warmup") o.warmup = atof(v);
    else if (k == "--duration") o.duration = atof(v);
    else if (k == "--drain") o.drain = atof(v);
    else if (k == "--idle") o.idle = atof(v);
    else if (k == "--pause") o.pause = atof(v);
    else if (k == "--setup-timeout") o.setup_timeout = atof(v);
    else if (k == "--rates") o.rates = parse_list<double>(v);
    else if (k == "--steps") o.steps = parse_list<long>(v);
    else if (k == "--server-pid") o.server_pid = atoi(v);
    else if (k == "--extra-pids") o.extra_pids = parse_list<int>(v);
    else if (k == "--threads") o.threads = std::max(1, atoi(v));
    else if (k == "--max-runtime") o.max_runtime = atof(v);
    else if (k == "--server-cpu") o.server_cpu = atoi(v);
    else if (k == "--loader-cpu") o.loader_cpu = atoi(v);
    else usage(("unknown flag " + k).c_str());
  }
  if (o.port <= 0) usage("--port is required");
  if (o.api_port <= 0) o.api_port = o.port;
  if (o.loader_cpu < 0) {  // pinned to exactly one CPU (taskset): that one
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1)
      for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) o.loader_cpu = c;
  }
  return o;
}

Options opt;

double server_side_cpu() {
  double sum = 0;
  double v = proc_cpu_s(opt.server_pid);
  if (v > 0) sum += v;
  for (int pid : opt.extra_pids) {
    double e = proc_cpu_s(pid);
    if (e > 0) sum += e;
  }
  return sum;
}

Sample take_sample() {
  Sample s;
  s.at = now_ns();
  s.server_cpu = server_side_cpu();
  s.self_cpu = self_cpu_s();
  s.cores = cores();
  return s;
}

// ---------------------------------------------------------------------------------------------
// A tiny JSON writer

struct Json {
  std::string s;
  bool first = true;
  void sep() {
    if (!first) s += ',';
    first = false;
  }
  void key(const char* k) {
    sep();
    s += '"';
    s += k;
    s += "\":";
    first = true;
  }
  Json& open(const char* k = nullptr) {
    if (k) key(k);
    else sep();
    s += '{';
    first = true;
    return *this;
  }
  Json& close() {
    s += '}';
    first = false;
    return *this;
  }
  Json& open_array(const char* k) {
    key(k);
    s += '[';
    first = true;
    return *this;
  }
  Json& close_array() {
    s += ']';
    first = false;
    return *this;
  }
  Json& num(const char* k, double v) {
    key(k);
    char b[64];
    if (v == double(int64_t(v)) && v < 9e15 && v > -9e15) snprintf(b, sizeof b, "%" PRId64, int64_t(v));
    else snprintf(b, sizeof b, "%.6g", v);
    s += b;
    first = false;
    return *this;
  }
  Json& str(const char* k, const std::string& v) {
    key(k);
    s += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') {
        s += '\\';
        s += c;
      } else if (uint8_t(c) < 0x20) {
        char b[8];
        snprintf(b, sizeof b, "\\u%04x", c);
        s += b;
      } else {
        s += c;
      }
    }
    s += '"';
    first = false;
    return *this;
  }
  Json& boolean(const char* k, bool v) {
    key(k);
    s += v ? "true" : "false";
    first = false;
    return *this;
  }
};

// The figures of one measured window: wall time, CPU of the server side and of the loader,
// the busy share of the server's and the loader's cores.
void window_json(Json& j, const Sample& a, const Sample& b) {
  double wall = double(b.at - a.at) / 1e9;
  j.num("wall_s", wall);
  j.num("server_cpu_s", b.server_cpu - a.server_cpu);
  j.num("server_cpu_pct", 100 * (b.server_cpu - a.server_cpu) / wall);
  j.num("loader_cpu_pct", 100 * (b.self_cpu - a.self_cpu) / wall);
  auto busy = [&](int c, bool soft) -> double {
    if (c < 0 || c >= int(a.cores.size()) || c >= int(b.cores.size())) return -1;
    long long t = b.cores[c].total - a.cores[c].total;
    if (t <= 0) return -1;
    long long v = soft ? b.cores[c].softirq - a.cores[c].softirq : b.cores[c].busy - a.cores[c].busy;
    return 100.0 * double(v) / double(t);
  };
  j.num("server_core_busy_pct", busy(opt.server_cpu, false));
  j.num("server_core_softirq_pct", busy(opt.server_cpu, true));
  j.num("loader_core_busy_pct", busy(opt.loader_cpu, false));
  j.num("loader_core_softirq_pct", busy(opt.loader_cpu, true));
}

// ---------------------------------------------------------------------------------------------
// WebSocket clients

constexpr size_t kReadBuf = 256 * 1024;
const uint8_t kMask[4] = {0x12, 0x34, 0x56, 0x78};

std::string ws_frame(std::string_view payload, uint8_t opcode = 0x1) {
  std::string f;
  f.reserve(payload.size() + 14);
  f += char(0x80 | opcode);
  if (payload.size() < 126) {
    f += char(0x80 | payload.size());
  } else if (payload.size() < 65536) {
    f += char(0x80 | 126);
    f += char(payload.size() >> 8);
    f += char(payload.size() & 0xff);
  } else {
    f += char(0x80 | 127);
    for (int i = 7; i >= 0; --i) f += char((uint64_t(payload.size()) >> (8 * i)) & 0xff);
  }
  f.append(reinterpret_cast<const char*>(kMask), 4);
  for (size_t i = 0; i < payload.size(); ++i) f += char(payload[i] ^ kMask[i % 4]);
  return f;
}

enum State : uint8_t { kConnecting, kHandshake, kSetup, kReady, kDead };

struct Conn {
  int fd = -1;
  uint32_t idx = 0;  // in its worker's conns_
  State state = kConnecting;
  bool closing = false;      // closed by us: not a loss
  bool writing = false;      // EPOLLOUT armed
  uint8_t setup_phase = 0;   // 0 waiting for the connect reply, 1 for the subscribe replies
  uint8_t churn_step = 0;    // churn: 0 idle, 1 waiting for a subscribe, 2 for an unsubscribe
  uint32_t churn_seq = 0;    // churn: cycles begun (names this connection's next channel)
  uint16_t awaiting = 0;
  uint8_t frag_op = 0;
  int close_code = 0;
  uint64_t t0 = 0, t_connect = 0, t_ready = 0;
  uint64_t pushes = 0;
  std::string pend;  // bytes of an incomplete frame (or of the HTTP answer)
  std::string out;   // bytes not yet written
  std::string frag;  // a fragmented message being assembled
  std::string why;   // why it died
};

struct alignas(64) Counters {
  std::atomic<uint64_t> pushes{0}, push_frames{0}, frames{0}, reads{0}, bytes{0}, pings{0};
  std::atomic<uint64_t> ready{0}, failed{0}, lost{0}, unexpected{0}, started{0};
  std::atomic<uint64_t> subscribed{0}, unsubscribed{0}, churn_errors{0}, churning{0};
};

// Counters are written by their worker thread only: a relaxed load and store (no locked
// instruction) is enough for the readers on other threads.
inline void bump(std::atomic<uint64_t>& a, uint64_t n = 1) {
  a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

std::atomic<bool> g_stop{false};
// Churn: while set, every ready connection subscribes to a channel of its own, unsubscribes,
// and goes on with the next one; cleared, each finishes the cycle it is in and stops.
std::atomic<bool> g_churn{false};
std::atomic<int> g_phase{0};
constexpr int kMaxPhases = 8;
std::mutex g_note_mu;
std::map<std::string, int> g_notes;  // failure reasons, counted

void note(const std::string& why) {
  std::lock_guard<std::mutex> lock(g_note_mu);
  if (g_notes.size() < 20 || g_notes.count(why)) g_notes[why]++;
}

class Worker {
 public:
  Worker(int id, sockaddr_in addr, std::vector<std::string> channels, bool latency)
      : id_(id), addr_(addr), channels_(std::move(channels)), latency_(latency) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    buf_.resize(kReadBuf);
    char req[512];
    snprintf(req, sizeof req,
             "GET /connection/websocket HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n",
             inet_ntoa(addr.sin_addr), ntohs(addr.sin_port));
    upgrade_ = req;
    connect_frame_ = ws_frame(R"({"id":1,"connect":{"name":"loader"}})");
    std::string subs;
    for (size_t i = 0; i < channels_.size(); ++i) {
      if (i) subs += '\n';
      subs += "{\"id\":" + std::to_string(i + 2) + ",\"subscribe\":{\"channel\":\"" + channels_[i] + "\"}}";
    }
    subscribe_frame_ = ws_frame(subs);
    pong_frame_ = ws_frame("{}");
  }
  ~Worker() {
    for (auto& c : conns_)
      if (c->fd >= 0) ::close(c->fd);
    ::close(ep_);
  }

  Counters c;
  std::atomic<long> target{0};      // connections this worker should have opened
  std::atomic<int> max_inflight{64};
  std::atomic<bool> close_all{false};
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<int64_t> samples[kMaxPhases];  // latency, ns
  std::vector<uint64_t> connect_ns, session_ns;

  void run() {
    epoll_event evs[512];
    uint64_t last_check = now_ns();
    bool closed = false, churn = false;
    while (!g_stop.load(std::memory_order_relaxed)) {
      const bool want_churn = g_churn.load(std::memory_order_relaxed);
      if (want_churn && !churn)
        for (auto& cp : conns_) churn_next(*cp);
      churn = want_churn;
      if (close_all.load(std::memory_order_relaxed) && !closed) {
        for (auto& cp : conns_) shut(*cp);
        closed = true;
      }
      if (!closed) open_more();
      int n = epoll_wait(ep_, evs, 512, 5);
      for (int i = 0; i < n; ++i) {
        Conn& cn = *conns_[evs[i].data.u32];
        if (cn.state == kDead) continue;
        if (evs[i].events & (EPOLLOUT)) on_writable(cn);
        if (cn.state != kDead && (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) on_readable(cn);
      }
      uint64_t t = now_ns();
      if (t - last_check > 200000000u) {
        last_check = t;
        check_timeouts(t);
      }
    }
  }

 private:
  int id_;
  int ep_;
  sockaddr_in addr_;
  std::vector<std::string> channels_;
  bool latency_;
  std::vector<char> buf_;
  std::string upgrade_, connect_frame_, subscribe_frame_, pong_frame_;
  long opened_ = 0;
  int inflight_ = 0;

  void open_more() {
    long want = target.load(std::memory_order_relaxed);
    int cap = max_inflight.load(std::memory_order_relaxed);
    while (opened_ < want && inflight_ < cap) {
      auto cp = std::make_unique<Conn>();
      Conn& cn = *cp;
      cn.t0 = now_ns();
      uint32_t idx = uint32_t(conns_.size());
      cn.idx = idx;
      conns_.push_back(std::move(cp));
      ++opened_;
      ++inflight_;
      bump(c.started, 1);
      cn.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (cn.fd < 0) {
        fail(cn, std::string("socket: ") + strerror(errno));
        continue;
      }
      int one = 1;
      setsockopt(cn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      int r = ::connect(cn.fd, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_);
      if (r < 0 && errno != EINPROGRESS) {
        fail(cn, std::string("connect: ") + strerror(errno));
        continue;
      }
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT;
      ev.data.u32 = idx;
      cn.writing = true;
      epoll_ctl(ep_, EPOLL_CTL_ADD, cn.fd, &ev);
      cn.out = upgrade_;
    }
  }

  void arm(Conn& cn, bool out) {
    if (cn.writing == out) return;
    cn.writing = out;
    epoll_event ev{};
    ev.events = EPOLLIN | (out ? uint32_t(EPOLLOUT) : 0u);
    ev.data.u32 = cn.idx;
    epoll_ctl(ep_, EPOLL_CTL_MOD, cn.fd, &ev);
  }


  void send_bytes(Conn& cn, const std::string& bytes) {
    if (cn.state == kDead) return;
    if (!cn.out.empty() || cn.state == kConnecting) {
      cn.out += bytes;
      return;
    }
    ssize_t w = ::send(cn.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (w == ssize_t(bytes.size())) return;
    if (w < 0) {
      if (errno != EAGAIN) return lose(cn, std::string("send: ") + strerror(errno));
      w = 0;
    }
    cn.out.assign(bytes, size_t(w));
    arm(cn, true);
  }

  void on_writable(Conn& cn) {
    if (cn.state == kConnecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(cn.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) return fail(cn, std::string("connect: ") + strerror(err));
      cn.state = kHandshake;
    }
    while (!cn.out.empty()) {
      ssize_t w = ::send(cn.fd, cn.out.data(), cn.out.size(), MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EAGAIN) return;
        return cn.state == kReady ? lose(cn, std::string("send: ") + strerror(errno))
                                  : fail(cn, std::string("send: ") + strerror(errno));
      }
      cn.out.erase(0, size_t(w));
    }
    arm(cn, false);
  }

  void on_readable(Conn& cn) {
    for (;;) {
      ssize_t r = ::recv(cn.fd, buf_.data(), buf_.size(), 0);
      if (r > 0) {
        bump(c.reads, 1);
        bump(c.bytes, uint64_t(r));
        feed(cn, buf_.data(), size_t(r));
        if (cn.state == kDead || size_t(r) < buf_.size()) return;
        continue;
      }
      if (r == 0) {
        char why[64];
        snprintf(why, sizeof why, "closed by the server (close code %d)", cn.close_code);
        return cn.state == kReady ? lose(cn, why) : fail(cn, why);
      }
      if (errno == EAGAIN || errno == EINTR) return;
      return cn.state == kReady ? lose(cn, std::string("recv: ") + strerror(errno))
                                : fail(cn, std::string("recv: ") + strerror(errno));
    }
  }

  // New bytes: an HTTP answer first, then WebSocket frames.
  void feed(Conn& cn, const char* p, size_t n) {
    if (cn.state == kHandshake || cn.state == kConnecting) {
      cn.pend.append(p, n);
      size_t end = cn.pend.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (cn.pend.size() > 16384) fail(cn, "handshake answer too long");
        return;
      }
      if (cn.pend.compare(0, 12, "HTTP/1.1 101") != 0)
        return fail(cn, "handshake: " + cn.pend.substr(0, cn.pend.find('\r')));
      std::string rest = cn.pend.substr(end + 4);
      cn.pend.clear();
      cn.state = kSetup;
      cn.setup_phase = 0;
      cn.awaiting = 1;
      send_bytes(cn, connect_frame_);
      if (!rest.empty()) frames(cn, rest.data(), rest.size(), true);
      return;
    }
    if (cn.pend.empty()) {
      size_t used = frames(cn, p, n, false);
      if (cn.state != kDead && used < n) cn.pend.assign(p + used, n - used);
    } else {
      cn.pend.append(p, n);
      size_t used = frames(cn, cn.pend.data(), cn.pend.size(), false);
      if (cn.state != kDead) cn.pend.erase(0, used);
    }
  }

  // Parses whole frames from p; returns the bytes consumed.
  size_t frames(Conn& cn, const char* p, size_t n, bool keep_rest) {
    size_t off = 0;
    uint64_t at = latency_ ? now_ns() : 0;
    while (n - off >= 2 && cn.state != kDead) {
      auto b = reinterpret_cast<const uint8_t*>(p + off);
      bool fin = b[0] & 0x80;
      uint8_t op = b[0] & 0x0f;
      bool masked = b[1] & 0x80;
      uint64_t len = b[1] & 0x7f;
      size_t h = 2;
      if (len == 126) {
        if (n - off < 4) break;
        len = (uint64_t(b[2]) << 8) | b[3];
        h = 4;
      } else if (len == 127) {
        if (n - off < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
        h = 10;
      }
      if (masked) h += 4;
      if (n - off < h + len) break;
      const char* payload = p + off + h;
      std::string unmasked;
      if (masked) {
        unmasked.assign(payload, len);
        for (size_t i = 0; i < len; ++i) unmasked[i] ^= char(b[h - 4 + (i % 4)]);
        payload = unmasked.data();
      }
      off += h + len;
      frame(cn, fin, op, payload, size_t(len), at);
    }
    if (keep_rest && off < n && cn.state != kDead) cn.pend.append(p + off, n - off);
    return keep_rest ? n : off;
  }

  void frame(Conn& cn, bool fin, uint8_t op, const char* p, size_t n, uint64_t at) {
    switch (op) {
      case 0x0:  // continuation
        cn.frag.append(p, n);
        if (fin) {
          std::string msg;
          msg.swap(cn.frag);
          message(cn, msg.data(), msg.size(), at);
        }
        return;
      case 0x1:
      case 0x2:
        if (!fin) {
          cn.frag.assign(p, n);
          cn.frag_op = op;
          return;
        }
        return message(cn, p, n, at);
      case 0x8:
        cn.close_code = n >= 2 ? (uint8_t(p[0]) << 8) | uint8_t(p[1]) : 1005;
        {
          char why[160];
          snprintf(why, sizeof why, "close frame %d %.*s", cn.close_code,
                   int(std::min<size_t>(n > 2 ? n - 2 : 0, 100)), n > 2 ? p + 2 : "");
          return cn.state == kReady ? lose(cn, why) : fail(cn, why);
        }
      case 0x9:
        return send_bytes(cn, ws_frame(std::string_view(p, n), 0xA));
      default:
        return;
    }
  }

  // One WebSocket message: replies and pushes separated by newlines.
  void message(Conn& cn, const char* p, size_t n, uint64_t at) {
    bump(c.frames, 1);
    uint64_t pushes = 0;
    const char* end = p + n;
    while (p < end) {
      const char* nl = static_cast<const char*>(memchr(p, '\n', size_t(end - p)));
      const char* le = nl ? nl : end;
      size_t len = size_t(le - p);
      if (len >= 8 && memcmp(p, "{\"push\":", 8) == 0) {
        ++pushes;
        if (latency_) {
          const char* ts = static_cast<const char*>(memmem(p, len, "\"ts\":", 5));
          if (ts) {
            uint64_t v = 0;
            for (const char* q = ts + 5; q < le && *q >= '0' && *q <= '9'; ++q) v = v * 10 + uint64_t(*q - '0');
            int ph = g_phase.load(std::memory_order_relaxed);
            if (ph >= 0 && ph < kMaxPhases) samples[ph].push_back(int64_t(at - v));
          }
        }
      } else if (len == 2 && p[0] == '{' && p[1] == '}') {
        bump(c.pings, 1);
        send_bytes(cn, pong_frame_);
      } else if (len > 0) {
        reply(cn, std::string_view(p, len));
        if (cn.state == kDead) return;
      }
      p = le + 1;
    }
    if (pushes) {
      cn.pushes += pushes;
      bump(c.pushes, pushes);
      bump(c.push_frames, 1);
    }
  }

  // Churn: the next subscribe of a ready, idle connection (while churning).
  void churn_next(Conn& cn) {
    if (cn.state != kReady || cn.churn_step != 0 || !g_churn.load(std::memory_order_relaxed))
      return;
    cn.churn_step = 1;
    bump(c.churning, 1);
    send_bytes(cn, ws_frame("{\"id\":" + std::to_string(2 * cn.churn_seq + 10) +
                            ",\"subscribe\":{\"channel\":\"" + churn_channel(cn) + "\"}}"));
  }
  std::string churn_channel(const Conn& cn) const {
    return opt.channel + ":w" + std::to_string(id_) + "c" + std::to_string(cn.idx) + "s" +
           std::to_string(cn.churn_seq);
  }
  void churn_reply(Conn& cn, std::string_view line) {
    const bool error = line.find("\"error\"") != std::string_view::npos;
    if (error) {
      bump(c.churn_errors, 1);
      note("churn error reply: " + std::string(line.substr(0, 160)));
    }
    if (cn.churn_step == 1) {
      if (error) {  // not subscribed: nothing to undo, the next cycle takes a new channel
        ++cn.churn_seq;
        cn.churn_step = 0;
        bump(c.churning, uint64_t(-1));
        return churn_next(cn);
      }
      bump(c.subscribed, 1);
      cn.churn_step = 2;
      send_bytes(cn, ws_frame("{\"id\":" + std::to_string(2 * cn.churn_seq + 11) +
                              ",\"unsubscribe\":{\"channel\":\"" + churn_channel(cn) + "\"}}"));
      return;
    }
    if (!error) bump(c.unsubscribed, 1);
    ++cn.churn_seq;
    cn.churn_step = 0;
    bump(c.churning, uint64_t(-1));
    churn_next(cn);
  }

  void reply(Conn& cn, std::string_view line) {
    if (cn.state == kReady && cn.churn_step != 0) return churn_reply(cn, line);
    if (cn.state != kSetup) {
      bump(c.unexpected, 1);
      note("unexpected message: " + std::string(line.substr(0, 120)));
      return;
    }
    if (line.find("\"error\"") != std::string_view::npos)
      return fail(cn, "error reply: " + std::string(line.substr(0, 160)));
    if (--cn.awaiting > 0) return;
    if (cn.setup_phase == 0) {
      cn.t_connect = now_ns();
      if (!channels_.empty()) {
        cn.setup_phase = 1;
        cn.awaiting = uint16_t(channels_.size());
        send_bytes(cn, subscribe_frame_);
        return;
      }
    }
    cn.t_ready = now_ns();
    cn.state = kReady;
    --inflight_;
    connect_ns.push_back(cn.t_connect - cn.t0);
    session_ns.push_back(cn.t_ready - cn.t0);
    bump(c.ready, 1);
  }

  void check_timeouts(uint64_t t) {
    uint64_t limit = uint64_t(opt.setup_timeout * 1e9);
    if (inflight_ == 0) return;
    for (auto& cp : conns_)
      if (cp->state != kReady && cp->state != kDead && t - cp->t0 > limit) fail(*cp, "setup timeout");
  }

  void close_fd(Conn& cn) {
    if (cn.fd >= 0) {
      epoll_ctl(ep_, EPOLL_CTL_DEL, cn.fd, nullptr);
      ::close(cn.fd);
      cn.fd = -1;
    }
    cn.state = kDead;
    std::string().swap(cn.pend);
    std::string().swap(cn.out);
    std::string().swap(cn.frag);
  }

  void fail(Conn& cn, const std::string& why) {  // during setup
    if (cn.state == kDead) return;
    --inflight_;
    bump(c.failed, 1);
    note("setup failed: " + why);
    cn.why = why;
    close_fd(cn);
  }

  void lose(Conn& cn, const std::string& why) {  // after setup
    if (cn.state == kDead) return;
    if (!cn.closing) {
      bump(c.lost, 1);
      note("connection lost: " + why);
    }
    cn.why = why;
    close_fd(cn);
  }

  void shut(Conn& cn) {
    if (cn.state == kDead) return;
    if (cn.state != kReady) --inflight_;
    cn.closing = true;
    close_fd(cn);
  }
};

// All workers, their threads, and sums of their counters.
struct Clients {
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> threads;

  Clients(int port, const std::vector<std::string>& channels, bool latency) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(port));
    inet_pton(AF_INET, opt.host.c_str(), &addr.sin_addr);
    for (int i = 0; i < opt.threads; ++i)
      workers.push_back(std::make_unique<Worker>(i, addr, channels, latency));
    for (auto& w : workers) {
      w->max_inflight = std::max(1, opt.concurrency / opt.threads);
      Worker* wp = w.get();
      threads.emplace_back([wp] { wp->run(); });
    }
  }
  ~Clients() { stop(); }
  void stop() {
    if (threads.empty()) return;
    g_stop = true;
    for (auto& t : threads) t.join();
    threads.clear();
  }

  uint64_t sum(std::atomic<uint64_t> Counters::*f) const {
    uint64_t s = 0;
    for (auto& w : workers) s += (w->c.*f).load(std::memory_order_relaxed);
    return s;
  }
  // Opens connections until `total` exist (spread over the workers); waits until they are all
  // ready or failed, at most `limit` seconds. Returns false on any failure.
  bool grow_to(long total, double limit) {
    long per = total / long(workers.size()), extra = total % long(workers.size());
    for (size_t i = 0; i < workers.size(); ++i) workers[i]->target = per + (long(i) < extra ? 1 : 0);
    uint64_t deadline = now_ns() + uint64_t(limit * 1e9);
    while (now_ns() < deadline) {
      uint64_t done = sum(&Counters::ready) + sum(&Counters::failed);
      if (long(done) >= total) break;
      sleep_s(0.005);
    }
    return sum(&Counters::failed) == 0 && long(sum(&Counters::ready)) == total;
  }
  void close_all() {
    for (auto& w : workers) w->close_all = true;
    sleep_s(0.2);
  }
};

// ---------------------------------------------------------------------------------------------
// HTTP API client (blocking, keep-alive)

class Http {
 public:
  Http(int port) : port_(port) {}
  ~Http() {
    if (fd_ >= 0) ::close(fd_);
  }

  // POSTs body to path; true with the body of a 200 answer.
  bool post(const std::string& path, const std::string& body, std::string& answer, std::string& err) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !open(err)) return false;
      std::string req = "POST " + path + " HTTP/1.1\r\nHost: " + opt.host + "\r\nX-API-Key: " +
                        opt.api_key + "\r\nContent-Type: application/json\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
      if (!write_all(req)) {
        reset();
        if (attempt == 0 && fresh_) continue;
        err = "write failed";
        return false;
      }
      int status = 0;
      if (!read_answer(status, answer, err)) {
        reset();
        return false;
      }
      if (status != 200) {
        err = "HTTP " + std::to_string(status) + " " + answer.substr(0, 200);
        return false;
      }
      return true;
    }
    return false;
  }

 private:
  int port_;
  int fd_ = -1;
  bool fresh_ = false;
  std::string buf_;

  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }

  bool open(std::string& err) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(port_));
    inet_pton(AF_INET, opt.host.c_str(), &addr.sin_addr);
    timeval tv{10, 0};  // every read and write is bounded
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      err = std::string("connect: ") + strerror(errno);
      reset();
      return false;
    }
    fresh_ = false;
    return true;
  }

  bool write_all(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t w = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (w <= 0) return false;
      off += size_t(w);
    }
    return true;
  }

  bool fill(std::string& err) {
    char tmp[65536];
    ssize_t r = ::recv(fd_, tmp, sizeof tmp, 0);
    if (r <= 0) {
      err = r == 0 ? "connection closed" : std::string("recv: ") + strerror(errno);
      return false;
    }
    buf_.append(tmp, size_t(r));
    return true;
  }

  bool read_answer(int& status, std::string& body, std::string& err) {
    size_t hend;
    while ((hend = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(err)) return false;
    std::string head = buf_.substr(0, hend);
    buf_.erase(0, hend + 4);
    status = head.size() > 12 ? atoi(head.c_str() + 9) : 0;
    std::string lower = head;
    for (char& ch : lower) ch = char(tolower(uint8_t(ch)));
    body.clear();
    size_t cl = lower.find("\r\ncontent-length:");
    if (cl != std::string::npos) {
      size_t len = size_t(strtoull(lower.c_str() + cl + 17, nullptr, 10));
      while (buf_.size() < len)
        if (!fill(err)) return false;
      body = buf_.substr(0, len);
      buf_.erase(0, len);
    } else if (lower.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
      for (;;) {
        size_t le;
        while ((le = buf_.find("\r\n")) == std::string::npos)
          if (!fill(err)) return false;
        size_t len = size_t(strtoull(buf_.c_str(), nullptr, 16));
        while (buf_.size() < le + 2 + len + 2)
          if (!fill(err)) return false;
        body.append(buf_, le + 2, len);
        buf_.erase(0, le + 2 + len + 2);
        if (len == 0) break;
      }
    }
    if (lower.find("\r\nconnection: close") != std::string::npos) reset();
    return true;
  }
};

std::string publish_body(const std::string& channel, uint64_t n) {
  char b[256];
  snprintf(b, sizeof b, "{\"channel\":\"%s\",\"data\":{\"n\":%" PRIu64 ",\"ts\":%" PRIu64 "}}",
           channel.c_str(), n, now_ns());
  return b;
}

// ---------------------------------------------------------------------------------------------
// Scenario helpers

std::vector<std::string> problems;

std::vector<std::string> channels_for_mode() {
  if (opt.channels_mode == "shared") return {"bench:a", "bench:b"};
  if (opt.channels_mode == "none") return {};
  return {opt.channel};
}

template <class V>
double pct(V& sorted, double p) {
  if (sorted.empty()) return 0;
  long i = long(p / 100 * double(sorted.size()) + 0.5) - 1;
  i = std::clamp<long>(i, 0, long(sorted.size()) - 1);
  return double(sorted[size_t(i)]);
}

void dist_json(Json& j, const char* key, std::vector<int64_t>& v) {
  std::sort(v.begin(), v.end());
  j.open(key);
  j.num("n", double(v.size()));
  j.num("p50_ms", pct(v, 50) / 1e6);
  j.num("p90_ms", pct(v, 90) / 1e6);
  j.num("p99_ms", pct(v, 99) / 1e6);
  j.num("p999_ms", pct(v, 99.9) / 1e6);
  j.num("max_ms", v.empty() ? 0 : double(v.back()) / 1e6);
  j.num("min_ms", v.empty() ? 0 : double(v.front()) / 1e6);
  j.close();
}

void notes_json(Json& j, const Clients* cl) {
  if (cl) {
    j.num("setup_failed", double(cl->sum(&Counters::failed)));
    j.num("connections_lost", double(cl->sum(&Counters::lost)));
    j.num("unexpected_messages", double(cl->sum(&Counters::unexpected)));
    j.num("pings_answered", double(cl->sum(&Counters::pings)));
  }
  std::lock_guard<std::mutex> lock(g_note_mu);
  for (auto& [why, n] : g_notes) problems.push_back(why + " (x" + std::to_string(n) + ")");
  j.open_array("problems");
  for (auto& p : problems) {
    j.sep();
    j.s += '"';
    for (char ch : p) {
      if (ch == '"' || ch == '\\') j.s += '\\';
      j.s += uint8_t(ch) < 0x20 ? ' ' : ch;
    }
    j.s += '"';
    j.first = false;
  }
  j.close_array();
}

bool connect_or_report(Clients& cl, long n, const char* what) {
  uint64_t t0 = now_ns();
  bool ok = cl.grow_to(n, opt.setup_timeout + double(n) / 200.0 + 10);
  say("%ld %s clients ready in %.2f s (failed %" PRIu64 ")", long(cl.sum(&Counters::ready)), what,
      double(now_ns() - t0) / 1e9, cl.sum(&Counters::failed));
  if (!ok) problems.push_back("not every client connected and subscribed");
  return ok;
}

// ---------------------------------------------------------------------------------------------
// S1: connect storm

int run_connect() {
  Clients cl(opt.port, channels_for_mode(), false);
  Sample a = take_sample();
  bool ok = cl.grow_to(opt.clients, opt.setup_timeout + double(opt.clients) / 100.0 + 10);
  // The storm ends when the last session is ready.
  uint64_t last = 0;
  for (auto& w : cl.workers)
    for (auto& c : w->conns_) last = std::max(last, c->t_ready);
  Sample b = take_sample();
  if (last > a.at) b.at = last;
  uint64_t ready = cl.sum(&Counters::ready);
  if (!ok) problems.push_back("not every session was set up");
  double wall = double(b.at - a.at) / 1e9;
  say("connect storm: %" PRIu64 " sessions in %.2f s (%.0f/s)", ready, wall, double(ready) / wall);
  sleep_s(0.5);
  cl.close_all();
  cl.stop();
  std::vector<int64_t> conn, sess;
  for (auto& w : cl.workers) {
    conn.insert(conn.end(), w->connect_ns.begin(), w->connect_ns.end());
    sess.insert(sess.end(), w->session_ns.begin(), w->session_ns.end());
  }
  Json j;
  j.open();
  j.str("scenario", "connect");
  j.num("clients", opt.clients);
  j.num("concurrency", opt.concurrency);
  j.num("sessions", double(ready));
  j.num("sessions_per_s", double(ready) / wall);
  window_json(j, a, b);
  dist_json(j, "connect_time", conn);
  dist_json(j, "session_time", sess);
  notes_json(j, &cl);
  j.close();
  puts(j.s.c_str());
  return problems.empty() ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// S2: memory against connections

int run_idle() {
  if (opt.server_pid <= 0) usage("idle needs --server-pid");
  if (opt.steps.empty()) opt.steps = {0, long(opt.clients)};
  {
    Http api(opt.api_port);  // warm the API path before the baseline
    std::string ans, err;
    if (!api.post("/api/info", "{}", ans, err)) problems.push_back("info: " + err);
  }
  sleep_s(1);
  Clients cl(opt.port, channels_for_mode(), false);
  Mem m0 = proc_mem(opt.server_pid);
  long slab0 = meminfo_kib("Slab:");
  Json j;
  j.open();
  j.str("scenario", "idle");
  j.str("channels", opt.channels_mode);
  j.num("baseline_rss_kib", double(m0.rss));
  j.open_array("points");
  long last_n = 0;
  Mem last = m0;
  long slab_last = slab0;
  for (long n : opt.steps) {
    if (n > 0 && !connect_or_report(cl, n, "idle")) break;
    sleep_s(n > 0 ? opt.idle : 0.5);
    Mem m = proc_mem(opt.server_pid);
    long slab = meminfo_kib("Slab:");
    say("%ld connections: VmRSS %ld KiB (+%ld), RssAnon %ld KiB, machine slab %+ld KiB", n, m.rss,
        m.rss - m0.rss, m.anon, slab - slab0);
    j.open();
    j.num("connections", double(n));
    j.num("rss_kib", double(m.rss));
    j.num("anon_kib", double(m.anon));
    j.num("slab_delta_kib", double(slab - slab0));
    j.close();
    last_n = n, last = m, slab_last = slab;
  }
  j.close_array();
  j.num("connections", double(last_n));
  j.num("rss_delta_kib", double(last.rss - m0.rss));
  j.num("per_connection_bytes", last_n ? double(last.rss - m0.rss) * 1024 / double(last_n) : 0);
  j.num("per_connection_anon_bytes", last_n ? double(last.anon - m0.anon) * 1024 / double(last_n) : 0);
  j.num("slab_per_connection_bytes", last_n ? double(slab_last - slab0) * 1024 / double(last_n) : 0);
  cl.close_all();
  cl.stop();
  notes_json(j, &cl);
  j.close();
  puts(j.s.c_str());
  return problems.empty() ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// S3: fan-out

int run_fanout() {
  Clients cl(opt.port, channels_for_mode(), false);
  if (!connect_or_report(cl, opt.clients, "subscribed")) {
    cl.close_all();
    cl.stop();
    Json j;
    j.open();
    j.str("scenario", "fanout");
    notes_json(j, &cl);
    j.close();
    puts(j.s.c_str());
    return 1;
  }
  const uint64_t n = uint64_t(opt.clients);
  std::atomic<uint64_t> published{0};
  std::atomic<bool> stop_pub{false};
  std::mutex err_mu;
  std::string pub_err;
  std::vector<std::thread> pubs;
  for (int p = 0; p < opt.publishers; ++p) {
    pubs.emplace_back([&] {
      Http api(opt.api_port);
      std::string ans, err;
      while (!stop_pub.load()) {
        uint64_t k = published.load();
        if (k >= uint64_t(opt.window) + cl.sum(&Counters::pushes) / n) {
          sleep_s(0.0001);
          continue;
        }
        if (!published.compare_exchange_weak(k, k + 1)) continue;
        if (!api.post("/api/publish", publish_body(opt.channel, k + 1), ans, err) ||
            ans.find("\"error\"") != std::string::npos) {
          std::lock_guard<std::mutex> lock(err_mu);
          pub_err = "publish: " + (err.empty() ? ans.substr(0, 200) : err);
          stop_pub = true;
          return;
        }
      }
    });
  }
  sleep_s(opt.warmup);
  Sample a = take_sample();
  uint64_t p0 = cl.sum(&Counters::pushes), f0 = cl.sum(&Counters::push_frames),
           r0 = cl.sum(&Counters::reads), fr0 = cl.sum(&Counters::frames);
  sleep_s(opt.duration);
  Sample b = take_sample();
  uint64_t p1 = cl.sum(&Counters::pushes), f1 = cl.sum(&Counters::push_frames),
           r1 = cl.sum(&Counters::reads), fr1 = cl.sum(&Counters::frames);
  stop_pub = true;
  for (auto& t : pubs) t.join();
  if (!pub_err.empty()) problems.push_back(pub_err);
  uint64_t want = published.load() * n;
  uint64_t d0 = now_ns();
  while (cl.sum(&Counters::pushes) < want && double(now_ns() - d0) / 1e9 < opt.drain) sleep_s(0.01);
  double drain_s = double(now_ns() - d0) / 1e9;
  uint64_t got = cl.sum(&Counters::pushes);
  if (got != want)
    problems.push_back("deliveries " + std::to_string(got) + ", want " + std::to_string(want));
  cl.close_all();
  cl.stop();
  long short_clients = 0;
  for (auto& w : cl.workers)
    for (auto& c : w->conns_)
      if (c->pushes != published.load()) ++short_clients;
  if (short_clients) problems.push_back(std::to_string(short_clients) + " clients did not get every publication");
  double wall = double(b.at - a.at) / 1e9;
  double deliveries = double(p1 - p0);
  double server_cpu = b.server_cpu - a.server_cpu;
  say("fanout: %.0f deliveries/s, %.2f pushes per frame, server CPU %.0f%%, loader CPU %.0f%%",
      deliveries / wall, deliveries / double(std::max<uint64_t>(f1 - f0, 1)), 100 * server_cpu / wall,
      100 * (b.self_cpu - a.self_cpu) / wall);
  Json j;
  j.open();
  j.str("scenario", "fanout");
  j.num("clients", double(n));
  j.num("published", double(published.load()));
  j.num("deliveries", deliveries);
  j.num("deliveries_per_s", deliveries / wall);
  j.num("publications_per_s", deliveries / double(n) / wall);
  j.num("deliveries_per_server_cpu_s", server_cpu > 0 ? deliveries / server_cpu : 0);
  j.num("server_cpu_us_per_delivery", deliveries > 0 ? server_cpu * 1e6 / deliveries : 0);
  j.num("loader_cpu_us_per_delivery", deliveries > 0 ? (b.self_cpu - a.self_cpu) * 1e6 / deliveries : 0);
  j.num("pushes_per_frame", deliveries / double(std::max<uint64_t>(f1 - f0, 1)));
  j.num("messages_per_read", double(fr1 - fr0) / double(std::max<uint64_t>(r1 - r0, 1)));
  j.num("drain_s", drain_s);
  window_json(j, a, b);
  notes_json(j, &cl);
  j.close();
  puts(j.s.c_str());
  return problems.empty() ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// S4: server API publishes

int run_api() {
  std::atomic<uint64_t> done{0};
  std::atomic<int> phase{0};  // 0 warm-up, 1 measured, 2 stop
  std::mutex err_mu;
  std::string api_err;
  std::vector<std::thread> ts;
  const int batch = std::max(1, opt.batch);
  for (int c = 0; c < opt.conns; ++c) {
    ts.emplace_back([&, c] {
      Http api(opt.api_port);
      std::string ans, err;
      uint64_t seq = 0;
      while (phase.load() < 2) {
        std::string path, body;
        if (batch == 1) {
          path = "/api/publish";
          body = publish_body(opt.channel, ++seq);
        } else {
          path = "/api/batch";
          body = "{\"commands\":[";
          for (int i = 0; i < batch; ++i) {
            if (i) body += ',';
            body += "{\"publish\":" + publish_body(opt.channel, ++seq) + "}";
          }
          body += "]}";
        }
        if (!api.post(path, body, ans, err) || ans.find("\"error\"") != std::string::npos) {
          std::lock_guard<std::mutex> lock(err_mu);
          api_err = "conn " + std::to_string(c) + ": " + (err.empty() ? ans.substr(0, 200) : err);
          phase = 2;
          return;
        }
        if (phase.load() == 1) done.fetch_add(uint64_t(batch));
      }
    });
  }
  sleep_s(opt.warmup);
  phase = 1;
  Sample a = take_sample();
  uint64_t d0 = done.load();
  sleep_s(opt.duration);
  Sample b = take_sample();
  uint64_t d1 = done.load();
  phase = 2;
  for (auto& t : ts) t.join();
  if (!api_err.empty()) problems.push_back(api_err);
  double wall = double(b.at - a.at) / 1e9;
  double pubs = double(d1 - d0);
  double cpu = b.server_cpu - a.server_cpu;
  say("api batch=%d: %.0f publishes/s, server CPU %.0f%%, %.0f publishes per server CPU-s", batch,
      pubs / wall, 100 * cpu / wall, cpu > 0 ? pubs / cpu : 0);
  Json j;
  j.open();
  j.str("scenario", "api");
  j.num("batch", batch);
  j.num("conns", opt.conns);
  j.num("publishes", pubs);
  j.num("publishes_per_s", pubs / wall);
  j.num("publishes_per_server_cpu_s", cpu > 0 ? pubs / cpu : 0);
  j.num("server_cpu_us_per_publish", pubs > 0 ? cpu * 1e6 / pubs : 0);
  window_json(j, a, b);
  notes_json(j, nullptr);
  j.close();
  puts(j.s.c_str());
  return problems.empty() ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// S5: latency at fixed publication rates

int run_latency() {
  if (opt.rates.empty()) usage("latency needs --rates");
  if (opt.rates.size() > size_t(kMaxPhases)) usage("at most 8 rates");
  Clients cl(opt.port, channels_for_mode(), true);
  Json j;
  j.open();
  j.str("scenario", "latency");
  j.num("clients", opt.clients);
  if (!connect_or_report(cl, opt.clients, "subscribed")) {
    cl.close_all();
    cl.stop();
    notes_json(j, &cl);
    j.close();
    puts(j.s.c_str());
    return 1;
  }
  const uint64_t n = uint64_t(opt.clients);
  uint64_t published = 0;
  struct PhaseFig {
    double rate, achieved, deliveries_per_s, pushes_per_frame;
    Sample a, b;
    std::vector<int64_t> rtt;
  };
  std::vector<PhaseFig> figs;
  Http api(opt.api_port);
  for (size_t ph = 0; ph < opt.rates.size(); ++ph) {
    g_phase = int(ph);
    double rate = opt.rates[ph];
    uint64_t interval = uint64_t(1e9 / rate);
    uint64_t total = uint64_t(rate * opt.duration + 0.5);
    PhaseFig f{rate, 0, 0, 0, {}, {}, {}};
    uint64_t p0 = cl.sum(&Counters::pushes), fr0 = cl.sum(&Counters::push_frames);
    f.a = take_sample();
    uint64_t next = f.a.at;
    uint64_t sent = 0;
    std::string ans, err;
    for (uint64_t i = 0; i < total; ++i) {
      uint64_t t = now_ns();
      if (t < next) sleep_s(double(next - t) / 1e9);
      // A late publication is sent at once but does not make the next ones burst.
      next = std::max(next, now_ns() - interval) + interval;
      uint64_t s0 = now_ns();
      if (!api.post("/api/publish", publish_body(opt.channel, ++published), ans, err) ||
          ans.find("\"error\"") != std::string::npos) {
        problems.push_back("publish: " + (err.empty() ? ans.substr(0, 200) : err));
        break;
      }
      f.rtt.push_back(int64_t(now_ns() - s0));
      ++sent;
    }
    // The window is the schedule's: total publications, one interval each.
    uint64_t end = f.a.at + total * interval;
    if (problems.empty() && now_ns() < end) sleep_s(double(end - now_ns()) / 1e9);
    f.b = take_sample();
    uint64_t p1 = cl.sum(&Counters::pushes), fr1 = cl.sum(&Counters::push_frames);
    double wall = double(f.b.at - f.a.at) / 1e9;
    f.achieved = double(sent) / wall;
    f.deliveries_per_s = double(p1 - p0) / wall;
    f.pushes_per_frame = double(p1 - p0) / double(std::max<uint64_t>(fr1 - fr0, 1));
    uint64_t want = published * n;
    uint64_t d0 = now_ns();
    while (cl.sum(&Counters::pushes) < want && double(now_ns() - d0) / 1e9 < opt.drain) sleep_s(0.005);
    if (cl.sum(&Counters::pushes) != want)
      problems.push_back("rate " + std::to_string(rate) + ": deliveries " +
                         std::to_string(cl.sum(&Counters::pushes)) + ", want " + std::to_string(want));
    say("latency phase %zu: %.2f publications/s asked, %.2f sent, %.0f deliveries/s, server CPU %.0f%%",
        ph, rate, f.achieved, f.deliveries_per_s, 100 * (f.b.server_cpu - f.a.server_cpu) / wall);
    figs.push_back(std::move(f));
    if (!problems.empty()) break;
    g_phase = kMaxPhases;  // between phases: nothing is recorded
    sleep_s(opt.pause);
  }
  cl.close_all();
  cl.stop();
  j.open_array("phases");
  for (size_t ph = 0; ph < figs.size(); ++ph) {
    auto& f = figs[ph];
    std::vector<int64_t> all;
    for (auto& w : cl.workers) all.insert(all.end(), w->samples[ph].begin(), w->samples[ph].end());
    j.open();
    j.num("rate", f.rate);
    j.num("publications_per_s", f.achieved);
    j.num("deliveries_per_s", f.deliveries_per_s);
    j.num("pushes_per_frame", f.pushes_per_frame);
    window_json(j, f.a, f.b);
    dist_json(j, "latency", all);
    dist_json(j, "publish_rtt", f.rtt);
    j.close();
  }
  j.close_array();
  notes_json(j, &cl);
  j.close();
  puts(j.s.c_str());
  return problems.empty() ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// S7: subscribe/unsubscribe churn (each cycle a channel of its own: one occupied and one
// vacated channel state event per cycle)

int run_churn() {
  Clients cl(opt.port, {}, false);
  if (!connect_or_report(cl, opt.clients, "connected")) {
    cl.close_all();
    cl.stop();
    Json j;
    j.open();
    j.str("scenario", "churn");
    notes_json(j, &cl);
    j.close();
    puts(j.s.c_str());
    return 1;
  }
  g_churn = true;
  sleep_s(opt.warmup);
  Sample a = take_sample();
  uint64_t subs_a = cl.sum(&Counters::subscribed);
  sleep_s(opt.duration);
  Sample b = take_sample();
  uint64_t subs_b = cl.sum(&Counters::subscribed);
  g_churn = false;
  // Every connection finishes its cycle: all it subscribed is unsubscribed again.
  uint64_t deadline = now_ns() + uint64_t(opt.drain * 1e9);
  while (cl.sum(&Counters::churning) > 0 && now_ns() < deadline) sleep_s(0.01);
  const uint64_t subscribed = cl.sum(&Counters::subscribed);
  const uint64_t unsubscribed = cl.sum(&Counters::unsubscribed);
  if (cl.sum(&Counters::churning) > 0) problems.push_back("churn did not settle within --drain");
  if (subscribed != unsubscribed) problems.push_back("not every subscription was undone");
  double wall = double(b.at - a.at) / 1e9;
  say("churn: %" PRIu64 " subscribe/unsubscribe cycles in the window (%.0f/s); %" PRIu64
      " in all", subs_b - subs_a, double(subs_b - subs_a) / wall, subscribed);
  cl.close_all();
  cl.stop();
  Json j;
  j.open();
  j.str("scenario", "churn");
  j.num("clients", opt.clients);
  j.num("cycles_per_s", double(subs_b - subs_a) / wall);
  j.num("subscribed", double(subscribed));
  j.num("unsubscribed", double(unsubscribed));
  j.num("churn_errors", double(cl.sum(&Counters::churn_errors)));
  window_json(j, a, b);
  notes_json(j, &cl);
  j.close();
  puts(j.s.c_str());
  return problems.empty() ? 0 : 1;
}

void watchdog(int) {
  static const char msg[] = "loader: watchdog: --max-runtime reached\n";
  ssize_t ignored = write(2, msg, sizeof msg - 1);
  (void)ignored;
  _exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  opt = parse(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGALRM, watchdog);
  alarm(unsigned(std::max(1.0, opt.max_runtime)));
  setvbuf(stdout, nullptr, _IOLBF, 0);
  if (opt.mode == "connect") return run_connect();
  if (opt.mode == "idle") return run_idle();
  if (opt.mode == "fanout") return run_fanout();
  if (opt.mode == "api") return run_api();
  if (opt.mode == "latency") return run_latency();
  if (opt.mode == "churn") return run_churn();
  usage("unknown mode");
}
