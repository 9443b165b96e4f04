#include "server/hub.h"

#include <algorithm>

#include "core/symbol.h"
#include "core/timeframe.h"
#include "server/internal/ws_session.h"

namespace rc::server {

namespace {

// Drops `session` (and any expired entry) from `sessions`.
void EraseSession(std::vector<std::weak_ptr<internal::WsSession>>& sessions, const internal::WsSession* session) {
  sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                [&](const auto& weak) {
                                  auto strong = weak.lock();
                                  return !strong || strong.get() == session;
                                }),
                 sessions.end());
}

}  // namespace

Result<std::string> ParseChannel(std::string_view text, std::string_view field) {
  const std::string where(field);
  const size_t first = text.find(':');
  const size_t last = text.rfind(':');
  if (first == std::string_view::npos || first == last) {
    return InvalidArgument(where, "channels look like regime:TCS.NS:5m (kind:SYMBOL:TIMEFRAME)");
  }
  const std::string_view kind = text.substr(0, first);
  if (kind != "bars" && kind != "predictions" && kind != "regime") {
    return InvalidArgument(where, "unknown channel kind '" + std::string(kind.substr(0, 20)) +
                                      "', expected bars, predictions or regime");
  }
  RC_ASSIGN_OR_RETURN(Symbol symbol, Symbol::Parse(text.substr(first + 1, last - first - 1), where));
  RC_ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(text.substr(last + 1), where));
  return std::string(kind) + ":" + symbol.str() + ":" + std::string(tf.ToString());
}

size_t Hub::Publish(const std::string& channel, std::string message) {
  auto shared = std::make_shared<const std::string>(std::move(message));
  std::vector<std::shared_ptr<internal::WsSession>> targets;
  {
    std::lock_guard lock(mutex_);
    auto it = channels_.find(channel);
    if (it == channels_.end()) return 0;
    auto& sessions = it->second;
    sessions.erase(std::remove_if(sessions.begin(), sessions.end(), [&](const auto& weak) {
                     auto strong = weak.lock();
                     if (strong) targets.push_back(std::move(strong));
                     return !strong;
                   }),
                   sessions.end());
  }
  for (auto& session : targets) session->Send(shared);  // outside the lock
  return targets.size();
}

size_t Hub::subscribers(const std::string& channel) const {
  std::lock_guard lock(mutex_);
  auto it = channels_.find(channel);
  if (it == channels_.end()) return 0;
  return static_cast<size_t>(std::count_if(it->second.begin(), it->second.end(),
                                           [](const auto& weak) { return !weak.expired(); }));
}

bool Hub::TryAdmit() {
  if (closing_) return false;
  size_t current = connections_.load();
  while (current < static_cast<size_t>(options_.max_connections)) {
    if (connections_.compare_exchange_weak(current, current + 1)) return true;
  }
  return false;
}

void Hub::Release() { connections_.fetch_sub(1); }

void Hub::Subscribe(const std::shared_ptr<internal::WsSession>& session, const std::string& channel) {
  std::lock_guard lock(mutex_);
  channels_[channel].push_back(session);
}

void Hub::Unsubscribe(const internal::WsSession* session, const std::string& channel) {
  std::lock_guard lock(mutex_);
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  EraseSession(it->second, session);
  if (it->second.empty()) channels_.erase(it);
}

void Hub::RemoveSession(const internal::WsSession* session) {
  std::lock_guard lock(mutex_);
  for (auto it = channels_.begin(); it != channels_.end();) {
    EraseSession(it->second, session);
    it = it->second.empty() ? channels_.erase(it) : std::next(it);
  }
  EraseSession(sessions_, session);
}

void Hub::Track(const std::shared_ptr<internal::WsSession>& session) {
  std::lock_guard lock(mutex_);
  sessions_.push_back(session);
}

void Hub::CloseAll() {
  closing_ = true;
  std::vector<std::shared_ptr<internal::WsSession>> open;
  {
    std::lock_guard lock(mutex_);
    for (const auto& weak : sessions_) {
      if (auto strong = weak.lock()) open.push_back(std::move(strong));
    }
  }
  for (auto& session : open) session->Close(internal::websocket::close_code::going_away, "server shutting down");
}

}  // namespace rc::server
