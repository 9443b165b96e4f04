// The generated readers trust sizes in the input unless told otherwise:
// TCompactProtocol's string and container limits and TConfiguration's
// message size bound them by the buffer we hand over, so a hostile footer
// cannot make us allocate more than the bytes it occupies.
#include "lake/parquet/internal/thrift_io.h"

#include <cstring>

#include <thrift/TConfiguration.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <climits>
#include <memory>
#include <new>

namespace rc::lake::parquet::internal {
namespace {

using apache::thrift::TConfiguration;
using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::transport::TMemoryBuffer;

constexpr int kRecursionLimit = 64;

template <typename T>
Status SerializeImpl(const T& value, std::string* out) {
  try {
    auto buffer = std::make_shared<TMemoryBuffer>();
    TCompactProtocolT<TMemoryBuffer> protocol(buffer);
    value.write(&protocol);
    uint8_t* bytes = nullptr;
    uint32_t size = 0;
    buffer->getBuffer(&bytes, &size);
    out->append(reinterpret_cast<const char*>(bytes), size);
    return Ok();
  } catch (const std::exception& e) {
    return Internal(std::string("thrift serialisation failed: ") + e.what());
  }
}

template <typename T>
Result<size_t> DeserializeImpl(const uint8_t* data, size_t size, T* out, std::string_view what) {
  const auto limit = static_cast<uint32_t>(size >= static_cast<size_t>(INT_MAX) ? INT_MAX - 1 : size);
  try {
    auto config = std::make_shared<TConfiguration>(static_cast<int>(limit) + 1, static_cast<int>(limit) + 1,
                                                   kRecursionLimit);
    auto buffer = std::make_shared<TMemoryBuffer>(const_cast<uint8_t*>(data), limit, TMemoryBuffer::OBSERVE, config);
    TCompactProtocolT<TMemoryBuffer> protocol(buffer, static_cast<int32_t>(limit), static_cast<int32_t>(limit));
    out->read(&protocol);
    return static_cast<size_t>(limit - buffer->available_read());
  } catch (const apache::thrift::TException& e) {
    return DataCorrupt(std::string(what) + ": undecodable Thrift metadata (" + e.what() + ")");
  } catch (const std::bad_alloc&) {
    return DataCorrupt(std::string(what) + ": Thrift metadata too large");
  } catch (const std::exception& e) {
    return DataCorrupt(std::string(what) + ": undecodable Thrift metadata (" + e.what() + ")");
  }
}

}  // namespace

Status SerializeThrift(const format::FileMetaData& value, std::string* out) { return SerializeImpl(value, out); }
Status SerializeThrift(const format::PageHeader& value, std::string* out) { return SerializeImpl(value, out); }

namespace {

// Thrift's generated readers store any i32 from the file into the enum fields.
// A value outside an enum's range must never be loaded as that enum (undefined
// behaviour, and UBSan aborts on it), so every enum of a decoded struct is
// checked here, once, through its raw integer: negative values are corruption,
// values past the last known enumerator are features we do not support.
template <typename E>
Status CheckEnum(const E& value, int32_t max, std::string_view enum_name, std::string_view what) {
  static_assert(sizeof(E) == sizeof(int32_t), "Thrift enums are 32-bit");
  int32_t raw = 0;
  std::memcpy(&raw, &value, sizeof raw);
  if (raw < 0) return DataCorrupt(std::string(what) + ": invalid " + std::string(enum_name) + " " + std::to_string(raw));
  if (raw > max) {
    return Unsupported(std::string(what) + ": unknown " + std::string(enum_name) + " " + std::to_string(raw));
  }
  return Ok();
}

constexpr int32_t kMaxType = 7, kMaxRepetition = 2, kMaxConverted = 21, kMaxEncoding = 9, kMaxCodec = 7,
                  kMaxPageType = 3;

Status CheckEnums(const format::PageHeader& h, std::string_view what) {
  RC_RETURN_IF_ERROR(CheckEnum(h.type, kMaxPageType, "page type", what));
  const auto& d = h.data_page_header;
  RC_RETURN_IF_ERROR(CheckEnum(d.encoding, kMaxEncoding, "encoding", what));
  RC_RETURN_IF_ERROR(CheckEnum(d.definition_level_encoding, kMaxEncoding, "encoding", what));
  RC_RETURN_IF_ERROR(CheckEnum(d.repetition_level_encoding, kMaxEncoding, "encoding", what));
  RC_RETURN_IF_ERROR(CheckEnum(h.dictionary_page_header.encoding, kMaxEncoding, "encoding", what));
  RC_RETURN_IF_ERROR(CheckEnum(h.data_page_header_v2.encoding, kMaxEncoding, "encoding", what));
  return Ok();
}

Status CheckEnums(const format::FileMetaData& m, std::string_view what) {
  for (const auto& element : m.schema) {
    RC_RETURN_IF_ERROR(CheckEnum(element.type, kMaxType, "physical type", what));
    RC_RETURN_IF_ERROR(CheckEnum(element.repetition_type, kMaxRepetition, "repetition type", what));
    RC_RETURN_IF_ERROR(CheckEnum(element.converted_type, kMaxConverted, "converted type", what));
  }
  for (const auto& group : m.row_groups) {
    for (const auto& chunk : group.columns) {
      const auto& meta = chunk.meta_data;
      RC_RETURN_IF_ERROR(CheckEnum(meta.type, kMaxType, "physical type", what));
      RC_RETURN_IF_ERROR(CheckEnum(meta.codec, kMaxCodec, "compression codec", what));
      for (const auto& encoding : meta.encodings) RC_RETURN_IF_ERROR(CheckEnum(encoding, kMaxEncoding, "encoding", what));
      for (const auto& stats : meta.encoding_stats) {
        RC_RETURN_IF_ERROR(CheckEnum(stats.page_type, kMaxPageType, "page type", what));
        RC_RETURN_IF_ERROR(CheckEnum(stats.encoding, kMaxEncoding, "encoding", what));
      }
    }
  }
  return Ok();
}

}  // namespace

Result<size_t> DeserializeThrift(const uint8_t* data, size_t size, format::FileMetaData* out, std::string_view what) {
  RC_ASSIGN_OR_RETURN(size_t used, DeserializeImpl(data, size, out, what));
  RC_RETURN_IF_ERROR(CheckEnums(*out, what));
  return used;
}
Result<size_t> DeserializeThrift(const uint8_t* data, size_t size, format::PageHeader* out, std::string_view what) {
  RC_ASSIGN_OR_RETURN(size_t used, DeserializeImpl(data, size, out, what));
  RC_RETURN_IF_ERROR(CheckEnums(*out, what));
  return used;
}

}  // namespace rc::lake::parquet::internal
