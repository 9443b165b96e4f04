// The generated readers trust sizes in the input unless told otherwise:
// TCompactProtocol's string and container limits and TConfiguration's
// message size bound them by the buffer we hand over, so a hostile footer
// cannot make us allocate more than the bytes it occupies.
#include "lake/parquet/internal/thrift_io.h"

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

Result<size_t> DeserializeThrift(const uint8_t* data, size_t size, format::FileMetaData* out, std::string_view what) {
  return DeserializeImpl(data, size, out, what);
}
Result<size_t> DeserializeThrift(const uint8_t* data, size_t size, format::PageHeader* out, std::string_view what) {
  return DeserializeImpl(data, size, out, what);
}

}  // namespace rc::lake::parquet::internal
