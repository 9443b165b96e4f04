#include "data/pipeline/bronze.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace rc::data::pipeline {
namespace {

bool PricesValid(const Bar& b) {
  for (double price : {b.open, b.high, b.low, b.close}) {
    if (!std::isfinite(price) || price <= 0) return false;
  }
  return b.high >= b.low && b.open >= b.low && b.open <= b.high && b.close >= b.low && b.close <= b.high &&
         std::isfinite(b.volume) && b.volume >= 0;
}

}  // namespace

std::vector<size_t> LatestFetchOrder(std::span<const TimestampUs> open_times, std::span<const TimestampUs> fetched_at) {
  std::vector<size_t> order(open_times.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto earlier = [&](size_t a, size_t b) {
    if (open_times[a] != open_times[b]) return open_times[a] < open_times[b];
    return fetched_at[a] < fetched_at[b];
  };
  // Raw read back from the lake is usually in order already: checking costs
  // one pass, a stable sort of 1M records ~12% of a whole pipeline run.
  if (!std::is_sorted(order.begin(), order.end(), earlier)) std::stable_sort(order.begin(), order.end(), earlier);
  // Keep the last row of each run of equal open times.
  size_t kept = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + 1 < order.size() && open_times[order[i + 1]] == open_times[order[i]]) continue;
    order[kept++] = order[i];
  }
  order.resize(kept);
  return order;
}

int64_t KeepLatestFetch(std::vector<RawRecord>& raw) {
  std::vector<TimestampUs> open_times(raw.size());
  std::vector<TimestampUs> fetched_at(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    open_times[i] = raw[i].bar.open_time;
    fetched_at[i] = raw[i].fetched_at;
  }
  const std::vector<size_t> order = LatestFetchOrder(open_times, fetched_at);
  const auto removed = static_cast<int64_t>(raw.size() - order.size());
  bool identity = removed == 0;
  for (size_t i = 0; identity && i < order.size(); ++i) identity = order[i] == i;
  if (identity) return 0;
  std::vector<RawRecord> kept;
  kept.reserve(order.size());
  for (size_t i : order) kept.push_back(std::move(raw[i]));
  raw = std::move(kept);
  return removed;
}

void ApplyBronzeRules(const Symbol& symbol, Timeframe tf, size_t count, const std::function<RawBar(size_t)>& raw_bar,
                      TimestampUs now, std::optional<TimestampUs> previous_regular_open, BronzeStats& stats,
                      std::vector<BronzeRow>& out) {
  const ExchangeCalendar& calendar = ExchangeCalendar::ForSymbol(symbol);
  const int64_t step = tf.DurationMicros();
  // A bar closes at most max(step, one day) after it opens (BarCloseTime clips
  // to the session close or the next day), so bars older than that before
  // `now` skip BarCloseTime, which converts time zones.
  const TimestampUs surely_closed_before = now - std::max(step, kMicrosPerDay);
  // The regular session of the last bar found in one: a day's bars share it,
  // so SessionAt (a time-zone conversion) runs about once a day, not per bar.
  std::optional<SessionWindow> regular_window;
  for (size_t idx = 0; idx < count; ++idx) {
    const RawBar rb = raw_bar(idx);
    // 2. Still forming. A bar closes after it opens, so one opening at or
    // after `now` is forming without asking the calendar.
    if (rb.open_time >= now ||
        (rb.open_time > surely_closed_before && BarCloseTime(symbol, tf, rb.open_time) > now)) {
      ++stats.dropped_forming;
      continue;
    }
    // 3. Nulls.
    if (!rb.open || !rb.high || !rb.low || !rb.close) {
      ++stats.dropped_null;
      continue;
    }
    Bar bar{rb.open_time, *rb.open, *rb.high, *rb.low, *rb.close, rb.volume.value_or(0.0)};
    if (!rb.volume) ++stats.volume_filled;
    // 4. Invalid.
    if (!PricesValid(bar)) {
      ++stats.dropped_invalid;
      continue;
    }
    // 5. Session.
    BronzeRow row{idx, bar, MarketSession::kRegular, false};
    if (tf.IsIntraday()) {
      if (regular_window && bar.open_time >= regular_window->open && bar.open_time < regular_window->close) {
        row.session = MarketSession::kRegular;
      } else {
        row.session = calendar.SessionAt(bar.open_time);
        if (row.session == MarketSession::kRegular) {
          regular_window = calendar.RegularSession(calendar.LocalDay(bar.open_time));
        }
      }
    } else {
      row.session = calendar.IsTradingDay(calendar.LocalDay(bar.open_time)) ? MarketSession::kRegular
                                                                             : MarketSession::kClosed;
    }
    switch (row.session) {
      case MarketSession::kRegular: ++stats.regular; break;
      case MarketSession::kPre: ++stats.pre; break;
      case MarketSession::kPost: ++stats.post; break;
      case MarketSession::kClosed: ++stats.closed; break;
    }
    // 6. Gaps between consecutive regular bars.
    if (row.session == MarketSession::kRegular) {
      const TimestampUs cur = bar.open_time;
      if (previous_regular_open) {
        const TimestampUs prev = *previous_regular_open;
        // Regular bars exactly one step apart are adjacent in every calendar
        // (no session resumes within one step of another's last bar), so only
        // other spacings ask the calendar, which converts time zones.
        const bool adjacent = tf.IsIntraday() && cur - prev == step;
        const bool gap = !adjacent && !calendar.TradingBars(prev + 1, cur, tf).empty();
        row.gap_before = gap;
        stats.gaps += gap ? 1 : 0;
      }
      previous_regular_open = cur;
    }
    out.push_back(row);
  }
}

BronzeResult BuildBronze(const Symbol& symbol, Timeframe tf, std::vector<RawRecord> raw, TimestampUs now,
                         std::optional<TimestampUs> previous_regular_open) {
  BronzeResult result;
  BronzeStats& stats = result.stats;
  stats.input = static_cast<int64_t>(raw.size());
  // 1. Latest fetch wins.
  stats.duplicates = KeepLatestFetch(raw);
  std::vector<BronzeRow> rows;
  rows.reserve(raw.size());
  ApplyBronzeRules(
      symbol, tf, raw.size(), [&raw](size_t idx) { return raw[idx].bar; }, now, previous_regular_open, stats, rows);
  result.bars.reserve(rows.size());
  for (const BronzeRow& row : rows) {
    RawRecord& record = raw[row.raw_row];
    result.bars.push_back(
        BronzeBar{row.bar, row.session, row.gap_before, std::move(record.provider), std::move(record.batch_id)});
  }
  return result;
}

}  // namespace rc::data::pipeline
