// Does a container ask for NVIDIA GPUs, and which? Reads only the OCI config: no driver
// probing, no file access, so a container that asks for nothing costs nothing.
//
// Pure; parent side. Order (shared/nvidia.md §2): CDI annotations (cdi.k8s.io/*), then
// /dev/null mounts under /var/run/nvidia-container-devices/ if acceptVolumeMounts, then
// NVIDIA_VISIBLE_DEVICES (from process.env, the last occurrence wins, as getenv sees it)
// if the container is privileged or acceptEnvvarUnprivileged. A legacy CUDA image
// (CUDA_VERSION set, NVIDIA_REQUIRE_CUDA unset) with NVIDIA_VISIBLE_DEVICES unset means
// all GPUs with all capabilities.
#pragma once

#include "hooks/nvidia/capabilities.hpp"
#include "hooks/nvidia/config.hpp"
#include "hooks/nvidia/requirements.hpp"
#include "hooks/nvidia/visible_devices.hpp"
#include "oci/config.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

inline constexpr std::string_view kVolumeMountDevicesRoot = "/var/run/nvidia-container-devices";

struct Request {
    // cdi: `devices.cdi_names` are resolved against the spec dirs; the rest is unused.
    // Otherwise `devices` is none/all/list and the fields below apply.
    VisibleDevices devices;
    CapabilitySet capabilities;
    std::vector<Requirement> requirements;  // empty when NVIDIA_DISABLE_REQUIRE is true
    bool mig_config = false;                // NVIDIA_MIG_CONFIG_DEVICES=all (privileged only)
    bool mig_monitor = false;               // NVIDIA_MIG_MONITOR_DEVICES=all (privileged only)
};

// The value of `key` in process.env, nullopt if unset.
std::optional<std::string_view> find_env(const oci::Config& config, std::string_view key);

// Privileged = CAP_SYS_ADMIN in the bounding set, as nvidia-container-runtime-hook decides.
bool is_privileged(const oci::Config& config);

// nullopt: not a GPU container (the config must then be left exactly as it is).
// Throws berth::Error for a malformed request: an unqualified name in a CDI annotation,
// an unknown capability, a bad requirement expression, CDI names mixed with ids, MIG
// config/monitor in an unprivileged container, a volume-mount request with
// acceptVolumeMounts off. Requests ignored by policy add a line to `warnings`, which
// the caller logs.
std::optional<Request> detect_request(const oci::Config& config, const NvidiaConfig& nvidia,
                                      std::vector<std::string>& warnings);

}  // namespace berth::nvidia
