#include "server/internal/ws_session.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/logging.h"
#include "core/time.h"
#include "monitoring/standard_metrics.h"
#include "server/ws_protocol.h"

namespace rc::server::internal {
namespace {

constexpr size_t kMaxInboundMessageBytes = 64 * 1024;
// How long a closed session waits for its close frame to go out and the peer's
// answer before the socket is closed regardless (CloseSocketNow).
constexpr std::chrono::seconds kCloseHandshakeGrace{1};
// The kernel's send buffer per websocket. Left to autotuning it grows to
// megabytes per connection, so a client that stops reading holds that much
// kernel memory (times 10,000 clients) before WS_SEND_QUEUE_LIMIT even starts
// counting; fixed, the bounded queue is what evicts it, after at most ~40
// messages of ~1.5 KiB in the kernel plus the queue. A reader that keeps up
// never has more than a broadcast or two in flight.
constexpr int kWebsocketSendBufferBytes = 32 * 1024;  // Linux doubles it for bookkeeping

void LimitSendBuffer(tcp::socket& socket) {
  beast::error_code ignored;  // autotuning stays on where the option is refused
  socket.set_option(net::socket_base::send_buffer_size(kWebsocketSendBufferBytes), ignored);
}

}  // namespace

void StartWebsocket(tcp::socket&& socket, http::request<http::string_body> request, Hub& hub,
                    net::io_context* ioc) {
  if (!hub.TryAdmit()) {
    // Full or shutting down: answer 503 and close.
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    auto response = std::make_shared<http::response<http::string_body>>(http::status::service_unavailable, 11);
    response->set(http::field::content_type, "application/json");
    response->body() = hub.closing()
                           ? R"json({"error":{"code":"unavailable","message":"the server is shutting down"}})json"
                           : R"json({"error":{"code":"unavailable","message":"too many websocket connections (WS_MAX_CONNECTIONS)"}})json";
    response->keep_alive(false);
    response->prepare_payload();
    http::async_write(*stream, *response, [stream, response](beast::error_code, std::size_t) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
    return;
  }
  if (ioc != nullptr) {
    // The HTTP session has no operation pending on the socket: hand its descriptor over.
    beast::error_code ec;
    const auto protocol = socket.local_endpoint(ec).protocol();
    if (ec) {
      hub.Release();
      return;  // the peer is gone already
    }
    // A new socket object on the other io_context (moving one between
    // io_contexts would keep it registered with the first one's reactor).
    tcp::socket moved(net::make_strand(*ioc));
    const auto fd = socket.release(ec);
    if (!ec) moved.assign(protocol, fd, ec);
    if (ec) {
      if (fd >= 0) ::close(fd);
      spdlog::warn("websocket upgrade: cannot move the connection to the websocket threads: {}", ec.message());
      hub.Release();
      return;
    }
    LimitSendBuffer(moved);
    auto session = std::make_shared<WsSession>(std::move(moved), hub);
    hub.Track(session);
    return session->Run(std::move(request));
  }
  LimitSendBuffer(socket);
  auto session = std::make_shared<WsSession>(std::move(socket), hub);
  hub.Track(session);
  session->Run(std::move(request));
}


WsSession::WsSession(tcp::socket&& socket, Hub& hub)
    : ws_(std::move(socket)), hub_(hub), heartbeat_(ws_.get_executor()), close_deadline_(ws_.get_executor()) {
  tokens_ = hub_.options().rate_limit_per_second;
  last_refill_ = std::chrono::steady_clock::now();
}

WsSession::~WsSession() {
  hub_.RemoveSession(this, channels_);
  hub_.Release();
  monitoring::WebsocketConnectionsActive().WithLabels(std::vector<std::string>{}).Add(-1);
}

void WsSession::Run(http::request<http::string_body> request) {
  monitoring::WebsocketConnectionsTotal().WithLabels(std::vector<std::string>{}).Inc();
  monitoring::WebsocketConnectionsActive().WithLabels(std::vector<std::string>{}).Add(1);
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(30);
  // Idle = no frame from the peer; Beast pings at half of it, so a live client
  // that only listens is never dropped, and a dead one is noticed.
  timeouts.idle_timeout = std::chrono::seconds(std::max(60, 3 * hub_.options().heartbeat_seconds));
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.read_message_max(kMaxInboundMessageBytes);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "regimecast");
  }));
  auto req = std::make_shared<http::request<http::string_body>>(std::move(request));
  net::dispatch(ws_.get_executor(), [self = shared_from_this(), req] {
    self->ws_.async_accept(*req, [self, req](beast::error_code ec) { self->on_accept(ec); });
  });
}

void WsSession::on_accept(beast::error_code ec) {
  if (ec) {
    spdlog::debug("websocket handshake failed: {}", ec.message());
    return;
  }
  ws_.text(true);
  schedule_heartbeat();
  do_read();
}

void WsSession::schedule_heartbeat() {
  heartbeat_.expires_after(std::chrono::seconds(hub_.options().heartbeat_seconds));
  heartbeat_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    self->SendNow(R"({"type":"heartbeat","ts":")" + FormatIsoUtc(NowMicros()) + "\"}");
    self->schedule_heartbeat();
  });
}

void WsSession::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

bool WsSession::TakeToken() {
  const auto now = std::chrono::steady_clock::now();
  const double rate = hub_.options().rate_limit_per_second;
  tokens_ = std::min(rate, tokens_ + rate * std::chrono::duration<double>(now - last_refill_).count());
  last_refill_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void WsSession::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    if (ec == websocket::error::message_too_big) {
      Close(websocket::close_code::too_big, "messages are limited to 64 KiB");
    }
    closed_ = true;
    heartbeat_.cancel();
    return;
  }
  const std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (!ws_.got_text()) {
    SendNow(WsErrorMessage(Error{ErrorCode::kUnsupported, "only text (JSON) messages are accepted", "message"}));
  } else if (!TakeToken()) {
    // Over the inbound limit: answer, and drop a client that keeps flooding.
    if (++rate_violations_ > 3 * hub_.options().rate_limit_per_second) {
      return Close(websocket::close_code::policy_error, "inbound rate limit exceeded");
    }
    SendNow(WsErrorMessage(Error{ErrorCode::kRateLimited,
                               "more than " + std::to_string(hub_.options().rate_limit_per_second) +
                                   " messages per second (WS_RATE_LIMIT_PER_SECOND)",
                               ""}));
  } else {
    Handle(text);
  }
  if (!closed_) do_read();
}

void WsSession::Handle(std::string_view text) {
  // Parsing and validation live in server/ws_protocol.cc (fuzzed); this applies the command.
  auto command = ParseWsCommand(text);
  if (!command) return SendNow(WsErrorMessage(command.error()));
  if (command->op == WsOp::kPing) return SendNow(WsPongMessage(NowMicros()));
  const bool subscribe = command->op == WsOp::kSubscribe;
  if (subscribe && channels_.size() + command->channels.size() > hub_.options().max_channels_per_client) {
    return SendNow(WsErrorMessage(Error{ErrorCode::kInvalidArgument,
                                        "at most " + std::to_string(hub_.options().max_channels_per_client) +
                                            " channels per connection",
                                        "channels"}));
  }
  std::vector<std::pair<std::string, Catchup>> catchups;
  for (const std::string& channel : command->channels) {
    if (subscribe) {
      if (channels_.insert(channel).second) {
        // `since`: the last seq the client saw, to resume after a reconnect.
        auto resume = command->since.find(channel);
        catchups.emplace_back(channel, hub_.Subscribe(shared_from_this(), channel,
                                                      resume == command->since.end()
                                                          ? std::nullopt
                                                          : std::optional<uint64_t>(resume->second)));
      }
    } else if (channels_.erase(channel) > 0) {
      hub_.Unsubscribe(this, channel);
    }
  }
  // We are on the strand: queue the reply and the catch-up directly, so they go
  // out before any live message (live ones are posted to the strand and run after).
  Enqueue(std::make_shared<const std::string>(
      WsChannelsMessage(command->op, command->channels, hub_.options().heartbeat_seconds)));
  for (auto& [channel, catchup] : catchups) {
    if (catchup.reset_to) Enqueue(std::make_shared<const std::string>(WsResetMessage(channel, *catchup.reset_to)));
    for (auto& missed : catchup.missed) Enqueue(std::move(missed));
  }
}

void WsSession::Enqueue(SharedText message) {
  if (closed_) return;
  queue_.push_back(std::move(message));
  if (!writing_) do_write();
}

void WsSession::Send(std::shared_ptr<const std::string> message) {
  net::post(ws_.get_executor(), [self = shared_from_this(), message = std::move(message)]() mutable {
    if (self->closed_) return;
    if (self->queue_.size() >= self->hub_.options().send_queue_limit) {
      spdlog::warn("websocket client too slow ({} messages queued): dropped", self->queue_.size());
      return self->Close(websocket::close_code::policy_error, "send queue full: client too slow");
    }
    self->Enqueue(std::move(message));
  });
}

void WsSession::SendNow(std::string text) { Send(std::make_shared<const std::string>(std::move(text))); }

void WsSession::do_write() {
  writing_ = true;
  ws_.async_write(net::buffer(*queue_.front()), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) {
    closed_ = true;
    heartbeat_.cancel();
    return;
  }
  if (pending_close_) return StartClose();
  queue_.pop_front();
  if (!queue_.empty() && !closed_) do_write();
}

void WsSession::StartClose() {
  // Beast allows one pending write and async_close counts as one: a close
  // requested mid-write waits for on_write.
  if (writing_) return;
  auto reason = std::move(*pending_close_);
  pending_close_.reset();
  ws_.async_close(reason, [self = shared_from_this()](beast::error_code) {});
}

void WsSession::Close(websocket::close_code code, std::string reason) {
  net::dispatch(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)] {
    if (self->closed_) return;
    self->closed_ = true;
    self->heartbeat_.cancel();
    // Drop what is queued, but not the message being written (its buffer is in use).
    self->queue_.erase(self->writing_ ? std::next(self->queue_.begin()) : self->queue_.begin(), self->queue_.end());
    self->pending_close_ = websocket::close_reason(code, reason);
    self->StartClose();
    // A client that reads gets the close frame and answers within milliseconds.
    self->close_deadline_.expires_after(kCloseHandshakeGrace);
    self->close_deadline_.async_wait([weak = self->weak_from_this()](beast::error_code ec) {
      if (auto session = weak.lock(); session && !ec) session->CloseSocketNow();
    });
  });
}

void WsSession::CloseSocketNow() {
  // The pending write and read complete with operation_aborted, the last
  // reference goes and the descriptor with it.
  beast::error_code ignored;
  ws_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  ws_.next_layer().close(ignored);
}

}  // namespace rc::server::internal
