// File: server/weak_set.h
//
// A set of objects held weakly, keyed by address: O(1) to add and to remove,
// and a contiguous vector to walk. The hub keeps its subscribers in these (one
// per channel, one for every open session): a broadcast walks the vector, and a
// session that goes away removes itself without scanning the others, so 10,000
// clients disconnecting at once cost 10,000 steps, not 10,000 scans of 10,000
// entries under the locks a broadcast needs. Order is not kept (removal moves
// the last entry into the gap); nothing the hub does depends on it.
//
// Not thread-safe: the owner's lock guards it. It makes no strong reference of
// its own but the one ForEachLive hands to its callback, so the caller decides
// where the last reference ends (the hub releases them after its locks: see
// Hub::Members).
//
//   WeakSet<Session> set;
//   set.Add(session);
//   set.ForEachLive([](std::shared_ptr<Session> s) { s->Send(text); });
//   set.Remove(session.get());
#pragma once

#include <cstddef>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rc::server {

template <typename T>
class WeakSet {
 public:
  // Adds `object`; adding an address already present replaces its entry (an
  // object at a reused address is a new object).
  void Add(const std::shared_ptr<T>& object) {
    auto [it, inserted] = index_.try_emplace(object.get(), entries_.size());
    if (!inserted) {
      entries_[it->second].object = object;
      return;
    }
    entries_.push_back(Entry{object.get(), object});
  }

  // Removes the entry of `address`, if any. Returns whether there was one.
  bool Remove(const T* address) {
    auto it = index_.find(address);
    if (it == index_.end()) return false;
    RemoveAt(it->second);
    return true;
  }

  // Calls `fn(std::shared_ptr<T>)` for every entry still alive and drops the
  // expired ones. `fn` must not add to or remove from this set.
  template <typename Fn>
  void ForEachLive(Fn&& fn) {
    for (size_t pos = 0; pos < entries_.size();) {
      if (auto strong = entries_[pos].object.lock()) {
        fn(std::move(strong));
        ++pos;
      } else {
        RemoveAt(pos);  // the last entry moved to `pos`: look at it next
      }
    }
  }

  // Entries still alive (expired ones are not counted, but stay until the next
  // ForEachLive or Remove).
  size_t CountLive() const {
    size_t live = 0;
    for (const Entry& entry : entries_) live += !entry.object.expired();
    return live;
  }

  // Entries, expired ones included.
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    const T* address;
    std::weak_ptr<T> object;
  };

  void RemoveAt(size_t pos) {
    index_.erase(entries_[pos].address);
    if (pos + 1 != entries_.size()) {
      entries_[pos] = std::move(entries_.back());
      index_[entries_[pos].address] = pos;
    }
    entries_.pop_back();
  }

  std::vector<Entry> entries_;
  std::unordered_map<const T*, size_t> index_;  // address -> position in entries_
};

}  // namespace rc::server
