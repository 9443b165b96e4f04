#include "core/symbol.h"

namespace rc {
namespace {

constexpr size_t kMaxSymbolLength = 32;

bool IsFirstChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '^'; }
bool IsRestChar(char c) {
  return IsFirstChar(c) || c == '.' || c == '-' || c == '=' || c == '&';
}

}  // namespace

Result<Symbol> Symbol::Parse(std::string_view text, std::string_view field_name) {
  std::string field(field_name);
  if (text.empty()) return InvalidArgument(field, "must not be empty");
  if (text.size() > kMaxSymbolLength) {
    return InvalidArgument(field, "must be at most 32 characters, got " + std::to_string(text.size()));
  }
  std::string upper;
  upper.reserve(text.size());
  for (char c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    upper.push_back(c);
  }
  if (!IsFirstChar(upper[0])) {
    return InvalidArgument(field, "must start with a letter, a digit or '^'");
  }
  for (size_t char_idx = 1; char_idx < upper.size(); ++char_idx) {
    const unsigned char c = static_cast<unsigned char>(upper[char_idx]);
    if (!IsRestChar(static_cast<char>(c))) {
      if (c == '/') return InvalidArgument(field, "must not contain '/'");
      if (c >= 0x80) return InvalidArgument(field, "must be ASCII (letters, digits and . - = & ^)");
      return InvalidArgument(field, "contains a character outside A-Z 0-9 . - = & ^ at position " +
                                        std::to_string(char_idx));
    }
  }
  if (upper.find("..") != std::string::npos) return InvalidArgument(field, "must not contain '..'");
  return Symbol(std::move(upper));
}

std::string_view Symbol::Ticker() const {
  const size_t dot = value_.rfind('.');
  if (dot == std::string::npos || dot == 0) return value_;
  return std::string_view(value_).substr(0, dot);
}

std::string_view Symbol::ExchangeSuffix() const {
  const size_t dot = value_.rfind('.');
  if (dot == std::string::npos || dot == 0) return {};
  return std::string_view(value_).substr(dot + 1);
}

}  // namespace rc
