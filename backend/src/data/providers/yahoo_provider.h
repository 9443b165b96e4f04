// File: data/providers/yahoo_provider.h
//
// Yahoo Finance chart API v8 (docs/formats.md §3): GET
// <base>/v8/finance/chart/<symbol>?period1&period2&interval&includePrePost=false
// with a browser User-Agent. Intraday history limits are respected: a range
// wholly older than the limit is refused (kInvalidArgument naming "from"), a
// range straddling it is clamped (FetchResult::note says so), 1m ranges are
// split into 7-day requests. 30m is fetched as 15m and resampled.
//
//   auto http = std::make_shared<rc::data::HttpClient>(rc::data::MakeCurlTransport(opts), retry);
//   rc::data::YahooProvider yahoo(settings.yahoo_base_url, http);
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "data/http/http_client.h"
#include "data/providers/provider.h"

namespace rc::data {

class YahooProvider final : public Provider {
 public:
  using Clock = std::function<TimestampUs()>;

  // `base_url` is scheme://host[:port] (YAHOO_BASE_URL). `http` is shared and
  // must outlive nothing in particular (shared ownership). `clock` gives "now"
  // for the history limits and the forming-bar flag. Default: NowMicros.
  YahooProvider(std::string base_url, std::shared_ptr<HttpClient> http, Clock clock = nullptr);

  std::string_view name() const override { return "yahoo"; }
  Result<FetchResult> Fetch(const FetchRequest& request) override;
  Coverage CoverageFor(Timeframe timeframe, TimestampUs now) const override;

 private:
  std::string base_url_;
  std::shared_ptr<HttpClient> http_;
  Clock clock_;
};

}  // namespace rc::data
