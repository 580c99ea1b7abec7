// `create`: read the bundle, plan, clone the init, drive it to exec.fifo. Parent only.
#pragma once

#include "runtime/operations.hpp"
#include "util/unique_fd.hpp"

#include <sys/types.h>

namespace berth::runtime {

struct CreatedContainer {
    pid_t pid = 0;
    UniqueFd pidfd;
};

// Everything of create but the output; `console_fd` >= 0 is a connected socket that
// receives the pty master instead of --console-socket (run in the foreground).
// Throws `create "id": ...`; on failure nothing is left behind.
CreatedContainer create_container(const GlobalOptions& global, const CreateOptions& options, int console_fd = -1);

}  // namespace berth::runtime
