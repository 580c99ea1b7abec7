// The one entry point the runtime's `create` calls: detect a GPU request in the config,
// resolve it (CDI specs, or driver discovery + selection + requirements + plan) and
// apply the edits to the in-memory config.
//
// Parent side, before anything is created: every input error throws here, so a failed
// request leaves no state directory, cgroup or mount behind. A container that asks for
// no GPU returns at once with the config untouched and no file read.
#pragma once

#include "hooks/nvidia/config.hpp"
#include "oci/config.hpp"

#include <string>
#include <vector>

namespace berth::nvidia {

struct InjectResult {
    bool requested = false;             // the container asked for GPUs (edits applied)
    std::vector<std::string> warnings;  // the caller logs them
};

// `rootfs` is the absolute host path of config.root.path (it picks the library dir).
// Throws berth::Error, one line, for any input error (see shared/nvidia.md §5.3).
InjectResult inject_gpus(oci::Config& config, const NvidiaConfig& nvidia, const std::string& rootfs);

}  // namespace berth::nvidia
