// The one entry point the runtime's `create` calls: detect a GPU request in the config,
// resolve it (CDI specs, or driver discovery + selection + requirements + plan) and
// apply the edits to the in-memory config.
//
// Parent side, before anything is created: every input error throws here, so a failed
// request leaves no state directory, cgroup or mount behind. A container that asks for
// no GPU returns at once with the config untouched and no file read.
#pragma once

#include "hooks/nvidia/config.hpp"
#include "hooks/nvidia/edits.hpp"
#include "oci/config.hpp"

#include <optional>
#include <string>
#include <vector>

namespace berth::nvidia {

struct InjectResult {
    bool requested = false;             // the container asked for GPUs (edits applied)
    std::vector<std::string> warnings;  // the caller logs them
};

// `rootfs` is the absolute host path of config.root.path (it picks the library dir).
// `nodes`: how the device nodes reach the container (edits.hpp; bind in a user namespace).
// Throws berth::Error, one line, for any input error (see shared/nvidia.md §5.3).
InjectResult inject_gpus(oci::Config& config, const NvidiaConfig& nvidia, const std::string& rootfs,
                         NodeDelivery nodes = NodeDelivery::make);

// The same decision as inject_gpus() without touching the config: the edits a GPU
// request needs, or nullopt for a container that asks for none. berth-nvidia-hook uses
// it, because in hook mode it must carry the edits out itself. CDI device nodes come
// back completed (type, numbers, mode from the host node). Throws as inject_gpus().
std::optional<ContainerEdits> gpu_edits(const oci::Config& config, const NvidiaConfig& nvidia,
                                        const std::string& rootfs, std::vector<std::string>& warnings);

}  // namespace berth::nvidia
