// Where a tester call was made (file and line), for failure reports: std::source_location
// where the C++ library has it, else a stand-in with the same current(), file_name() and
// line(), built on the compiler's __builtin_FILE()/__builtin_LINE() (Clang 14 with
// libstdc++ 12 has no std::source_location, yet has those builtins).
#pragma once

#include <version>

#if defined(__cpp_lib_source_location)
#include <source_location>

namespace tester {
using SourceLocation = std::source_location;
}  // namespace tester

#else
#include <cstdint>

namespace tester {

class SourceLocation {
 public:
  // As a default argument, the builtins name the line that called the function.
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          std::uint_least32_t line = __builtin_LINE()) noexcept {
    SourceLocation where;
    where.file_ = file;
    where.line_ = line;
    return where;
  }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr std::uint_least32_t line() const noexcept { return line_; }

 private:
  const char* file_ = "";
  std::uint_least32_t line_ = 0;
};

}  // namespace tester

#endif
