#include "server/http_server.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <thread>

#include "server/internal/http_session.h"
#include "server/request_pipeline.h"

namespace rc::server {

using internal::beast::error_code;
using internal::net::ip::tcp;
namespace net = internal::net;

struct HttpServer::Impl {
  HttpServerOptions options;
  RequestPipeline pipeline;
  net::io_context ioc;         // the HTTP pool (options.threads)
  net::io_context accept_ioc;  // the acceptor and options.accept_thread_paths (its own thread)
  net::io_context ws_ioc;      // websocket sessions (options.websocket_threads > 0)
  net::executor_work_guard<net::io_context::executor_type> ws_work{ws_ioc.get_executor()};
  net::executor_work_guard<net::io_context::executor_type> accept_work{accept_ioc.get_executor()};
  // The pool's run() returns once shutdown drained it, not when it merely has
  // no connection yet (the acceptor is on the accept thread).
  std::optional<net::executor_work_guard<net::io_context::executor_type>> pool_work{ioc.get_executor()};
  tcp::acceptor acceptor{accept_ioc};
  net::signal_set signals{ioc};
  net::steady_timer grace_timer{ioc};
  internal::SessionRegistry registry;
  std::atomic<bool> stopping{false};
  internal::SessionConfig session_config;

  Impl(HttpServerOptions opts, const Router& router, RequestObserver observer)
      : options(std::move(opts)), pipeline(router, PipelineOptions{options.cors_allowed_origins}, std::move(observer)) {
    session_config.pipeline = &pipeline;
    session_config.max_body_bytes = options.max_body_bytes;
    session_config.request_timeout_seconds = options.request_timeout_seconds;
    session_config.registry = &registry;
    session_config.stopping = &stopping;
    session_config.hub = options.hub;
    if (options.websocket_threads > 0) session_config.websocket_ioc = &ws_ioc;
    if (!options.accept_thread_paths.empty()) {
      session_config.pool_ioc = &ioc;
      session_config.accept_thread_paths = options.accept_thread_paths;
    }
  }

  // Where a new connection starts: the accept thread when some paths are answered there.
  net::io_context& StartingContext() { return session_config.pool_ioc != nullptr ? accept_ioc : ioc; }

  void do_accept() {
    acceptor.async_accept(net::make_strand(StartingContext()), [this](error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        spdlog::warn("accept failed: {}", ec.message());
      } else {
        auto session =
            std::make_shared<internal::HttpSession>(std::move(socket), session_config, /*on_pool=*/false);
        registry.Add(session);
        session->Start();
      }
      do_accept();
    });
  }

  void BeginShutdown() {
    if (stopping.exchange(true)) return;
    net::post(ioc, [this] {
      spdlog::info("shutting down: no new connections, {} open", registry.size());
      error_code ec;
      // The acceptor lives on the accept thread: close it there.
      net::post(accept_ioc, [this] {
        error_code close_ec;
        acceptor.close(close_ec);
      });
      signals.cancel(ec);
      pool_work.reset();
      registry.ShutdownAll();
      if (options.hub != nullptr) options.hub->CloseAll();
      // Requests still running after the grace period are abandoned.
      grace_timer.expires_after(std::chrono::seconds(options.shutdown_grace_seconds));
      grace_timer.async_wait([this](error_code timer_ec) {
        if (!timer_ec) {
          spdlog::warn("shutdown grace period over; stopping with {} connections open", registry.size());
          ioc.stop();
        }
      });
      // When the last session is gone, cancel the timer so run() can return.
      WaitForDrain();
    });
  }

  void WaitForDrain() {
    if (registry.size() == 0 && (options.hub == nullptr || options.hub->connections() == 0)) {
      grace_timer.cancel();
      return;
    }
    auto poll = std::make_shared<net::steady_timer>(ioc, std::chrono::milliseconds(20));
    poll->async_wait([this, poll](error_code) { WaitForDrain(); });
  }
};

HttpServer::HttpServer(HttpServerOptions options, const Router& router, RequestObserver observer)
    : impl_(std::make_unique<Impl>(std::move(options), router, std::move(observer))) {}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::Start() {
  auto& impl = *impl_;
  const std::string where = impl.options.host + ":" + std::to_string(impl.options.port);
  error_code ec;
  const auto address = net::ip::make_address(impl.options.host, ec);
  if (ec) return InvalidArgument("HOST", "'" + impl.options.host + "' is not an IP address");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(impl.options.port));
  impl.acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl.acceptor.bind(endpoint, ec);
  if (!ec) impl.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("cannot listen on " + where + ": " + ec.message());
  if (impl.options.handle_signals) {
    impl.signals.add(SIGINT);
    impl.signals.add(SIGTERM);
    impl.signals.async_wait([this](error_code signal_ec, int signal_number) {
      if (signal_ec) return;
      spdlog::info("received signal {}, shutting down gracefully", signal_number);
      Stop();
    });
  }
  impl.do_accept();
  return static_cast<int>(impl.acceptor.local_endpoint().port());
}

void HttpServer::Run() {
  auto& impl = *impl_;
  const int extra = std::max(0, impl.options.threads - 1);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(extra));
  for (int thread_idx = 0; thread_idx < extra; ++thread_idx) threads.emplace_back([&impl] { impl.ioc.run(); });
  for (int thread_idx = 0; thread_idx < impl.options.websocket_threads; ++thread_idx) {
    threads.emplace_back([&impl] { impl.ws_ioc.run(); });
  }
  threads.emplace_back([&impl] {
    pthread_setname_np(pthread_self(), "rc-http-accept");
    impl.accept_ioc.run();
  });
  impl.ioc.run();
  // Shutdown closed every websocket (or the grace period ran out): whatever is
  // left on the websocket and accept threads is abandoned, as on the HTTP ones.
  impl.ws_work.reset();
  impl.ws_ioc.stop();
  impl.accept_work.reset();
  impl.accept_ioc.stop();
  for (auto& thread : threads) thread.join();
}

void HttpServer::Stop() { impl_->BeginShutdown(); }

bool HttpServer::stopping() const { return impl_->stopping.load(); }

}  // namespace rc::server
