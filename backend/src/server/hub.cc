#include "server/hub.h"

#include "core/symbol.h"
#include "core/timeframe.h"
#include "server/internal/ws_session.h"

namespace rc::server {

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

std::shared_ptr<Hub::Channel> Hub::ChannelFor(const std::string& name) {
  MutexLock lock(mutex_);
  auto& slot = channels_[name];
  if (!slot) slot = std::make_shared<Channel>();
  return slot;
}

std::shared_ptr<Hub::Channel> Hub::FindChannel(const std::string& name) const {
  MutexLock lock(mutex_);
  auto it = channels_.find(name);
  return it == channels_.end() ? nullptr : it->second;
}

void Hub::DropIfUnused(const std::string& name) {
  MutexLock lock(mutex_);
  auto it = channels_.find(name);
  if (it == channels_.end()) return;
  MutexLock channel_lock(it->second->mutex);
  if (it->second->seq == 0 && it->second->sessions.empty()) channels_.erase(it);
}

size_t Hub::Publish(const std::string& channel, std::string_view type, std::string_view data_json) {
  auto state = ChannelFor(channel);
  // Queue on every live subscriber while the lock is held, so that two
  // publishers cannot interleave their messages differently for different
  // subscribers (Send only posts to the session's strand). The strong
  // references are released after the lock (see Members).
  std::vector<std::shared_ptr<internal::WsSession>> targets;
  {
    MutexLock lock(state->mutex);
    const uint64_t seq = ++state->seq;
    // Channel names are canonical (ParseChannel) and types fixed words: no escaping needed.
    std::string text;
    text.reserve(data_json.size() + channel.size() + 64);
    text.append(R"({"type":")").append(type).append(R"(","channel":")").append(channel);
    text.append(R"(","seq":)").append(std::to_string(seq)).append(R"(,"data":)").append(data_json).append("}");
    auto shared = std::make_shared<const std::string>(std::move(text));
    state->recent.push_back(shared);
    while (state->recent.size() > options_.replay_buffer) state->recent.pop_front();
    targets.reserve(state->sessions.size());
    state->sessions.ForEachLive([&](std::shared_ptr<internal::WsSession> session) {
      session->Send(shared);
      targets.push_back(std::move(session));
    });
  }
  return targets.size();  // `targets` is released here, outside the lock
}

uint64_t Hub::LastSeq(const std::string& channel) const {
  auto state = FindChannel(channel);
  if (!state) return 0;
  MutexLock lock(state->mutex);
  return state->seq;
}

size_t Hub::subscribers(const std::string& channel) const {
  auto state = FindChannel(channel);
  if (!state) return 0;
  MutexLock lock(state->mutex);
  return state->sessions.CountLive();
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

Catchup Hub::Subscribe(const std::shared_ptr<internal::WsSession>& session, const std::string& channel,
                       std::optional<uint64_t> since) {
  auto state = ChannelFor(channel);
  MutexLock lock(state->mutex);
  Catchup catchup;
  if (since && *since < state->seq) {
    const uint64_t oldest = state->seq - state->recent.size() + 1;  // seq of recent.front()
    if (*since + 1 < oldest) {
      catchup.reset_to = state->seq;
    } else {
      catchup.missed.assign(state->recent.begin() + static_cast<std::ptrdiff_t>(*since + 1 - oldest),
                            state->recent.end());
    }
  } else if (since && *since > state->seq) {
    // The client saw numbers this server never issued (e.g. it restarted): start over.
    catchup.reset_to = state->seq;
  }
  state->sessions.Add(session);
  return catchup;
}

void Hub::Unsubscribe(const internal::WsSession* session, const std::string& channel) {
  if (auto state = FindChannel(channel)) {
    MutexLock lock(state->mutex);
    state->sessions.Remove(session);
  }
  DropIfUnused(channel);
}

void Hub::RemoveSession(const internal::WsSession* session, const std::set<std::string>& channels) {
  {
    MutexLock lock(mutex_);
    sessions_.Remove(session);
  }
  for (const std::string& channel : channels) Unsubscribe(session, channel);
}

void Hub::Track(const std::shared_ptr<internal::WsSession>& session) {
  MutexLock lock(mutex_);
  sessions_.Add(session);
}

void Hub::CloseAll() {
  closing_ = true;
  std::vector<std::shared_ptr<internal::WsSession>> open;
  {
    MutexLock lock(mutex_);
    sessions_.ForEachLive([&](std::shared_ptr<internal::WsSession> session) { open.push_back(std::move(session)); });
  }
  for (auto& session : open) session->Close(internal::websocket::close_code::going_away, "server shutting down");
}

}  // namespace rc::server
