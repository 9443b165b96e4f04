#include "server/internal/http_session.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "core/build_info.h"
#include "server/internal/request_target.h"
#include "server/internal/ws_session.h"

namespace rc::server::internal {

void SessionRegistry::Add(const std::shared_ptr<HttpSession>& session) {
  MutexLock lock(mutex_);
  sessions_.emplace(session.get(), session);
}

void SessionRegistry::Remove(const HttpSession* session) {
  MutexLock lock(mutex_);
  sessions_.erase(session);
}

void SessionRegistry::ShutdownAll() {
  std::vector<std::shared_ptr<HttpSession>> alive;  // released after the unlock (see the class comment)
  {
    MutexLock lock(mutex_);
    for (const auto& [address, weak] : sessions_) {
      if (auto session = weak.lock()) alive.push_back(std::move(session));
    }
  }
  for (auto& session : alive) session->Shutdown();
}

size_t SessionRegistry::size() const {
  MutexLock lock(mutex_);
  return sessions_.size();
}

HttpSession::HttpSession(tcp::socket&& socket, const SessionConfig& config, bool on_pool)
    : stream_(std::move(socket)), config_(config), on_pool_(on_pool || config.pool_ioc == nullptr) {
  beast::error_code ec;
  const auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

HttpSession::~HttpSession() {
  if (config_.registry) config_.registry->Remove(this);
}

void HttpSession::Start() {
  // Run on the session's strand (the stream's executor).
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

void HttpSession::Shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->busy_) {
      self->close_after_write_ = true;
    } else {
      self->do_close();
    }
  });
}

void HttpSession::do_read() {
  if (config_.stopping->load()) return do_close();
  parser_.emplace();
  parser_->body_limit(static_cast<std::uint64_t>(config_.max_body_bytes));
  parser_->header_limit(16 * 1024);
  stream_.expires_after(std::chrono::seconds(config_.request_timeout_seconds));
  // Header first: from the moment a request's header has arrived the request
  // is in flight, and a graceful shutdown waits for it to finish.
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
}

void HttpSession::on_header(beast::error_code ec, std::size_t bytes) {
  if (ec || parser_->is_done()) return on_read(ec, bytes);
  busy_ = true;
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

Request HttpSession::ToRequest(const http::request<http::string_body>& message) const {
  Request request;
  request.method = std::string(message.method_string());
  request.remote = remote_;
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers[name] = std::string(field.value());
  }
  request.body = message.body();
  ParseRequestTarget(message.target(), request);
  return request;
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
      ec == net::error::connection_reset || ec == net::error::eof || ec == http::error::partial_message) {
    busy_ = false;
    return do_close();
  }
  busy_ = true;
  if (ec) {
    // The request could not be read: answer once, then close the connection
    // (the stream position is unknown after a parse error).
    Error error{ErrorCode::kMalformed, "malformed HTTP request: " + ec.message(), ""};
    if (ec == http::error::body_limit) {
      error = Error{ErrorCode::kPayloadTooLarge,
                    "request body exceeds the limit of " + std::to_string(config_.max_body_bytes) + " bytes",
                    "body"};
    } else if (ec == http::error::header_limit) {
      error = Error{ErrorCode::kPayloadTooLarge, "request header exceeds 16 KiB", "header"};
    }
    Request request;
    request.method = parser_ && parser_->is_header_done() ? std::string(parser_->get().method_string()) : "?";
    request.path = parser_ && parser_->is_header_done() ? std::string(parser_->get().target()) : "?";
    request.remote = remote_;
    if (parser_ && parser_->is_header_done()) {
      for (const char* name : {"x-request-id", "origin"}) {
        const auto value = parser_->get()[name];
        if (!value.empty()) request.headers[name] = std::string(value);
      }
    }
    Response response = config_.pipeline->Reject(request, error);
    response.close_connection = true;
    return do_write(std::move(response));
  }
  Serve(parser_->release());
}

void HttpSession::Serve(http::request<http::string_body> message) {
  Request request = ToRequest(message);
  if (!on_pool_ && std::find(config_.accept_thread_paths.begin(), config_.accept_thread_paths.end(), request.path) ==
                       config_.accept_thread_paths.end()) {
    return MoveToPool(std::move(message));
  }
  if (config_.hub != nullptr && request.path == "/ws" && websocket::is_upgrade(message)) {
    if (auto refused = config_.pipeline->RefuseWebsocketOrigin(request)) {
      refused->close_connection = true;
      return do_write(std::move(*refused));
    }
    // The connection becomes a websocket session; this HTTP session ends here.
    Response switching;
    switching.status = 101;
    config_.pipeline->Observe(request, switching, "/ws", 0.0);
    busy_ = false;
    StartWebsocket(stream_.release_socket(), std::move(message), *config_.hub, config_.websocket_ioc);
    return;
  }
  Response response = config_.pipeline->Handle(request);
  if (!message.keep_alive() || config_.stopping->load()) response.close_connection = true;
  if (message.method() == http::verb::head) response.body.clear();
  do_write(std::move(response));
}

void HttpSession::MoveToPool(http::request<http::string_body> message) {
  // No operation is pending on the socket (the request was read): hand the
  // descriptor to a new socket on the pool (a socket object moved between
  // io_contexts would stay registered with the accept thread's reactor).
  beast::error_code ec;
  tcp::socket& socket = stream_.socket();
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return do_close();  // the peer is gone already
  stream_.expires_never();
  const auto fd = socket.release(ec);
  if (ec) return do_close();
  tcp::socket moved(net::make_strand(*config_.pool_ioc));
  moved.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);
    spdlog::warn("cannot move a connection to the HTTP threads: {}", ec.message());
    return;
  }
  auto next = std::make_shared<HttpSession>(std::move(moved), config_, /*on_pool=*/true);
  next->remote_ = remote_;
  next->buffer_ = std::move(buffer_);  // bytes of a pipelined next request, if any
  next->busy_ = true;
  busy_ = false;
  if (config_.registry) config_.registry->Add(next);
  net::dispatch(next->stream_.get_executor(), [next, message = std::move(message)]() mutable {
    // Shutdown began meanwhile: the request is answered all the same (it was read), then the connection closes.
    next->Serve(std::move(message));
  });
}

void HttpSession::do_write(Response response) {
  auto message = std::make_shared<http::response<http::string_body>>();
  message->result(static_cast<unsigned>(response.status));
  message->version(11);
  message->set(http::field::server, std::string("regimecast/") + BuildVersion());
  message->set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) message->set(name, value);
  message->body() = std::move(response.body);
  message->keep_alive(!response.close_connection);
  message->prepare_payload();
  const bool close = response.close_connection;
  stream_.expires_after(std::chrono::seconds(config_.request_timeout_seconds));
  http::async_write(stream_, *message,
                    [self = shared_from_this(), message, close](beast::error_code ec, std::size_t bytes) {
                      self->on_write(close, ec, bytes);
                    });
}

void HttpSession::on_write(bool close, beast::error_code ec, std::size_t) {
  busy_ = false;
  if (ec || close || close_after_write_) return do_close();
  do_read();
}

void HttpSession::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.socket().close(ec);
}

}  // namespace rc::server::internal
