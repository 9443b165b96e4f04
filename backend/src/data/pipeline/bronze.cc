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

int64_t KeepLatestFetch(std::vector<RawRecord>& raw) {
  const auto earlier = [](const RawRecord& a, const RawRecord& b) {
    if (a.bar.open_time != b.bar.open_time) return a.bar.open_time < b.bar.open_time;
    return a.fetched_at < b.fetched_at;
  };
  // Raw read back from the lake is usually in order already: checking costs
  // one pass, a stable sort of 1M records ~12% of a whole pipeline run.
  if (!std::is_sorted(raw.begin(), raw.end(), earlier)) std::stable_sort(raw.begin(), raw.end(), earlier);
  // Keep the last row of each run of equal open times.
  size_t kept = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (i + 1 < raw.size() && raw[i + 1].bar.open_time == raw[i].bar.open_time) continue;
    if (kept != i) raw[kept] = std::move(raw[i]);
    ++kept;
  }
  const auto removed = static_cast<int64_t>(raw.size() - kept);
  raw.resize(kept);
  return removed;
}

BronzeResult BuildBronze(const Symbol& symbol, Timeframe tf, std::vector<RawRecord> raw, TimestampUs now,
                         std::optional<TimestampUs> previous_regular_open) {
  BronzeResult result;
  BronzeStats& stats = result.stats;
  stats.input = static_cast<int64_t>(raw.size());
  const ExchangeCalendar& calendar = ExchangeCalendar::ForSymbol(symbol);

  // 1. Latest fetch wins.
  stats.duplicates = KeepLatestFetch(raw);
  result.bars.reserve(raw.size());
  const int64_t step = tf.DurationMicros();
  // A bar closes at most max(step, one day) after it opens (BarCloseTime clips
  // to the session close or the next day), so bars older than that before
  // `now` skip BarCloseTime, which converts time zones.
  const TimestampUs surely_closed_before = now - std::max(step, kMicrosPerDay);
  // The regular session of the last bar found in one: a day's bars share it,
  // so SessionAt (a time-zone conversion) runs about once a day, not per bar.
  std::optional<SessionWindow> regular_window;
  for (RawRecord& record : raw) {
    const RawBar& rb = record.bar;
    // 2. Still forming.
    if (rb.open_time > surely_closed_before && BarCloseTime(symbol, tf, rb.open_time) > now) {
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
    BronzeBar out{bar, MarketSession::kRegular, false, std::move(record.provider), std::move(record.batch_id)};
    if (tf.IsIntraday()) {
      if (regular_window && bar.open_time >= regular_window->open && bar.open_time < regular_window->close) {
        out.session = MarketSession::kRegular;
      } else {
        out.session = calendar.SessionAt(bar.open_time);
        if (out.session == MarketSession::kRegular) {
          regular_window = calendar.RegularSession(calendar.LocalDay(bar.open_time));
        }
      }
    } else {
      out.session = calendar.IsTradingDay(calendar.LocalDay(bar.open_time)) ? MarketSession::kRegular
                                                                             : MarketSession::kClosed;
    }
    switch (out.session) {
      case MarketSession::kRegular: ++stats.regular; break;
      case MarketSession::kPre: ++stats.pre; break;
      case MarketSession::kPost: ++stats.post; break;
      case MarketSession::kClosed: ++stats.closed; break;
    }
    result.bars.push_back(std::move(out));
    // 6. Gaps between consecutive regular bars.
    if (result.bars.back().session == MarketSession::kRegular) {
      const TimestampUs cur = bar.open_time;
      if (previous_regular_open) {
        const TimestampUs prev = *previous_regular_open;
        // Regular bars exactly one step apart are adjacent in every calendar
        // (no session resumes within one step of another's last bar), so only
        // other spacings ask the calendar, which converts time zones.
        const bool adjacent = tf.IsIntraday() && cur - prev == step;
        const bool gap = !adjacent && !calendar.TradingBars(prev + 1, cur, tf).empty();
        result.bars.back().gap_before = gap;
        stats.gaps += gap ? 1 : 0;
      }
      previous_regular_open = cur;
    }
  }
  return result;
}

}  // namespace rc::data::pipeline
