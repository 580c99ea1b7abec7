// `create`: read the bundle, plan, clone the init, drive it to exec.fifo. Parent only.
#pragma once

#include "runtime/operations.hpp"
#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <string>

namespace berth::runtime {

struct CreatedContainer {
    pid_t pid = 0;
    UniqueFd pidfd;
};

// A socket connected to --console-socket PATH (receives a pty master); throws.
UniqueFd connect_console(const std::string& path);

// Everything of create but the output; `console_fd` >= 0 is a connected socket that
// receives the pty master instead of --console-socket (run in the foreground).
// Throws `create "id": ...`; on failure nothing is left behind.
CreatedContainer create_container(const GlobalOptions& global, const CreateOptions& options, int console_fd = -1);

}  // namespace berth::runtime
