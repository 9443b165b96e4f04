#include "core/calendar.h"

#include <algorithm>
#include <chrono>
#include <date/tz.h>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "core/internal/embedded_holidays.h"

namespace rc {
namespace {

const date::time_zone* Zone(const void* tz) { return static_cast<const date::time_zone*>(tz); }

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Parses a holiday file's text; `origin` names it in errors.
Result<std::set<int64_t>> ParseHolidays(std::string_view text, const std::string& origin) {
  std::set<int64_t> days;
  std::istringstream stream{std::string(text)};
  std::string line;
  int line_no = 0;
  while (std::getline(stream, line)) {
    ++line_no;
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    line.erase(std::remove_if(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; }),
               line.end());
    if (line.empty()) continue;
    auto t = ParseIsoUtc(line, origin + ":" + std::to_string(line_no));
    if (!t || line.size() != 10) {
      return InvalidArgument(origin + ":" + std::to_string(line_no), "expected a date YYYY-MM-DD, got '" + line + "'");
    }
    days.insert(*t / kMicrosPerDay);
  }
  return days;
}

struct Registry {
  std::map<std::string, std::unique_ptr<ExchangeCalendar>> by_name;
};

Registry& Calendars() {
  static Registry registry = [] {
    Registry r;
    auto add = [&](ExchangeCalendar::Spec spec) {
      std::set<int64_t> holidays;
      for (const auto& [name, text] : internal::EmbeddedHolidayFiles()) {
        if (name == spec.name) {
          // The shipped files are tested; a parse failure here is a build defect.
          auto parsed = ParseHolidays(text, "embedded " + name + ".holidays");
          if (!parsed) throw std::logic_error(parsed.error().ToString());
          holidays = std::move(*parsed);
        }
      }
      std::string key = spec.name;
      r.by_name.emplace(key, std::make_unique<ExchangeCalendar>(std::move(spec), std::move(holidays)));
    };
    add({"NSE", "Asia/Kolkata", 9 * 60, 9 * 60 + 15, 15 * 60 + 30, 16 * 60, false});
    add({"NYSE", "America/New_York", 4 * 60, 9 * 60 + 30, 16 * 60, 20 * 60, false});
    add({"24x7", "UTC", -1, 0, 24 * 60, -1, true});
    return r;
  }();
  return registry;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view MarketSessionName(MarketSession session) {
  switch (session) {
    case MarketSession::kClosed: return "closed";
    case MarketSession::kPre: return "pre";
    case MarketSession::kRegular: return "regular";
    case MarketSession::kPost: return "post";
  }
  return "closed";
}

ExchangeCalendar::ExchangeCalendar(Spec spec, std::set<int64_t> holidays)
    : name_(spec.name), tz_name_(spec.tz_name), spec_(std::move(spec)), holidays_(std::move(holidays)) {
  tz_ = date::locate_zone(tz_name_);  // throws for an unknown zone: built-in specs only
}

Result<const ExchangeCalendar*> ExchangeCalendar::ByName(std::string_view name) {
  std::string upper;
  for (char c : name) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (upper == "24X7") upper = "24x7";
  auto& registry = Calendars();
  auto it = registry.by_name.find(upper);
  if (it == registry.by_name.end()) {
    return InvalidArgument("calendar", "unknown exchange calendar '" + std::string(name.substr(0, 32)) +
                                           "', expected NSE, NYSE or 24x7");
  }
  return it->second.get();
}

const ExchangeCalendar& ExchangeCalendar::ForSymbol(const Symbol& symbol) {
  auto& registry = Calendars();
  const std::string_view s = symbol.str();
  if (EndsWith(s, ".NS") || EndsWith(s, ".BO") || s.rfind("^NSE", 0) == 0 || s == "^BSESN" || s == "^CNX100") {
    return *registry.by_name.at("NSE");
  }
  if (EndsWith(s, "-USD") || EndsWith(s, "-USDT") || EndsWith(s, "-EUR") || EndsWith(s, "=X")) {
    return *registry.by_name.at("24x7");
  }
  return *registry.by_name.at("NYSE");
}

Status ExchangeCalendar::LoadHolidayDir(const std::string& dir) {
  for (auto& [name, calendar] : Calendars().by_name) {
    const std::string path = dir + "/" + name + ".holidays";
    std::ifstream file(path);
    if (!file) continue;
    std::stringstream content;
    content << file.rdbuf();
    RC_ASSIGN_OR_RETURN(std::set<int64_t> days, ParseHolidays(content.str(), path));
    calendar->AddHolidays(days);
  }
  return Ok();
}

int64_t ExchangeCalendar::LocalDay(TimestampUs t) const {
  using namespace std::chrono;
  const sys_time<microseconds> tp{microseconds{t}};
  const auto local = Zone(tz_)->to_local(tp);
  return floor<days>(local).time_since_epoch().count();
}

bool ExchangeCalendar::IsTradingDay(int64_t local_day) const {
  if (IsHoliday(local_day)) return false;
  if (spec_.weekends_trade) return true;
  const date::weekday wd{date::sys_days{date::days{local_day}}};
  return wd != date::Saturday && wd != date::Sunday;
}

TimestampUs ExchangeCalendar::LocalToUtc(int64_t local_day, int minute) const {
  using namespace std::chrono;
  const date::local_time<minutes> local{date::local_days{date::days{local_day}}.time_since_epoch() + minutes{minute}};
  // Exchange sessions never start inside a DST gap/overlap (those are at night);
  // `earliest` makes the choice explicit should a zone ever do so.
  const auto utc = Zone(tz_)->to_sys(local, date::choose::earliest);
  return duration_cast<microseconds>(utc.time_since_epoch()).count();
}

std::optional<SessionWindow> ExchangeCalendar::RegularSession(int64_t local_day) const {
  if (!IsTradingDay(local_day)) return std::nullopt;
  return SessionWindow{LocalToUtc(local_day, spec_.regular_open_minute),
                       LocalToUtc(local_day, spec_.regular_close_minute)};
}

MarketSession ExchangeCalendar::SessionAt(TimestampUs t) const {
  const int64_t day = LocalDay(t);
  if (!IsTradingDay(day)) return MarketSession::kClosed;
  if (spec_.weekends_trade && spec_.regular_open_minute == 0 && spec_.regular_close_minute == 24 * 60) {
    return MarketSession::kRegular;
  }
  if (t >= LocalToUtc(day, spec_.regular_open_minute) && t < LocalToUtc(day, spec_.regular_close_minute)) {
    return MarketSession::kRegular;
  }
  if (spec_.pre_open_minute >= 0 && t >= LocalToUtc(day, spec_.pre_open_minute) &&
      t < LocalToUtc(day, spec_.regular_open_minute)) {
    return MarketSession::kPre;
  }
  if (spec_.post_close_minute >= 0 && t >= LocalToUtc(day, spec_.regular_close_minute) &&
      t < LocalToUtc(day, spec_.post_close_minute)) {
    return MarketSession::kPost;
  }
  return MarketSession::kClosed;
}

std::optional<TimestampUs> ExchangeCalendar::BarOpenContaining(TimestampUs t, Timeframe tf) const {
  const auto session = RegularSession(LocalDay(t));
  if (!session || t < session->open || t >= session->close) return std::nullopt;
  if (!tf.IsIntraday()) return session->open;
  const int64_t step = tf.DurationMicros();
  return session->open + FloorDiv(t - session->open, step) * step;
}

TimestampUs ExchangeCalendar::BarClose(TimestampUs bar_open, Timeframe tf) const {
  const auto session = RegularSession(LocalDay(bar_open));
  if (!session) return bar_open + tf.DurationMicros();
  if (!tf.IsIntraday()) return session->close;
  return std::min(bar_open + tf.DurationMicros(), session->close);
}

TimestampUs ExchangeCalendar::NextBarClose(TimestampUs t, Timeframe tf) const {
  int64_t day = LocalDay(t);
  // A long holiday run is at most a couple of weeks; 400 days bounds the search.
  for (int day_offset = 0; day_offset < 400; ++day_offset, ++day) {
    const auto session = RegularSession(day);
    if (!session || session->close <= t) continue;
    if (!tf.IsIntraday()) return session->close;
    if (t < session->open) return std::min(session->open + tf.DurationMicros(), session->close);
    const int64_t step = tf.DurationMicros();
    const TimestampUs open = session->open + FloorDiv(t - session->open, step) * step;
    return std::min(open + step, session->close);
  }
  return t + tf.DurationMicros();
}

std::vector<TimestampUs> ExchangeCalendar::TradingBars(TimestampUs from, TimestampUs to, Timeframe tf) const {
  std::vector<TimestampUs> bars;
  if (to <= from) return bars;
  const int64_t last_day = LocalDay(to) + 1;
  for (int64_t day = LocalDay(from) - 1; day <= last_day; ++day) {
    const auto session = RegularSession(day);
    if (!session) continue;
    if (!tf.IsIntraday()) {
      if (session->open >= from && session->open < to) bars.push_back(session->open);
      continue;
    }
    for (TimestampUs open = session->open; open < session->close; open += tf.DurationMicros()) {
      if (open >= from && open < to) bars.push_back(open);
    }
  }
  return bars;
}

}  // namespace rc
