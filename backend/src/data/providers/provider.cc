#include "data/providers/provider.h"

#include <algorithm>

#include "core/calendar.h"
#include "data/internal/time_zone.h"

namespace rc::data {

void SortAndDedupe(std::vector<RawBar>& bars) {
  // Providers and files nearly always deliver bars already strictly ascending:
  // then there is nothing to sort or drop (the merge sort below would still
  // copy every bar through a buffer of the same size).
  const auto earlier = [](const RawBar& a, const RawBar& b) { return a.open_time < b.open_time; };
  const auto not_after = [](const RawBar& a, const RawBar& b) { return a.open_time >= b.open_time; };
  if (std::adjacent_find(bars.begin(), bars.end(), not_after) == bars.end()) return;
  // stable_sort keeps input order among equal open times, so "last wins" is the
  // last element of each run.
  std::stable_sort(bars.begin(), bars.end(), earlier);
  auto kept = bars.begin();
  for (auto it = bars.begin(); it != bars.end(); ++it) {
    if (kept != bars.begin() && std::prev(kept)->open_time == it->open_time) {
      *std::prev(kept) = std::move(*it);
    } else {
      if (kept != it) *kept = std::move(*it);
      ++kept;
    }
  }
  bars.erase(kept, bars.end());
}

void ClipToRange(std::vector<RawBar>& bars, TimestampUs from, TimestampUs to) {
  std::erase_if(bars, [&](const RawBar& b) { return b.open_time < from || b.open_time >= to; });
}

TimestampUs BarCloseTime(const Symbol& symbol, Timeframe tf, TimestampUs open_time) {
  const ExchangeCalendar& cal = ExchangeCalendar::ForSymbol(symbol);
  if (tf == Timeframe::k1d) {
    auto session = cal.RegularSession(cal.LocalDay(open_time));
    if (session && session->close > open_time) return session->close;
    return open_time + kMicrosPerDay;
  }
  if (cal.SessionAt(open_time) == MarketSession::kRegular) return cal.BarClose(open_time, tf);
  return open_time + tf.DurationMicros();
}

TimestampUs DailyBarOpen(const Symbol& symbol, int64_t local_day) {
  const ExchangeCalendar& cal = ExchangeCalendar::ForSymbol(symbol);
  if (auto session = cal.RegularSession(local_day)) return session->open;
  auto midnight = internal::LocalToUtc(cal.time_zone(), local_day * kMicrosPerDay);
  return midnight ? *midnight : local_day * kMicrosPerDay;
}

FetchResult MakeFetchResult(std::string provider, std::vector<RawBar> bars, const FetchRequest& request,
                            TimestampUs fetched_at) {
  FetchResult result;
  result.provider = std::move(provider);
  result.bars = std::move(bars);
  result.fetched_at = fetched_at;
  result.last_bar_forming =
      !result.bars.empty() &&
      BarCloseTime(request.symbol, request.timeframe, result.bars.back().open_time) > result.fetched_at;
  return result;
}

Status ValidateRequest(const FetchRequest& request) {
  if (request.from >= request.to) {
    return InvalidArgument("from", "must be before 'to' (" + FormatIsoUtc(request.from) +
                                       " >= " + FormatIsoUtc(request.to) + ")");
  }
  return Ok();
}

}  // namespace rc::data
