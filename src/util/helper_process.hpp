// A short-lived helper process for a step berth cannot take in its own process: joining a
// namespace with setns() (a user namespace cannot be left; a mount namespace moves root
// and cwd). Parent side only.
#pragma once

#include "util/error.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <type_traits>

namespace berth {

// Forks; the helper runs `body()`, sends its trivially copyable result over a pipe and
// _exits. The parent reaps it and returns the result, or nullopt when the helper died
// first. Throws when the pipe or the fork fails.
template <typename Body>
auto run_in_helper(Body body) -> std::optional<decltype(body())> {
    using Result = decltype(body());
    static_assert(std::is_trivially_copyable_v<Result>);
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0) throw_errno("pipe");
    UniqueFd report_read(pipefd[0]), report_write(pipefd[1]);
    pid_t helper = ::fork();
    if (helper < 0) throw_errno("fork");
    if (helper == 0) {
        Result r = body();
        ssize_t ignored = ::write(report_write.get(), &r, sizeof r);
        (void)ignored;
        ::_exit(0);
    }
    report_write.reset();
    Result r{};
    ssize_t n = ::read(report_read.get(), &r, sizeof r);
    while (::waitpid(helper, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (n != static_cast<ssize_t>(sizeof r)) return std::nullopt;
    return r;
}

}  // namespace berth
