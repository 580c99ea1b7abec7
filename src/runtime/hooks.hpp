// The OCI hooks runner (config.md#posix-platform-hooks). Parent only.
#pragma once

#include "oci/config.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace berth::runtime {

// Runs `hooks` in order, each with `state_json` on stdin, waiting for each (killing it
// after its timeout). With `container_pid` > 0 each hook runs in that process's
// namespaces (createContainer); otherwise in berth's (the runtime namespace).
// Throws berth::Error `<stage> hook "<path>": exited with status 3` (or timed out...).
void run_hooks(const std::vector<oci::Hook>& hooks, const char* stage, const std::string& state_json,
               pid_t container_pid = 0);

}  // namespace berth::runtime
