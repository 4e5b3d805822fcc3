// The codec's out-of-line parts: type names and the bounds checks of decoding.
#include "labrpc/codec.hpp"

#include <cxxabi.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

namespace lab {

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                              std::free);
  std::string out = status == 0 && name ? std::string(name.get()) : std::string(mangled);
  // libc++ keeps std in an inline namespace ("std::__1::vector"): a student reads std::.
  constexpr std::string_view kLibcxx = "std::__1::";
  for (size_t at = out.find(kLibcxx); at != std::string::npos; at = out.find(kLibcxx, at)) {
    out.replace(at, kLibcxx.size(), "std::");
  }
  return out;
}

namespace {
std::atomic<int> g_codec_warnings{0};
}

int codec_warning_count() { return g_codec_warnings.load(); }

void detail::codec_warn(const std::string& type, int visited, int members) {
  ++g_codec_warnings;
  std::fprintf(stderr, "codec warning: %s serializes %d of its %d members\n", type.c_str(), visited,
               members);
}

void BoundedInputArchive::loadBinary(void* out, size_t n) {
  if (n > size_ - offset_) {
    throw CodecError("truncated input: needs " + std::to_string(n) + " bytes at offset " +
                     std::to_string(offset_) + ", only " + std::to_string(size_ - offset_) +
                     " left");
  }
  if (n > 0) std::memcpy(out, data_ + offset_, n);
  offset_ += n;
}

void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, bool& b) {
  uint8_t byte = 0;
  const size_t at = ar.offset();
  ar.loadBinary(&byte, 1);
  if (byte > 1) {
    throw CodecError("invalid bool byte " + std::to_string(byte) + " at offset " +
                     std::to_string(at));
  }
  b = byte == 1;
}

void BoundedInputArchive::checkLength(uint64_t length) const {
  // Empty elements encode to nothing, so a vector of them may be longer than the bytes
  // left; 65536 of them cost nothing to allocate, while a corrupt length is refused.
  constexpr uint64_t kMaxEmptyElements = 65536;
  if (length > size_ - offset_ && length > kMaxEmptyElements) {
    throw CodecError("length prefix " + std::to_string(length) + " at offset " +
                     std::to_string(offset_ - sizeof(uint64_t)) + " exceeds the " +
                     std::to_string(size_ - offset_) + " bytes left");
  }
}

}  // namespace lab
