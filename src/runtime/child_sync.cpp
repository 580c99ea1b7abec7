#include "runtime/child_sync.hpp"

#include "sys/seccomp_notify.hpp"
#include "util/error.hpp"
#include "util/fd_passing.hpp"
#include "util/unique_fd.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace berth::runtime {
namespace {

// How long the child may take between announcing the listener and either sending it or
// being found holding it. Only a child that neither runs nor can be read from waits here.
constexpr auto kListenerDeadline = std::chrono::seconds(10);

// One record, and the fd riding on it if any (CLOEXEC).
UniqueFd receive(int sync, child::Message& m) {
    Received r = receive_with_fd(sync, &m, sizeof m, "read from the container process");
    if (r.bytes == 0) throw_error("the container process exited before it handed over its seccomp listener");
    if (r.bytes != sizeof m) throw_error("container process: short message");
    return std::move(r.fd);
}

bool is_seccomp_listener(int fd) {
    char link[64] = {};
    std::string path = fmt::format("/proc/self/fd/{}", fd);
    ssize_t n = ::readlink(path.c_str(), link, sizeof link - 1);
    return n > 0 && std::strcmp(link, "anon_inode:seccomp notify") == 0;
}

UniqueFd take_listener(int sync, int pidfd, int child_fd) {
    auto deadline = std::chrono::steady_clock::now() + kListenerDeadline;
    int delay_ms = 1;
    int getfd_error = 0;
    for (;;) {
        pollfd p{sync, POLLIN, 0};
        int ready = ::poll(&p, 1, delay_ms);
        if (ready < 0 && errno != EINTR) throw_errno("wait for the seccomp listener");
        if (ready > 0) {
            child::Message m{};
            UniqueFd fd = receive(sync, m);
            if (m.type == child::MsgType::error) throw_child_error(m);
            if (m.type != child::MsgType::seccomp_loaded || !fd || !is_seccomp_listener(fd.get()))
                throw_error("container process: unexpected message {} instead of its seccomp listener",
                            static_cast<unsigned>(m.type));
            return fd;
        }
        // No message yet: either the child has not loaded the filter (EBADF), or the
        // filter holds its send for the agent, which berth has yet to hand the listener.
        UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, child_fd, 0)));
        if (fd && is_seccomp_listener(fd.get())) return fd;
        if (!fd && errno != EBADF) getfd_error = errno;
        if (std::chrono::steady_clock::now() > deadline) {
            throw Error("take the seccomp listener: the container process neither sent it nor let berth take it",
                        getfd_error != 0 ? getfd_error : ETIMEDOUT);
        }
        delay_ms = std::min(delay_ms * 2, 50);
    }
}

}  // namespace

void throw_child_error(child::Message m) {
    m.stage[sizeof m.stage - 1] = m.detail[sizeof m.detail - 1] = '\0';
    if (m.detail[0] == '\0') throw Error(m.stage, m.err);
    throw Error(fmt::format("{} \"{}\"", m.stage, m.detail), m.err);
}

void hand_off_listener(int sync, int pidfd, int child_fd, const ListenerTarget& target) {
    if (target.seccomp == nullptr) throw_error("container process: a seccomp listener without linux.seccomp");
    UniqueFd listener = take_listener(sync, pidfd, child_fd);
    // runtime-spec config-linux.md#seccomp: "If sending to this socket fails, the
    // runtime MUST generate an error."
    sys::send_seccomp_listener(target.seccomp->listener_path, listener.get(), target.pid, target.state_json,
                               target.seccomp->listener_metadata);
}

}  // namespace berth::runtime
