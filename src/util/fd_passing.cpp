#include "util/fd_passing.hpp"

#include "util/error.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace berth {

Received receive_with_fd(int sock, void* buf, std::size_t size, const char* what) {
    iovec iov{buf, size};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    Received r;
    do {
        r.bytes = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (r.bytes < 0 && errno == EINTR);
    if (r.bytes < 0) throw_errno("{}", what);
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int got = -1;
        std::memcpy(&got, CMSG_DATA(c), sizeof got);
        r.fd.reset(got);
    }
    return r;
}

}  // namespace berth
