// WebSocket load client for scripts/bench_ws_fanout.py (not part of the server).
//
// Holds N WebSocket connections to 127.0.0.1:PORT/ws on one epoll thread, each
// subscribed to one channel, and records when each connection receives each
// numbered message of that channel. The receive time is CLOCK_MONOTONIC, the
// clock Python's time.perf_counter() reads on Linux, so the driver can subtract
// the moment it sent the trigger. A client in C keeps the measurement about the
// server: a Python client spends ~100 us of interpreter time per received
// message, which at 10,000 clients is a second per broadcast by itself.
//
// Build: c++ -O2 -std=c++20 -o ws_fanout_client scripts/ws_fanout_client.cc
// Run:   ws_fanout_client PORT CLIENTS CHANNEL MESSAGES TIMEOUT_SECONDS
// Prints "ready <connected> <failed> <seconds>" once every connection is
// subscribed (or failed), then, when every connection got MESSAGES messages of
// the channel (or was closed), or at the timeout, one line
// "recv <client> <seq> <monotonic_ns>" per message, then
// "done <closed_by_server> <protocol_errors> <complete> <ready>" (complete <
// ready: it stopped at the timeout). While connecting takes long it prints, every
// 10 s on stderr, how many connections wait in which state.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

enum class State { kConnecting, kUpgrading, kSubscribing, kReady, kClosed };

struct Received {
  uint64_t seq;
  int64_t at_ns;
};

struct Conn {
  int fd = -1;
  State state = State::kConnecting;
  std::string in;        // bytes not parsed yet
  std::string message;   // a fragmented message being assembled
  std::string out;       // bytes not written yet
  std::vector<Received> received;
};

// A client frame: FIN, the opcode, masked (RFC 6455 requires clients to mask).
std::string ClientFrame(uint8_t opcode, std::string_view payload) {
  std::string frame;
  frame.push_back(static_cast<char>(0x80 | opcode));
  const size_t n = payload.size();
  if (n < 126) {
    frame.push_back(static_cast<char>(0x80 | n));
  } else {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>((n >> 8) & 0xff));
    frame.push_back(static_cast<char>(n & 0xff));
  }
  const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
  frame.append(reinterpret_cast<const char*>(mask), 4);
  for (size_t i = 0; i < n; ++i) frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  return frame;
}

// The number after "seq": in a hub message.
bool FindSeq(std::string_view text, uint64_t* seq) {
  const size_t at = text.find("\"seq\":");
  if (at == std::string_view::npos) return false;
  *seq = std::strtoull(text.data() + at + 6, nullptr, 10);
  return true;
}

class Client {
 public:
  Client(int port, int clients, std::string channel, size_t messages)
      : port_(port), channel_(std::move(channel)), messages_(messages), conns_(static_cast<size_t>(clients)) {
    epoll_ = epoll_create1(0);
    const std::string body = "{\"op\":\"subscribe\",\"channels\":[\"" + channel_ + "\"]}";
    subscribe_frame_ = ClientFrame(0x1, body);
    upgrade_ = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n";
  }

  // Connects and subscribes every client, at most `in_flight` handshakes at a time.
  void ConnectAll(size_t in_flight, double timeout_seconds) {
    const int64_t deadline = MonotonicNs() + static_cast<int64_t>(timeout_seconds * 1e9);
    size_t next = 0;
    int64_t next_report = MonotonicNs() + 10'000'000'000;
    while ((ready_ + failed_ < conns_.size()) && MonotonicNs() < deadline) {
      while (next < conns_.size() && next - ready_ - failed_ < in_flight) Open(next++);
      Poll(50);
      if (MonotonicNs() > next_report) {  // a slow start says where it waits (stderr; the driver reads stdout)
        ReportStuck();
        next_report += 10'000'000'000;
      }
    }
    for (Conn& conn : conns_) {
      if (conn.state != State::kReady && conn.state != State::kClosed) Fail(conn);
    }
  }

  // Runs until every ready client has `messages_` messages (or was closed), or the deadline.
  void Collect(double timeout_seconds) {
    const int64_t deadline = MonotonicNs() + static_cast<int64_t>(timeout_seconds * 1e9);
    while (MonotonicNs() < deadline && complete_ < ready_) Poll(100);
  }

  void Report() const {
    std::string out;
    for (size_t idx = 0; idx < conns_.size(); ++idx) {
      for (const Received& r : conns_[idx].received) {
        out += "recv " + std::to_string(idx) + " " + std::to_string(r.seq) + " " + std::to_string(r.at_ns) + "\n";
        if (out.size() > (1 << 20)) {
          std::fputs(out.c_str(), stdout);
          out.clear();
        }
      }
    }
    out += "done " + std::to_string(closed_by_server_) + " " + std::to_string(protocol_errors_) + " " +
           std::to_string(complete_) + " " + std::to_string(ready_) + "\n";
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
  }

  size_t ready() const { return ready_; }
  size_t failed() const { return failed_; }

 private:
  void ReportStuck() const {
    size_t by_state[5] = {};
    for (const Conn& conn : conns_) ++by_state[static_cast<int>(conn.state)];
    std::fprintf(stderr, "connecting: %zu, upgrading: %zu, subscribing: %zu, ready: %zu, closed: %zu, errors: %zu\n",
                 by_state[0], by_state[1], by_state[2], by_state[3], by_state[4], protocol_errors_);
    int shown = 0;
    for (size_t idx = 0; idx < conns_.size() && shown < 5; ++idx) {
      const Conn& conn = conns_[idx];
      if (conn.state == State::kReady || conn.state == State::kClosed || conn.fd < 0) continue;
      ++shown;
      std::fprintf(stderr, "  client %zu state %d unsent %zu unparsed %zu: %.200s\n", idx, static_cast<int>(conn.state),
                   conn.out.size(), conn.in.size(), conn.in.c_str());
    }
  }

  void Open(size_t idx) {
    Conn& conn = conns_[idx];
    conn.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (conn.fd < 0) return Fail(conn);
    const int one = 1;
    setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(conn.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
      return Fail(conn);
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    ev.data.u64 = idx;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, conn.fd, &ev);
    conn.out = upgrade_;
  }

  void Fail(Conn& conn) {
    if (conn.state == State::kClosed) return;
    if (conn.state == State::kReady) {
      ++closed_by_server_;
      if (conn.received.size() < messages_) ++complete_;  // it will not get more
    } else {
      ++failed_;
    }
    conn.state = State::kClosed;
    if (conn.fd >= 0) close(conn.fd);
    conn.fd = -1;
  }

  void Poll(int timeout_ms) {
    epoll_event events[1024];
    const int n = epoll_wait(epoll_, events, 1024, timeout_ms);
    for (int i = 0; i < n; ++i) {
      Conn& conn = conns_[events[i].data.u64];
      if (conn.state == State::kClosed) continue;
      if (events[i].events & EPOLLIN) ReadFrom(conn);
      if (conn.state != State::kClosed && (events[i].events & EPOLLOUT)) Flush(conn);
      if (conn.state != State::kClosed && (events[i].events & (EPOLLERR | EPOLLHUP))) Fail(conn);
    }
  }

  void Flush(Conn& conn) {
    while (!conn.out.empty()) {
      const ssize_t n = send(conn.fd, conn.out.data(), conn.out.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return Fail(conn);
      }
      conn.out.erase(0, static_cast<size_t>(n));
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (conn.out.empty() ? 0u : EPOLLOUT);
    ev.data.u64 = static_cast<uint64_t>(&conn - conns_.data());
    epoll_ctl(epoll_, EPOLL_CTL_MOD, conn.fd, &ev);
  }

  void ReadFrom(Conn& conn) {
    char buf[65536];
    for (;;) {
      const ssize_t n = recv(conn.fd, buf, sizeof buf, 0);
      if (n == 0) return Fail(conn);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return Fail(conn);
      }
      conn.in.append(buf, static_cast<size_t>(n));
    }
    const int64_t now = MonotonicNs();  // one receive time for what this read delivered
    if (conn.state == State::kUpgrading || conn.state == State::kConnecting) {
      const size_t end = conn.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      if (conn.in.compare(0, 12, "HTTP/1.1 101") != 0) return Fail(conn);
      conn.in.erase(0, end + 4);
      conn.state = State::kSubscribing;
      conn.out += subscribe_frame_;
      Flush(conn);
    }
    ParseFrames(conn, now);
  }

  void ParseFrames(Conn& conn, int64_t now) {
    size_t pos = 0;
    while (conn.state != State::kClosed && conn.in.size() - pos >= 2) {
      const auto* p = reinterpret_cast<const uint8_t*>(conn.in.data() + pos);
      const bool fin = p[0] & 0x80;
      const uint8_t opcode = p[0] & 0x0f;
      uint64_t len = p[1] & 0x7f;
      size_t header = 2;
      if (len == 126) {
        if (conn.in.size() - pos < 4) break;
        len = (uint64_t{p[2]} << 8) | p[3];
        header = 4;
      } else if (len == 127) {
        if (conn.in.size() - pos < 10) break;
        len = 0;
        for (int b = 0; b < 8; ++b) len = (len << 8) | p[2 + b];
        header = 10;
      }
      if (conn.in.size() - pos < header + len) break;
      const std::string_view payload(conn.in.data() + pos + header, len);
      pos += header + len;
      if (opcode == 0x8) {  // close
        Fail(conn);
        break;
      }
      if (opcode == 0x9) {  // ping: answer, as a browser would
        conn.out += ClientFrame(0xA, payload);
        Flush(conn);
        continue;
      }
      if (opcode == 0xA) continue;
      conn.message.append(payload);
      if (!fin) continue;
      OnMessage(conn, conn.message, now);
      conn.message.clear();
    }
    conn.in.erase(0, pos);
  }

  void OnMessage(Conn& conn, std::string_view text, int64_t now) {
    if (conn.state == State::kSubscribing) {
      if (text.find("\"type\":\"subscribed\"") != std::string_view::npos) {
        conn.state = State::kReady;
        ++ready_;
      } else if (text.find("\"type\":\"error\"") != std::string_view::npos) {
        ++protocol_errors_;
      }
      return;
    }
    uint64_t seq = 0;
    if (text.find("\"channel\":\"" + channel_ + "\"") == std::string_view::npos || !FindSeq(text, &seq)) return;
    conn.received.push_back({seq, now});
    if (conn.received.size() == messages_) ++complete_;
  }

  const int port_;
  const std::string channel_;
  const size_t messages_;
  std::vector<Conn> conns_;
  int epoll_ = -1;
  std::string subscribe_frame_, upgrade_;
  size_t ready_ = 0, failed_ = 0, complete_ = 0, closed_by_server_ = 0, protocol_errors_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s PORT CLIENTS CHANNEL MESSAGES TIMEOUT_SECONDS\n", argv[0]);
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const int clients = std::atoi(argv[2]);
  const long messages = std::atol(argv[4]);
  const double timeout = std::atof(argv[5]);
  if (port <= 0 || port > 65535 || clients <= 0 || clients > 100000 || messages < 0 || timeout <= 0) {
    std::fprintf(stderr, "bad arguments\n");
    return 2;
  }
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  Client client(port, clients, argv[3], static_cast<size_t>(messages));
  const int64_t started = MonotonicNs();
  client.ConnectAll(/*in_flight=*/256, timeout);
  std::printf("ready %zu %zu %.3f\n", client.ready(), client.failed(), (MonotonicNs() - started) / 1e9);
  std::fflush(stdout);
  client.Collect(timeout);
  client.Report();
  return 0;
}
