// Stack frames to source lines through addr2line (see symbolize.hpp).
#include "labrpc/symbolize.hpp"

#include "labrpc/platform.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>

namespace lab::detail {

namespace {

struct SourceFrame {
  std::string function;
  std::string file;  // "/work/lab/raft/raft.cpp:83", or "??:0"
};

// Frames nobody debugging a lab wants to read: the runtime's own, the C++ library's,
// the test binary's main.
bool boring(const SourceFrame& f) {
  if (f.function == "??" || f.file.rfind("??", 0) == 0 || f.file.rfind("/usr/", 0) == 0) return true;
  for (std::string_view own : {"labrpc/runtime.hpp:", "labrpc/runtime.cpp:",
                               "labrpc/backend_real.cpp:", "tester/doctest_main.cpp:"}) {
    if (f.file.find(own) != std::string::npos) return true;
  }
  return false;
}

// "0x4b95b: f() at a.cpp:3" and " (inlined by) g() at b.cpp:9" lines (addr2line -a -p -i),
// innermost first, by offset.
std::map<uintptr_t, std::vector<SourceFrame>> run_addr2line(const std::string& exe,
                                                            const std::set<uintptr_t>& offsets) {
  std::map<uintptr_t, std::vector<SourceFrame>> frames;
  std::string command = "addr2line -C -f -i -p -a -e '" + exe + "'";
  for (uintptr_t offset : offsets) {
    char hex[32];
    std::snprintf(hex, sizeof hex, " 0x%lx", static_cast<unsigned long>(offset));
    command += hex;
  }
  command += " 2>/dev/null";
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return frames;
  std::vector<SourceFrame>* current = nullptr;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    std::string_view line(buffer);
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    constexpr std::string_view kInlined = " (inlined by) ";
    if (line.rfind("0x", 0) == 0) {
      const size_t colon = line.find(": ");
      if (colon == std::string_view::npos) continue;
      const uintptr_t offset = std::stoul(std::string(line.substr(0, colon)), nullptr, 16);
      current = &frames[offset];
      line.remove_prefix(colon + 2);
    } else if (line.rfind(kInlined, 0) == 0 && current != nullptr) {
      line.remove_prefix(kInlined.size());
    } else {
      continue;
    }
    if (const size_t d = line.find(" (discriminator "); d != std::string_view::npos) {
      line = line.substr(0, d);
    }
    const size_t at = line.rfind(" at ");
    if (at == std::string_view::npos) {
      current->push_back({std::string(line), "??:0"});
    } else {
      current->push_back({std::string(line.substr(0, at)), std::string(line.substr(at + 4))});
    }
  }
  pclose(pipe);
  return frames;
}

// A C++ name without its parameter lists, which for templates and lambdas run to lines:
// "raft::Raft::AppendEntries(...)", "lab::Server::Dispatch(...)". Empty lists stay "()".
std::string without_parameters(const std::string& function) {
  std::string out;
  int depth = 0;
  for (size_t i = 0; i < function.size(); ++i) {
    const char c = function[i];
    if (c == '(') {
      if (depth++ == 0) out += function[i + 1] == ')' ? "(" : "(...";
    } else if (c == ')') {
      if (--depth == 0) out += ')';
    } else if (depth == 0) {
      out += c;
    }
  }
  return out;
}

// The file relative to the working directory, as the student's tree names it.
std::string shorten(const std::string& file, const std::string& cwd) {
  if (!cwd.empty() && file.rfind(cwd + "/", 0) == 0) return file.substr(cwd.size() + 1);
  return file;
}

}  // namespace

std::vector<std::vector<std::string>> symbolize(const std::vector<std::vector<void*>>& stacks,
                                                size_t max_lines) {
  Dl_info self{};
  dladdr(reinterpret_cast<void*>(&symbolize), &self);
  const auto base = reinterpret_cast<uintptr_t>(self.dli_fbase);
  // A return address points after its call: look up the call itself.
  const auto offset_in_executable = [&](void* pc, uintptr_t* offset) {
    Dl_info info{};
    const auto call = reinterpret_cast<uintptr_t>(pc) - 1;
    if (dladdr(reinterpret_cast<void*>(call), &info) == 0 || info.dli_fbase != self.dli_fbase) {
      return false;
    }
    *offset = call - base;
    return true;
  };
  std::set<uintptr_t> offsets;
  for (const auto& stack : stacks) {
    for (void* pc : stack) {
      if (uintptr_t offset = 0; offset_in_executable(pc, &offset)) offsets.insert(offset);
    }
  }
  const std::string exe = platform::executable_path();
  const auto resolved = run_addr2line(exe, offsets);
  char cwd_buffer[4096];
  const std::string cwd = getcwd(cwd_buffer, sizeof cwd_buffer) ? cwd_buffer : "";
  const std::string exe_name = exe.substr(exe.find_last_of('/') + 1);

  std::vector<std::vector<std::string>> out;
  for (const auto& stack : stacks) {
    std::vector<std::string>& lines = out.emplace_back();
    for (void* pc : stack) {
      if (lines.size() >= max_lines) break;
      uintptr_t offset = 0;
      if (!offset_in_executable(pc, &offset)) continue;
      auto it = resolved.find(offset);
      if (it == resolved.end()) {
        char raw[64];
        std::snprintf(raw, sizeof raw, "+0x%lx", static_cast<unsigned long>(offset));
        lines.push_back(exe_name + raw);
        continue;
      }
      for (const SourceFrame& f : it->second) {
        if (boring(f) || lines.size() >= max_lines) continue;
        lines.push_back(without_parameters(f.function) + " " + shorten(f.file, cwd));
      }
    }
  }
  return out;
}

}  // namespace lab::detail
