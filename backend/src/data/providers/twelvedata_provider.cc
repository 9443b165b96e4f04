#include "data/providers/twelvedata_provider.h"

#include <algorithm>

#include "core/calendar.h"
#include "core/time.h"
#include "data/internal/twelvedata_series.h"

namespace rc::data {

TwelveDataProvider::TwelveDataProvider(std::string base_url, std::string api_key, std::shared_ptr<HttpClient> http,
                                       Clock clock, int max_pages)
    : base_url_(std::move(base_url)),
      api_key_(std::move(api_key)),
      http_(std::move(http)),
      clock_(clock ? std::move(clock) : Clock(NowMicros)),
      max_pages_(max_pages) {}

Coverage TwelveDataProvider::CoverageFor(Timeframe timeframe, TimestampUs /*now*/) const {
  if (timeframe == Timeframe::k1m) return {DaysFromCivil(2020, 2, 10) * kMicrosPerDay, 0};
  return {0, 0};
}

Error TwelveDataProvider::Scrub(Error error) const {
  if (api_key_.empty()) return error;
  for (size_t pos = error.message.find(api_key_); pos != std::string::npos; pos = error.message.find(api_key_)) {
    error.message.replace(pos, api_key_.size(), "***");
  }
  return error;
}

Result<FetchResult> TwelveDataProvider::Fetch(const FetchRequest& request) {
  RC_RETURN_IF_ERROR(ValidateRequest(request));
  if (api_key_.empty()) {
    return MakeError(ErrorCode::kUnauthorized, "twelvedata: TWELVEDATA_API_KEY is not set", "TWELVEDATA_API_KEY");
  }
  RC_ASSIGN_OR_RETURN(internal::TwelveDataSymbol mapped, internal::MapTwelveDataSymbol(request.symbol));
  const bool daily = request.timeframe == Timeframe::k1d;
  const ExchangeCalendar& cal = ExchangeCalendar::ForSymbol(request.symbol);
  // Daily dates are exchange-local (the API ignores timezone for 1day).
  const std::string start =
      daily ? FormatIsoDate(cal.LocalDay(request.from)) : FormatIsoSpaceSeconds(request.from);
  TimestampUs end = request.to - kMicrosPerSecond;  // end_date is inclusive; `to` is exclusive
  if (daily) {
    // The last local date whose daily bar opens before `to` (to = midnight UTC is
    // already the next date in Asia, but that day's bar opens after `to`).
    // Non-trading days are skipped back over (bounded: a week of holidays at most).
    const int64_t first_day = cal.LocalDay(request.from);
    int64_t last_day = cal.LocalDay(end);
    for (int guard = 0; guard < 7 && last_day > first_day; ++guard) {
      if (cal.IsTradingDay(last_day) && DailyBarOpen(request.symbol, last_day) < request.to) break;
      --last_day;
    }
    end = DailyBarOpen(request.symbol, last_day);
  }
  std::vector<RawBar> bars;
  for (int page = 0; page < max_pages_; ++page) {
    const std::string end_text = daily ? FormatIsoDate(cal.LocalDay(end)) : FormatIsoSpaceSeconds(end);
    HttpRequest http_request;
    http_request.url = internal::BuildTwelveDataUrl(base_url_, mapped, request.timeframe, start, end_text);
    http_request.headers = {{"Authorization", "apikey " + api_key_}, {"Accept", "application/json"}};
    auto response = http_->Get(http_request);
    if (!response) return tl::unexpected(Scrub(WithContext(response.error(), "twelvedata")));
    auto page_bars =
        internal::ParseTwelveDataSeries(response->status, response->body, request.symbol, request.timeframe);
    if (!page_bars) return tl::unexpected(Scrub(page_bars.error()));
    const size_t count = page_bars->size();
    const TimestampUs oldest = count > 0 ? page_bars->front().open_time : 0;
    // Pages come newest range first; older pages go before, so "last wins" in
    // SortAndDedupe still prefers the newer page for an overlapping bar.
    page_bars->insert(page_bars->end(), bars.begin(), bars.end());
    bars = std::move(*page_bars);
    if (count < static_cast<size_t>(internal::kTwelveDataMaxOutputSize) || oldest <= request.from) break;
    end = daily ? oldest - kMicrosPerDay : oldest - kMicrosPerSecond;
    if (end < request.from) break;
  }
  SortAndDedupe(bars);
  ClipToRange(bars, request.from, request.to);
  return MakeFetchResult("twelvedata", std::move(bars), request, clock_());
}

}  // namespace rc::data
