// Builds the container init's launch plan from config.json: every decision made in the
// parent, before clone. Parent only; throws berth::Error naming the config field.
#pragma once

#include "child/launch_plan.hpp"
#include "oci/config.hpp"
#include "runtime/operations.hpp"

#include <string>

namespace berth::runtime {

struct PlanInputs {
    const oci::Config* config = nullptr;
    std::string id;
    std::string bundle;
    std::string state_dir;  // <root>/<id>
    std::string seccomp_cache_dir;
    bool rootless = false;
    bool no_pivot = false;
    bool no_new_keyring = false;
    unsigned preserve_fds = 0;
};

child::LaunchPlan build_launch_plan(const PlanInputs& in);

// The session keyring's name for container `id` without its last part: "_ses.<id>.", to
// which the child appends the init's host pid. Joined by the init and by exec.
std::string session_keyring_prefix(const std::string& id);

// The absolute rootfs path of a config (root.path taken from the bundle).
std::string rootfs_path(const oci::Config& config, const std::string& bundle);

}  // namespace berth::runtime
