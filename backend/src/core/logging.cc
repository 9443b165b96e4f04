#include "core/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/strings.h"

namespace rc {
namespace {

thread_local std::string current_request_id;

// %Q: `,"request_id":"<id>"` inside a request, nothing outside (JSON format).
class JsonRequestIdFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    if (current_request_id.empty()) return;
    const std::string text = ",\"request_id\":\"" + JsonEscape(current_request_id) + "\"";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonRequestIdFlag>(); }
};

// %q: `[req <id>] ` inside a request, nothing outside (text format).
class TextRequestIdFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    if (current_request_id.empty()) return;
    const std::string text = "[req " + current_request_id + "] ";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<TextRequestIdFlag>(); }
};

// %j: the log message escaped for JSON (spdlog's %v is raw text).
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string escaped = JsonEscape(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessageFlag>(); }
};

}  // namespace

ScopedRequestId::ScopedRequestId(std::string request_id) : previous_(std::move(current_request_id)) {
  current_request_id = std::move(request_id);
}

ScopedRequestId::~ScopedRequestId() { current_request_id = std::move(previous_); }

const std::string& CurrentRequestId() { return current_request_id; }

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t pos = 0; pos < text.size(); ++pos) {
    const char c = text[pos];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else if (static_cast<unsigned char>(c) < 0x80) {
          out += c;
        } else if (const size_t length = Utf8SequenceLength(text, pos); length > 0) {
          out.append(text.substr(pos, length));
          pos += length - 1;
        } else {
          out += "\\ufffd";  // not UTF-8 (echoed client bytes): the output must stay valid JSON
        }
    }
  }
  return out;
}

Status InitLogging(const std::string& level, LogFormat format) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return InvalidArgument("LOG_LEVEL", "unknown log level '" + level + "'");
  }
  auto logger = spdlog::stderr_color_mt("regimecast");
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == LogFormat::kJson) {
    formatter->add_flag<JsonMessageFlag>('j').add_flag<JsonRequestIdFlag>('Q').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n","msg":"%j"%Q})");
  } else {
    formatter->add_flag<TextRequestIdFlag>('q').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %q%v");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(parsed);
  spdlog::set_default_logger(logger);
  return Ok();
}

}  // namespace rc
