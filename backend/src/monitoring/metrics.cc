#include "monitoring/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "core/strings.h"

namespace rc::monitoring {
namespace {

// Sample values and `le` bounds as Prometheus' own clients print them: the
// shortest text that parses back to the same double (`0.00025`, `1`, `2.5`),
// +Inf/-Inf/NaN spelled out.
std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return FormatShortestDouble(value);
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// {a="x",b="y"} plus an optional extra label (le="0.1"); "" when no labels.
std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t label_idx = 0; label_idx < names.size(); ++label_idx) {
    if (label_idx > 0) out += ',';
    out += names[label_idx] + "=\"" + EscapeLabelValue(values[label_idx]) + "\"";
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += std::string(extra_name) + "=\"" + std::string(extra_value) + "\"";
  }
  return out + "}";
}

void AtomicAdd(std::atomic<double>& target, double amount) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + amount, std::memory_order_relaxed)) {
  }
}

}  // namespace

void Counter::Inc(double amount) {
  if (amount > 0) AtomicAdd(value_, amount);
}

void Gauge::Add(double amount) { AtomicAdd(value_, amount); }

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t bucket_idx = 0; bucket_idx <= bounds_->size(); ++bucket_idx) counts_[bucket_idx] = 0;
}

void Histogram::Observe(double value) {
  const auto it = std::lower_bound(bounds_->begin(), bounds_->end(), value);  // first bound >= value (le)
  counts_[static_cast<size_t>(it - bounds_->begin())].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, value);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Snap() const {
  Snapshot snap;
  uint64_t running = 0;
  for (size_t bucket_idx = 0; bucket_idx <= bounds_->size(); ++bucket_idx) {
    running += counts_[bucket_idx].load(std::memory_order_relaxed);
    snap.cumulative.push_back(running);
  }
  snap.count = running;  // +Inf bucket equals count by construction
  snap.sum = sum_.load(std::memory_order_relaxed);
  return snap;
}

template <typename M>
Family<M>::Family(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
}

template <typename M>
M& Family<M>::WithLabels(std::initializer_list<std::string_view> values) {
  std::vector<std::string> key;
  key.reserve(values.size());
  for (std::string_view v : values) key.emplace_back(v);
  return WithLabels(key);
}

template <typename M>
M& Family<M>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument("metric " + name_ + " takes " + std::to_string(label_names_.size()) + " labels");
  }
  std::lock_guard lock(mutex_);
  auto it = children_.find(values);
  if (it == children_.end()) {
    std::unique_ptr<M> child;
    if constexpr (std::is_same_v<M, Histogram>) {
      child = std::make_unique<Histogram>(&bounds_);
    } else {
      child = std::make_unique<M>();
    }
    it = children_.emplace(values, std::move(child)).first;
  }
  return *it->second;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

struct Registry::Entry {
  MetricType type;
  std::unique_ptr<Family<Counter>> counter;
  std::unique_ptr<Family<Gauge>> gauge;
  std::unique_ptr<Family<Histogram>> histogram;
  const std::string& name() const {
    return counter ? counter->name() : gauge ? gauge->name() : histogram->name();
  }
  const std::vector<std::string>& labels() const {
    return counter ? counter->label_names() : gauge ? gauge->label_names() : histogram->label_names();
  }
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry& Registry::Default() {
  static Registry* registry = new Registry();  // never destroyed: metrics outlive every thread
  return *registry;
}

namespace {
template <typename Entry>
Entry* FindEntry(std::vector<std::unique_ptr<Entry>>& entries, const std::string& name, MetricType type,
                 const std::vector<std::string>& labels) {
  for (auto& entry : entries) {
    if (entry->name() != name) continue;
    if (entry->type != type || entry->labels() != labels) {
      throw std::logic_error("metric " + name + " registered twice with different type or labels");
    }
    return entry.get();
  }
  return nullptr;
}
}  // namespace

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  if (auto* e = FindEntry(entries_, name, MetricType::kCounter, label_names)) return *e->counter;
  auto entry = std::make_unique<Entry>();
  entry->type = MetricType::kCounter;
  entry->counter = std::make_unique<Family<Counter>>(name, help, std::move(label_names));
  entries_.push_back(std::move(entry));
  return *entries_.back()->counter;
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  if (auto* e = FindEntry(entries_, name, MetricType::kGauge, label_names)) return *e->gauge;
  auto entry = std::make_unique<Entry>();
  entry->type = MetricType::kGauge;
  entry->gauge = std::make_unique<Family<Gauge>>(name, help, std::move(label_names));
  entries_.push_back(std::move(entry));
  return *entries_.back()->gauge;
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          std::vector<std::string> label_names, std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  if (auto* e = FindEntry(entries_, name, MetricType::kHistogram, label_names)) return *e->histogram;
  auto entry = std::make_unique<Entry>();
  entry->type = MetricType::kHistogram;
  entry->histogram = std::make_unique<Family<Histogram>>(name, help, std::move(label_names), std::move(bounds));
  entries_.push_back(std::move(entry));
  return *entries_.back()->histogram;
}

std::string Registry::Expose() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out.reserve(8192);
  for (const auto& entry : entries_) {
    const std::string& name = entry->name();
    switch (entry->type) {
      case MetricType::kCounter:
        out += "# HELP " + name + " " + EscapeHelp(entry->counter->help()) + "\n# TYPE " + name + " counter\n";
        entry->counter->ForEach([&](const std::vector<std::string>& values, const Counter& c) {
          out += name + LabelSet(entry->counter->label_names(), values) + " " + FormatValue(c.Value()) + "\n";
        });
        break;
      case MetricType::kGauge:
        out += "# HELP " + name + " " + EscapeHelp(entry->gauge->help()) + "\n# TYPE " + name + " gauge\n";
        entry->gauge->ForEach([&](const std::vector<std::string>& values, const Gauge& g) {
          out += name + LabelSet(entry->gauge->label_names(), values) + " " + FormatValue(g.Value()) + "\n";
        });
        break;
      case MetricType::kHistogram: {
        const auto& family = *entry->histogram;
        out += "# HELP " + name + " " + EscapeHelp(family.help()) + "\n# TYPE " + name + " histogram\n";
        family.ForEach([&](const std::vector<std::string>& values, const Histogram& h) {
          const Histogram::Snapshot snap = h.Snap();
          const auto& names = family.label_names();
          // Bounds are reconstructed from the family (children share them).
          size_t bucket_idx = 0;
          for (double bound : *h.bounds()) {
            out += name + "_bucket" + LabelSet(names, values, "le", FormatValue(bound)) + " " +
                   std::to_string(snap.cumulative[bucket_idx++]) + "\n";
          }
          out += name + "_bucket" + LabelSet(names, values, "le", "+Inf") + " " + std::to_string(snap.count) + "\n";
          out += name + "_sum" + LabelSet(names, values) + " " + FormatValue(snap.sum) + "\n";
          out += name + "_count" + LabelSet(names, values) + " " + std::to_string(snap.count) + "\n";
        });
        break;
      }
    }
  }
  return out;
}

}  // namespace rc::monitoring
