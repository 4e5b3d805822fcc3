// Unit tests of the platform calls (platform.hpp): what every system must give, and what
// Linux, where these tests run, gives beyond the fallbacks.
#include "labrpc/platform.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

TEST_SUITE("platform") {
  TEST_CASE("the_executable_is_found_by_its_absolute_path") {
    const std::string self = lab::platform::executable_path();
    REQUIRE(!self.empty());
    CHECK(self.front() == '/');
    CHECK(access(self.c_str(), X_OK) == 0);
    CHECK(lab::platform::executable_name() == "labrpc_test");
  }

  TEST_CASE("a_task_stack_can_be_mapped_with_the_stack_flags") {
    const size_t bytes = 64 * 1024;
    void* stack = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, lab::platform::stack_mmap_flags(), -1, 0);
    REQUIRE(stack != MAP_FAILED);
    static_cast<char*>(stack)[bytes - 1] = 1;
    CHECK(munmap(stack, bytes) == 0);
  }

  TEST_CASE("both_ends_of_the_pipe_close_on_exec") {
    int fds[2];
    REQUIRE(lab::platform::pipe_cloexec(fds));
    CHECK((fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0);
    CHECK((fcntl(fds[1], F_GETFD) & FD_CLOEXEC) != 0);
    close(fds[0]);
    close(fds[1]);
  }

  TEST_CASE("the_thread_stack_holds_the_current_frame") {
    const void* bottom = nullptr;
    size_t size = 0;
    if (!lab::platform::current_thread_stack(&bottom, &size)) return;  // unknown here
    // The frame address, not a local's: AddressSanitizer may move locals to a heap stack.
    const char* at = static_cast<const char*>(__builtin_frame_address(0));
    CHECK(at >= static_cast<const char*>(bottom));
    CHECK(at < static_cast<const char*>(bottom) + size);
  }

#if defined(__linux__)
  TEST_CASE("linux_pins_threads_and_names_signals") {
    CHECK(lab::platform::can_pin_threads());
    CHECK(lab::platform::current_cpu() >= 0);
    CHECK(lab::platform::allowed_cpu_count() >= 1);
    CHECK(lab::platform::signal_abbrev(SIGSEGV) == "SEGV");
    CHECK(lab::platform::stack_report_signal() == SIGRTMIN);
  }
#endif
}
