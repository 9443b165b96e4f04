// File: server/internal/http_session.h
// Beast-level pieces of the HTTP server. Included only by server .cc files.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <atomic>
#include <memory>
#include <unordered_map>

#include "core/mutex.h"
#include "server/http_server.h"
#include "server/request_pipeline.h"

namespace rc::server::internal {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class HttpSession;

// Sessions alive now, so shutdown can close the idle ones. A session removes
// itself from its destructor, so nothing here may hold a session's last
// reference while the mutex is held: that reference's release would run the
// destructor, whose Remove would wait on the mutex this thread holds (it did:
// accept stopped for good). Remove therefore erases by address without
// touching the weak pointers, and ShutdownAll lets its references go after
// unlocking.
class SessionRegistry {
 public:
  void Add(const std::shared_ptr<HttpSession>& session);
  void Remove(const HttpSession* session);
  // Asks every session to close once it is idle.
  void ShutdownAll();
  size_t size() const;

 private:
  mutable Mutex mutex_;
  std::unordered_map<const HttpSession*, std::weak_ptr<HttpSession>> sessions_ RC_GUARDED_BY(mutex_);
};

struct SessionConfig {
  const RequestPipeline* pipeline = nullptr;  // request id, CORS, router, observer
  int64_t max_body_bytes = 1 << 20;
  int request_timeout_seconds = 30;
  SessionRegistry* registry = nullptr;
  std::atomic<bool>* stopping = nullptr;
  Hub* hub = nullptr;
  // Where websocket sessions run (their own threads, see HttpServerOptions::
  // websocket_threads); null = on this session's io_context.
  net::io_context* websocket_ioc = nullptr;
  // Sessions start on the accept thread's io_context when this is set, and
  // move here on the first request for a path not in accept_thread_paths
  // (HttpServerOptions::accept_thread_paths); null = sessions start here.
  net::io_context* pool_ioc = nullptr;
  std::vector<std::string> accept_thread_paths;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `on_pool`: the socket's executor is the pool's (see SessionConfig::pool_ioc).
  HttpSession(tcp::socket&& socket, const SessionConfig& config, bool on_pool);
  ~HttpSession();
  void Start();
  // Closes the connection now if it is waiting for a request; otherwise after
  // the response in flight has been written.
  void Shutdown();

 private:
  void do_read();
  void on_header(beast::error_code ec, std::size_t bytes);
  void on_read(beast::error_code ec, std::size_t bytes);
  // Answers one request that was read completely (on this session's strand).
  void Serve(http::request<http::string_body> message);
  // Hands the connection (descriptor, bytes already read) to a new session on
  // the pool, which serves `message`; this session ends.
  void MoveToPool(http::request<http::string_body> message);
  void do_write(Response response);
  void on_write(bool close, beast::error_code ec, std::size_t bytes);
  void do_close();
  Request ToRequest(const http::request<http::string_body>& message) const;

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const SessionConfig& config_;
  std::string remote_;
  const bool on_pool_;            // false: on the accept thread, serving accept_thread_paths only
  bool busy_ = false;             // handling or writing a request (touched on the strand only)
  bool close_after_write_ = false;
};

}  // namespace rc::server::internal
