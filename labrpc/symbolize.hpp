// Stack frames as a student reads them, for the real world's task dump (World::dump()):
// "raft::Raft::GetState() raft/raft.cpp:83", one line per source frame, inlined calls
// included. binutils' addr2line reads the running executable's debug information; the
// frames of the runtime itself, of the C++ library and of shared libraries are left out,
// so what remains is where the test's and the student's code wait.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lab::detail {

// For each stack (return addresses, innermost first, as backtrace() gives them), at most
// max_lines lines. Without addr2line a frame reads "raft_test+0x4b95b" (addr2line -e
// build/raft_test 0x4b95b names it).
std::vector<std::vector<std::string>> symbolize(const std::vector<std::vector<void*>>& stacks,
                                                size_t max_lines);

}  // namespace lab::detail
