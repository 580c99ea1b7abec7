// The env-var (legacy, "jit-cdi") path: turn a discovered driver, a GPU selection and a
// capability set into CDI-shaped container edits (shared/nvidia.md §5.2 step 8).
//
// Pure apart from container_lib_dirs(), which looks at the rootfs. Parent side.
#pragma once

#include "hooks/nvidia/capabilities.hpp"
#include "hooks/nvidia/discovery.hpp"
#include "hooks/nvidia/edits.hpp"

#include <string>
#include <vector>

namespace berth::nvidia {

// The only env a GPU hook gets: an image's LD_PRELOAD or PATH must never reach a
// process that runs with the runtime's privileges (CVE-2025-23266).
inline constexpr const char* kHookPathEnv = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

struct LibDirs {
    std::string lib;    // 64-bit libraries
    std::string lib32;  // 32-bit libraries (compat32)
    bool operator==(const LibDirs&) const = default;
};

// Debian-style multiarch dirs if <rootfs>/etc/debian_version exists (resolved inside
// the rootfs), else /usr/lib64 and /usr/lib, as libnvidia-container chooses.
LibDirs container_lib_dirs(const std::string& rootfs);

struct PlanOptions {
    LibDirs lib_dirs{"/usr/lib/x86_64-linux-gnu", "/usr/lib/i386-linux-gnu"};
    std::string hook_path;  // the berth-nvidia-hook binary on the host
    std::string ldconfig;   // "@/sbin/ldconfig" (host binary) or "/sbin/ldconfig" (container's)
    std::string proc_root = "/";
    bool mask_procfs = true;
};

// The devices a container gets: indices into driver.gpus and driver.migs (a MIG
// device's parent GPU must be in `gpus` too), and the MIG config/monitor caps.
struct DeviceChoice {
    std::vector<std::size_t> gpus;
    std::vector<std::size_t> migs;
    bool mig_config = false;
    bool mig_monitor = false;
};

// Edits for the devices in `selected` and `caps`:
// - device nodes (access "rw"): nvidiactl always; each selected GPU; the GI and CI caps
//   nodes of each selected MIG device; the config/monitor caps nodes if asked for;
//   nvidia-uvm and nvidia-uvm-tools when compute or video; nvidia-modeset with display;
// - read-only nosuid,nodev bind mounts of the capabilities' libraries into the lib dirs
//   (32-bit ones only with compat32), binaries into /usr/bin, GSP firmware at its own
//   path, graphics/display configs and X modules at their own path; IPC sockets and
//   the MPS dir nosuid,nodev,noexec, writable;
// - createContainer hooks, each with only kHookPathEnv: "create-symlinks" for
//   libcuda.so and (display) the X module's libglxserver_nvidia.so, "update-ldcache"
//   over the lib dirs, and "mask-procfs" so the container's
//   /proc/driver/nvidia shows only the selected GPUs, plus ("--caps") the GI and CI
//   capabilities/.../access files of the selected MIG devices, or the whole
//   capabilities directory with MIG config or monitor.
// The process env is not touched.
// Throws berth::Error if the config or monitor caps are asked for but missing.
ContainerEdits plan_edits(const Driver& driver, const DeviceChoice& selected, CapabilitySet caps,
                          const PlanOptions& options);

}  // namespace berth::nvidia
