#include "data/providers/yahoo_provider.h"

#include <spdlog/spdlog.h>

#include "core/calendar.h"
#include "data/internal/yahoo_chart.h"

namespace rc::data {

YahooProvider::YahooProvider(std::string base_url, std::shared_ptr<HttpClient> http, Clock clock)
    : base_url_(std::move(base_url)), http_(std::move(http)), clock_(clock ? std::move(clock) : Clock(NowMicros)) {}

Coverage YahooProvider::CoverageFor(Timeframe timeframe, TimestampUs now) const {
  return internal::YahooCoverage(timeframe, now);
}

Result<FetchResult> YahooProvider::Fetch(const FetchRequest& request) {
  RC_RETURN_IF_ERROR(ValidateRequest(request));
  const TimestampUs now = clock_();
  const Coverage coverage = CoverageFor(request.timeframe, now);
  std::string note;
  TimestampUs from = request.from;
  if (coverage.earliest > 0 && request.to <= coverage.earliest) {
    return InvalidArgument("from", "yahoo serves " + std::string(request.timeframe.ToString()) +
                                       " bars only since " + FormatIsoUtc(coverage.earliest) +
                                       "; the requested range ends at " + FormatIsoUtc(request.to));
  }
  if (coverage.earliest > 0 && from < coverage.earliest) {
    note = "yahoo: range clamped to start at " + FormatIsoUtc(coverage.earliest) + " (" +
           std::string(request.timeframe.ToString()) + " history limit)";
    from = coverage.earliest;
  }
  const std::string_view interval = internal::YahooInterval(request.timeframe);
  std::vector<RawBar> bars;
  for (const internal::TimeSlice& slice : internal::SplitRange(from, request.to, coverage.max_span_micros)) {
    HttpRequest http_request;
    http_request.url = internal::BuildYahooChartUrl(base_url_, request.symbol, interval, slice.from, slice.to);
    http_request.user_agent = std::string(kBrowserUserAgent);
    http_request.headers = {{"Accept", "application/json"}};
    auto response = http_->Get(http_request);
    if (!response) return tl::unexpected(WithContext(response.error(), "yahoo"));
    RC_ASSIGN_OR_RETURN(internal::YahooChart chart, internal::ParseYahooChart(response->status, response->body));
    const int64_t period2 = (slice.to + kMicrosPerSecond - 1) / kMicrosPerSecond;
    // 30m is requested as 15m: convert with the 15m (intraday) rules, resample below.
    const Timeframe parse_tf = request.timeframe == Timeframe::k30m ? Timeframe::k15m : request.timeframe;
    std::vector<RawBar> part = internal::YahooChartToBars(chart, request.symbol, parse_tf, period2);
    bars.insert(bars.end(), part.begin(), part.end());
  }
  SortAndDedupe(bars);
  if (request.timeframe == Timeframe::k30m) {
    bars = internal::ResampleBars(bars, Timeframe::k30m, ExchangeCalendar::ForSymbol(request.symbol));
  }
  ClipToRange(bars, from, request.to);
  FetchResult result = MakeFetchResult("yahoo", std::move(bars), request, clock_());
  result.note = std::move(note);
  return result;
}

}  // namespace rc::data
