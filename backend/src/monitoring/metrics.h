// File: monitoring/metrics.h
//
// A small Prometheus metrics registry: counters, gauges and histograms with
// labels, thread-safe, and cheap on the hot path (a labelled child is looked up
// once and then updated with atomics). Exposition: text format 0.0.4.
//
//   auto& requests = rc::monitoring::Registry::Default().AddCounter(
//       "provider_requests_total", "Provider HTTP requests by outcome.", {"provider", "outcome"});
//   requests.WithLabels({"yahoo", "ok"}).Inc();
//
// Families and children are never removed, so references stay valid for the
// life of the process. Label values are escaped on exposition.
#pragma once

#include <atomic>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rc::monitoring {

class Counter {
 public:
  void Inc(double amount = 1.0);  // amount < 0 is ignored (counters only go up)
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double amount);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double value);
  // Cumulative counts per bound (ascending), then +Inf; sum; count.
  struct Snapshot {
    std::vector<uint64_t> cumulative;  // size bounds+1, last = count
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Snap() const;
  const std::vector<double>* bounds() const { return bounds_; }

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative; last = +Inf
  std::atomic<double> sum_{0.0};
  std::atomic<uint64_t> count_{0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

// All children of one metric name, keyed by label values.
template <typename M>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds = {});

  // The child for these label values (same order as the label names). Creates
  // it on first use. Throws std::invalid_argument when the count differs (a
  // programming error, not input).
  M& WithLabels(std::initializer_list<std::string_view> values);
  M& WithLabels(const std::vector<std::string>& values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Calls f(label_values, child) for every child, in label order.
  template <typename F>
  void ForEach(F&& f) const {
    std::lock_guard lock(mutex_);
    for (const auto& [values, child] : children_) f(values, *child);
  }

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The process-wide registry that /metrics exposes.
  static Registry& Default();

  // Registering an existing name with the same type returns the existing
  // family; a different type or label set throws std::logic_error.
  Family<Counter>& AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names, std::vector<double> bounds);

  // Prometheus text exposition 0.0.4 of every family, in registration order.
  std::string Expose() const;

 private:
  struct Entry;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// Content-Type of the exposition (expfmt.FmtText).
inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace rc::monitoring
