// The OCI hooks runner (config.md#posix-platform-hooks). Parent only.
#pragma once

#include "oci/config.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace berth::runtime {

// Where and how one stage's hooks run.
struct HookStage {
    const char* name = "";  // "prestart", ... for messages
    // The hooks' working directory: the bundle for hooks in the runtime namespace (runc's
    // create runs them from the bundle, crun all of them), the container's rootfs as the
    // init sees it before pivot_root for createContainer (runc).
    std::string cwd;
    // > 0: each hook runs in that process's namespaces (createContainer); otherwise in
    // berth's (the runtime namespace).
    pid_t container_pid = 0;
    // runtime.md#lifecycle step 13: a failing poststop hook is a warning and the
    // remaining hooks still run. Every other stage stops at the first failure.
    bool keep_going = false;
};

// Runs `hooks` in order, each with `state_json` on stdin, waiting for each (killing it
// after its timeout). A hook without `env` gets berth's own environment (runc and crun
// do the same; the spec is silent), so what the engine or user set reaches it.
// Throws berth::Error `<stage> hook "<path>": exited with status 3` (or timed out...),
// unless stage.keep_going, which logs each failure as a warning instead.
void run_hooks(const std::vector<oci::Hook>& hooks, const HookStage& stage, const std::string& state_json);

}  // namespace berth::runtime
