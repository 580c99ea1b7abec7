// `cdi generate`: a CDI spec for the GPUs of a discovered driver, as nvidia-ctk writes
// one, and the JSON/YAML writers for CdiSpec. The output loads with parse_cdi_spec()
// (cdi_spec.hpp) to an equal spec: the tests check that round trip.
//
// Parent side, pure apart from what the caller discovered.
#pragma once

#include "hooks/nvidia/cdi_spec.hpp"
#include "hooks/nvidia/discovery.hpp"
#include "hooks/nvidia/nvml.hpp"
#include "hooks/nvidia/plan.hpp"

#include <string>

namespace berth::nvidia {

struct CdiGenerateOptions {
    std::string kind = "nvidia.com/gpu";
    LibDirs lib_dirs{"/usr/lib/x86_64-linux-gnu", "/usr/lib/i386-linux-gnu"};
    std::string hook_path;  // berth-nvidia-hook on the host
    std::string ldconfig;   // as PlanOptions::ldconfig
    std::string proc_root = "/";
    // NVML's answer, for the "MIG-<uuid>" names only; without it MIG devices are listed
    // by index alone (the files name GI/CI numbers, never UUIDs).
    std::optional<NvmlInfo> nvml;
};

// Devices "0".."N-1" (PCI order, the nvidia-smi index), "GPU-<uuid>" for each, then per
// MIG compute instance "<gpu>:<n>" (the n-th of that GPU in (gi, ci) order, as
// NVIDIA_VISIBLE_DEVICES counts) and, when options.nvml knows it, "MIG-<uuid>", then
// "all" (every GPU and MIG device, as nvidia-ctk's). Each device brings its /dev/nvidiaN
// node and a mask-procfs hook naming its /proc/driver/nvidia/gpus entry (the hook is
// additive, so several devices compose); a MIG device also its parent's node, its GI and
// CI /dev/nvidia-caps nodes, and --caps for its GI and CI access files: exactly the
// env-var path's edits for the same device (plan_edits).
// The spec-level edits carry everything else for every capability: control nodes,
// libraries, binaries, firmware, IPC, the create-symlinks and update-ldcache hooks,
// and NVIDIA_VISIBLE_DEVICES=void so a legacy hook does not inject a second time.
// cdiVersion is the lowest that has every field used (minimum_cdi_version).
CdiSpec generate_cdi_spec(const Driver& driver, const CdiGenerateOptions& options);

// The spec as a document; to_cdi_json is pretty JSON, to_cdi_yaml block YAML with every
// string double-quoted (so no value is ever read back as a number or a boolean).
std::string to_cdi_json(const CdiSpec& spec);
std::string to_cdi_yaml(const CdiSpec& spec);
// One containerEdits object, pretty JSON (berth-nvidia-hook print-edits).
std::string to_edits_json(const ContainerEdits& edits);

}  // namespace berth::nvidia
