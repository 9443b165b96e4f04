// File: server/internal/ws_session.h
// One websocket client (Beast). Reads JSON commands, writes from a bounded
// queue, sends heartbeats, rate-limits input. Included only by server .cc files.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "server/hub.h"

namespace rc::server::internal {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket&& socket, Hub& hub);
  ~WsSession();

  // Completes the upgrade of `request` and starts reading.
  void Run(http::request<http::string_body> request);
  // Queues a message (thread-safe). Overflow closes this session (1008).
  void Send(std::shared_ptr<const std::string> message);
  // Closes with `code` (thread-safe).
  void Close(websocket::close_code code, std::string reason);

 private:
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void Handle(std::string_view text);
  void SendNow(std::string text);
  // Queues on the strand now (no limit check: callers bound what they add).
  void Enqueue(SharedText message);
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void StartClose();
  void CloseSocketNow();
  void schedule_heartbeat();
  bool TakeToken();

  websocket::stream<tcp::socket> ws_;  // no tcp_stream layer: the websocket timeouts have their own timer
  beast::flat_buffer buffer_;
  Hub& hub_;
  net::steady_timer heartbeat_;
  // Armed by Close(): a peer that does not take the close frame (a client that
  // never reads, its window full) has its socket closed when it fires, instead
  // of holding the descriptor until the 60 s idle timeout.
  net::steady_timer close_deadline_;
  std::deque<std::shared_ptr<const std::string>> queue_;  // on the strand only
  std::set<std::string> channels_;
  bool writing_ = false;
  std::optional<websocket::close_reason> pending_close_;
  bool closed_ = false;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point last_refill_;
  int rate_violations_ = 0;
};

// Upgrades `socket` carrying `request` (a websocket upgrade of /ws) into a session
// of `hub`, or answers 503 when the hub is full or closing. With `ioc`, the
// session moves to a strand of that io_context (the websocket threads), so a
// broadcast to thousands of sessions never queues HTTP requests behind it.
void StartWebsocket(tcp::socket&& socket, http::request<http::string_body> request, Hub& hub,
                    net::io_context* ioc = nullptr);

}  // namespace rc::server::internal
