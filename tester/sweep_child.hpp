// The child's side of a seed sweep (tester/sweep.hpp): a doctest listener that, in the
// child process running one seed, tells the parent over a pipe where each test case's
// output starts and how the test case ended. Idle in every other run.
//
// The report is one line per event, its fields separated by tabs:
//   start <test> <offset>                   the test case began; its output starts at byte
//                                           <offset> of the child's output file
//   crash <offset>                          the test case dies of a signal (doctest's
//                                           handler reports it, then the process dies); its
//                                           output up to <offset> is the test's own
//   end <test> <status> <seconds> <message> status pass, fail or crash; real seconds; the
//                                           first failure on one line (empty when passed)
//   query                                   the run answered a query (-ltc, --help...)
//   done <offset>                           the run ended (not after a crash); its test
//                                           output ends at <offset> (doctest's totals follow)
#pragma once

#include <string>
#include <string_view>

namespace tester::sweep {

// Makes this process report to `fd`, the write end of the parent's pipe. Its stdout and
// stderr must already be the one output file whose offsets the report gives.
void report_to(int fd);

// `text` on one line, as the report and results.tsv need it: each tab and line break
// becomes a space.
std::string one_line(std::string_view text);

}  // namespace tester::sweep
