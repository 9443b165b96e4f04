// File: data/providers/twelvedata_provider.h
//
// Twelve Data time_series (docs/formats.md §4): GET <base>/time_series with
// timezone=UTC, outputsize=5000 and both dates; longer ranges are paged
// backwards by moving end_date. The API key is sent in the Authorization
// header ("apikey KEY"), never in a URL, and never appears in logs or errors.
//
//   rc::data::TwelveDataProvider td(settings.twelvedata_base_url, settings.twelvedata_api_key, http);
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "data/http/http_client.h"
#include "data/providers/provider.h"

namespace rc::data {

class TwelveDataProvider final : public Provider {
 public:
  using Clock = std::function<TimestampUs()>;

  // `api_key` may be empty: requests are then refused with kUnauthorized
  // without contacting the server. `max_pages` bounds paging (x5000 bars).
  TwelveDataProvider(std::string base_url, std::string api_key, std::shared_ptr<HttpClient> http,
                     Clock clock = nullptr, int max_pages = 100);

  std::string_view name() const override { return "twelvedata"; }
  Result<FetchResult> Fetch(const FetchRequest& request) override;
  // 1m history starts 2020-02-10 (docs/formats.md §4.1); other timeframes unbounded
  // here (the API answers "no data" before its own start). No span limit:
  // Fetch pages by itself.
  Coverage CoverageFor(Timeframe timeframe, TimestampUs now) const override;

 private:
  // Replaces any occurrence of the key in `error`'s message with "***".
  Error Scrub(Error error) const;

  std::string base_url_;
  std::string api_key_;
  std::shared_ptr<HttpClient> http_;
  Clock clock_;
  int max_pages_;
};

}  // namespace rc::data
