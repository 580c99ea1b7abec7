// Receiving a file descriptor over a unix socket (SCM_RIGHTS), for the parent side: the
// console master from the init, the seccomp listener from the container process. The
// child side sends with child_util's send_with_fd, which may not allocate or throw.
#pragma once

#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <cstddef>

namespace berth {

struct Received {
    ssize_t bytes = 0;  // of the message; 0 at end of file
    UniqueFd fd;        // the descriptor riding on it (CLOEXEC), if any
};

// One recvmsg into buf (at most size bytes), retried on EINTR. Throws berth::Error naming
// `what` when recvmsg fails.
Received receive_with_fd(int sock, void* buf, std::size_t size, const char* what);

}  // namespace berth
