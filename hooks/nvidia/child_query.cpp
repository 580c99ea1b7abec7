#include "hooks/nvidia/child_query.hpp"

#include "util/error.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace berth::nvidia {
namespace {

// Reads the whole answer or gives up at the deadline; false on timeout or end of file.
bool read_answer(int fd, char* out, std::size_t size, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t got = 0;
    while (got < size) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd pfd{fd, POLLIN, 0};
        int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return false;
        ssize_t n = ::read(fd, out + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        got += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

bool ask_child(const char* what, void (*child)(const char* arg, int fd), const char* arg, void* out,
               std::size_t size, std::chrono::milliseconds timeout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw_errno("nvidia: pipe for {}", what);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("nvidia: fork for {}", what);
    if (pid == 0) {
        child(arg, write_end.get());
        ::_exit(127);  // the child function must not return
    }
    write_end.reset();
    bool complete = read_answer(read_end.get(), static_cast<char*>(out), size, timeout);
    if (!complete) ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return complete;
}

}  // namespace berth::nvidia
