// File: core/calendar.h
//
// Exchange calendars: time zone, regular session, pre/post sessions, holidays.
// Built in: "NSE" (Asia/Kolkata, pre-open 09:00-09:15, regular 09:15-15:30,
// closing session 15:30-16:00), "NYSE" (America/New_York, pre 04:00-09:30,
// regular 09:30-16:00, post 16:00-20:00, DST-correct), "24x7" (crypto, UTC,
// always regular). Holidays come from files shipped in backend/data/calendars
// (compiled in) plus, optionally, `<name>.holidays` in a directory the user
// names (CALENDAR_DIR): one YYYY-MM-DD per line, '#' comments.
//
// Intraday bars are aligned to the regular-session open (NSE 5m bars open at
// 09:15, 09:20, ...; 1h bars at 09:15, 10:15, ..., the last one 15:15-15:30 is
// short). A daily bar's open time is the session open.
//
//   const rc::ExchangeCalendar& nse = rc::ExchangeCalendar::ForSymbol(symbol);
//   if (nse.SessionAt(t) == rc::MarketSession::kRegular) { ... }
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/symbol.h"
#include "core/time.h"
#include "core/timeframe.h"

namespace rc {

enum class MarketSession { kClosed, kPre, kRegular, kPost };
std::string_view MarketSessionName(MarketSession session);  // "closed" "pre" "regular" "post"

// A [open, close) interval in UTC microseconds.
struct SessionWindow {
  TimestampUs open = 0;
  TimestampUs close = 0;
};

class ExchangeCalendar {
 public:
  // "NSE", "NYSE" or "24x7" (case-insensitive). Errors: kInvalidArgument.
  static Result<const ExchangeCalendar*> ByName(std::string_view name);

  // NSE for .NS/.BO symbols and ^NSE*/^BSESN indices, 24x7 for crypto pairs
  // (BTC-USD style, "-USD"/"-USDT"/"-EUR" suffix) and FX (=X), NYSE otherwise.
  static const ExchangeCalendar& ForSymbol(const Symbol& symbol);

  // Adds the holidays in `<dir>/<name>.holidays` for every built-in calendar
  // whose file exists there. Call once at start-up, before any other thread
  // uses calendars. Errors: kInvalidArgument naming file:line for a bad date.
  static Status LoadHolidayDir(const std::string& dir);

  const std::string& name() const { return name_; }
  const std::string& time_zone() const { return tz_name_; }

  // Local calendar date (days since epoch) of instant t in the exchange's zone.
  int64_t LocalDay(TimestampUs t) const;
  bool IsHoliday(int64_t local_day) const { return holidays_.count(local_day) > 0; }
  // Weekday (not Sat/Sun unless 24x7) and not a holiday.
  bool IsTradingDay(int64_t local_day) const;

  // Regular session of a local date, or nullopt on a non-trading day.
  std::optional<SessionWindow> RegularSession(int64_t local_day) const;

  MarketSession SessionAt(TimestampUs t) const;
  bool IsTradingTime(TimestampUs t) const { return SessionAt(t) == MarketSession::kRegular; }

  // Open time of the regular-session bar of `tf` that contains t, or nullopt
  // when t is outside the regular session.
  std::optional<TimestampUs> BarOpenContaining(TimestampUs t, Timeframe tf) const;
  // Close time of a regular bar that opens at `bar_open` (clipped to the session close).
  TimestampUs BarClose(TimestampUs bar_open, Timeframe tf) const;

  // The first regular-bar close strictly after t (skips nights, weekends, holidays).
  TimestampUs NextBarClose(TimestampUs t, Timeframe tf) const;

  // Open times of all regular-session bars of `tf` with open in [from, to), ascending.
  std::vector<TimestampUs> TradingBars(TimestampUs from, TimestampUs to, Timeframe tf) const;

  // Construction is for the built-ins and tests.
  struct Spec {
    std::string name;
    std::string tz_name;           // IANA zone
    int pre_open_minute = -1;      // minutes after local midnight; -1 = no pre session
    int regular_open_minute = 0;
    int regular_close_minute = 0;  // 24*60 with open 0 for 24x7
    int post_close_minute = -1;    // -1 = no post session
    bool weekends_trade = false;
  };
  ExchangeCalendar(Spec spec, std::set<int64_t> holidays);
  void AddHolidays(const std::set<int64_t>& days) { holidays_.insert(days.begin(), days.end()); }

 private:
  // UTC instant of local wall-clock `minute` on `local_day`.
  TimestampUs LocalToUtc(int64_t local_day, int minute) const;

  std::string name_;
  std::string tz_name_;
  Spec spec_;
  std::set<int64_t> holidays_;
  const void* tz_ = nullptr;  // const date::time_zone*, kept opaque to keep <date/tz.h> out of this header
};

}  // namespace rc
