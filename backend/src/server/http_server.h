// File: server/http_server.h
//
// The HTTP/1.1 server (Boost.Beast + Asio, hidden behind a pimpl so Beast never
// reaches an includer). Keep-alive, one request at a time per connection (no
// pipelining beyond that), a body limit (413), a header/body read timeout, a
// thread pool, and graceful shutdown: on Stop() (or SIGINT/SIGTERM when
// `handle_signals`) it stops accepting, closes idle connections, lets in-flight
// requests finish and then Run() returns.
//
//   HttpServer server(options, router);
//   RC_ASSIGN_OR_RETURN(int port, server.Start());
//   server.Run();  // blocks until shutdown
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "server/hub.h"
#include "server/router.h"

namespace rc::server {

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  int port = 8182;                    // 0 = any free port (see Start())
  int threads = 2;                    // I/O + handler threads
  // Threads of the websocket sessions' own io_context (WS_THREADS). A
  // broadcast to 10,000 sessions posts 10,000 writes: on their own threads
  // they share the CPU with HTTP requests instead of queueing ahead of them.
  // 2 = the cores this service is sized for; 0 = sessions stay on the HTTP threads.
  int websocket_threads = 2;
  int64_t max_body_bytes = 1 << 20;   // larger bodies get 413
  int request_timeout_seconds = 30;   // for reading one request (header + body)
  int shutdown_grace_seconds = 15;    // in-flight requests get this long after Stop()
  bool handle_signals = false;        // stop gracefully on SIGINT/SIGTERM
  Hub* hub = nullptr;                 // websocket upgrades of /ws go here (not owned); null = none
  std::vector<std::string> cors_allowed_origins;  // CORS_ALLOWED_ORIGINS (server/request_pipeline.h)
  // Paths answered on the accept thread (its own io_context and thread, named
  // rc-http-accept): every connection starts there, and one whose request is
  // for another path moves to the `threads` pool for good. A health probe
  // thus never queues behind the requests the pool is busy with, and its
  // thread, asleep most of the time, gets a core as soon as it wakes. Only
  // cheap handlers that wait for no lock held long belong here. Empty: every
  // connection goes straight to the pool.
  std::vector<std::string> accept_thread_paths = {"/health"};
};

// Called once per request after the response is produced (for access logs and
// metrics). `route` is the matched template or "unmatched".
using RequestObserver = std::function<void(const Request&, const Response&, const std::string& route, double seconds)>;

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, const Router& router, RequestObserver observer = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. Returns the bound port. Errors: kUnavailable when the
  // address is in use or cannot be bound (message names host:port).
  Result<int> Start();

  // Serves on `threads` threads (plus the accept thread and the websocket
  // threads); returns after a graceful shutdown.
  void Run();

  // Begins graceful shutdown; safe from any thread, idempotent.
  void Stop();

  bool stopping() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rc::server
