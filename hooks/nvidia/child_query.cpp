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

// vendor_answers.hpp's, weak: null unless berth-nvidia-answers is linked in (only into
// dynamic programs), so a static berth carries no dlopen.
[[gnu::weak]] void answer_query(const std::string& name, const char* library, int fd);

namespace {

std::string g_helper;

// The forked child of a program without the answers: the helper answers on our pipe as its stdout,
// with an empty environment (it sets its own PATH).
[[noreturn]] void exec_helper(const char* query, const char* library, int fd) {
    if (g_helper.empty() || ::dup2(fd, STDOUT_FILENO) < 0) ::_exit(126);
    const char* argv[] = {g_helper.c_str(), "query-driver", query, library, nullptr};
    const char* envp[] = {nullptr};
    ::execve(g_helper.c_str(), const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    ::_exit(127);
}

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

void set_query_helper(std::string path) { g_helper = std::move(path); }

bool ask_child(const char* what, const char* query, const char* library, void* out, std::size_t size,
               std::chrono::milliseconds timeout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw_errno("nvidia: pipe for {}", what);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("nvidia: fork for {}", what);
    if (pid == 0) {
        if (answer_query == nullptr) exec_helper(query, library, write_end.get());
        answer_query(query, library, write_end.get());
        ::_exit(127);  // an unknown query
    }
    write_end.reset();
    bool complete = read_answer(read_end.get(), static_cast<char*>(out), size, timeout);
    if (!complete) ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return complete;
}

}  // namespace berth::nvidia
