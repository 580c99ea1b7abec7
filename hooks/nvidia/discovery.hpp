// What the NVIDIA driver on this host provides, read from files only: no NVML, no
// ioctl, nothing loaded into berth (the CUDA version is queried separately, in a child:
// cuda_version.hpp).
//
// Parent side; runs only for containers that asked for a GPU. Paths (shared/nvidia.md
// §5.2 steps 2-6): <proc_root>/proc/driver/nvidia/{version,gpus/*/information},
// <proc_root>/proc/devices, <dev_root>/dev/nvidia*, <driver_root>/etc/ld.so.cache and the
// libraries it names, binaries in <driver_root>/{usr/bin,usr/sbin,bin,sbin}, firmware in
// <driver_root>/{lib,usr/lib}/firmware/nvidia/<version>/gsp*.bin, IPC sockets, and the
// graphics/display files of graphics_files.hpp.
#pragma once

#include "hooks/nvidia/capabilities.hpp"
#include "hooks/nvidia/proc_driver.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace berth::nvidia {

inline constexpr std::uint32_t kNvidiaMajor = 195;
inline constexpr std::uint32_t kNvidiaCtlMinor = 255;
inline constexpr std::uint32_t kNvidiaModesetMinor = 254;

struct DiscoveryOptions {
    std::string driver_root = "/";
    std::string dev_root = "/";
    std::string proc_root = "/";
};

// A character device node as found on the host.
struct DeviceNodeInfo {
    std::string path;       // in the container, the host name kept: "/dev/nvidia0"
    std::string host_path;  // "<dev_root>/dev/nvidia0"
    std::uint32_t major = 0;
    std::uint32_t minor = 0;
    std::uint32_t mode = 0;  // permission bits
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
};

struct Gpu {
    std::string uuid;  // "GPU-…"
    std::string model;
    PciAddress bus;
    std::string proc_name;  // its directory under /proc/driver/nvidia/gpus/
    std::uint32_t minor = 0;
    DeviceNodeInfo node;
};

// One MIG compute instance: usable with its parent GPU's node plus two capability
// nodes, /dev/nvidia-caps/nvidia-cap<N> for the GPU instance and for the compute instance.
struct MigDevice {
    std::size_t gpu = 0;  // index into Driver::gpus
    std::uint32_t gi = 0;
    std::uint32_t ci = 0;
    DeviceNodeInfo gi_node, ci_node;
};

struct DriverFile {
    std::string host_path;       // the real file, symlinks resolved inside the driver root
    std::string container_path;  // libraries: the file name only (plan.cpp picks the dir)
    Capability capability = Capability::utility;
    bool compat32 = false;  // a 32-bit library
    std::string soname;     // libraries: the ld.so.cache key, e.g. "libcuda.so.1"
};

struct Driver {
    std::string version;    // "550.54.15"
    std::vector<Gpu> gpus;  // PCI bus order: the index is the nvidia-smi index
    DeviceNodeInfo ctl;
    std::optional<DeviceNodeInfo> uvm, uvm_tools, modeset;
    std::vector<MigDevice> migs;                         // sorted by (gpu, gi, ci)
    std::optional<DeviceNodeInfo> mig_config, mig_monitor;  // nvidia-cap1, nvidia-cap2
    std::vector<DriverFile> libraries;  // of every capability; plan.cpp filters
    std::vector<DriverFile> binaries;
    std::vector<DriverFile> firmware;
    std::vector<DriverFile> ipcs;
    std::vector<DriverFile> graphics;  // JSON configs, gbm, X modules: graphics_files.hpp
    std::optional<std::string> libcuda;  // host path of libcuda.so.<version>
    std::optional<std::string> libnvml;  // host path of libnvidia-ml.so.<version>
    std::vector<std::string> warnings;   // optional pieces missing; the caller logs them
};

// The node at <dev_root>/dev/<name> if it is char maj:min; nullopt if absent. Throws
// berth::Error "nvidia: device node mismatch: ..." if it exists but is anything else.
std::optional<DeviceNodeInfo> find_device_node(const DiscoveryOptions& o, std::string_view name,
                                               std::uint32_t maj, std::uint32_t min);

// Throws berth::Error for what makes GPU use impossible:
//   "nvidia: no NVIDIA driver found ('/proc/driver/nvidia/version' missing)"
//   "nvidia: device node mismatch: '/dev/nvidia1' is c 195:7, the driver says c 195:1"
//   "nvidia: driver/library version mismatch: kernel module 550.54.15, libcuda.so.1 is ..."
Driver discover_driver(const DiscoveryOptions& options);

}  // namespace berth::nvidia
