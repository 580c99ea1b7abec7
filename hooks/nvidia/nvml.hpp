// What only NVML knows: each GPU's brand and compute capability, and the UUIDs of its
// MIG devices with their GPU-instance and compute-instance ids. Asked of the host's
// libnvidia-ml in a forked child, as cuda_version.hpp asks libcuda, so berth never keeps
// the vendor library (its threads, handlers, atexit hooks) mapped in the runtime.
//
// Parent side. query_nvml() forks: call it while the process is single-threaded (the
// child calls dlopen() between fork and _exit). The rest is pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

struct NvmlMig {
    std::string uuid;  // "MIG-<uuid>"
    std::uint32_t gi = 0;
    std::uint32_t ci = 0;
};

struct NvmlGpu {
    std::string uuid;                  // "GPU-<uuid>"
    std::optional<std::string> brand;  // brand_name(); nullopt if NVML failed the call
    std::optional<std::string> arch;   // compute capability "8.0"; nullopt likewise
    std::vector<NvmlMig> migs;         // empty unless MIG mode is enabled
};

// NVML's answer, GPUs in NVML index order.
struct NvmlInfo {
    std::vector<NvmlGpu> gpus;
};

// The requirement spelling of an nvmlBrandType_t: lowercase, as CUDA images write their
// NVIDIA_REQUIRE_CUDA terms ("tesla", "geforce", "nvidiartx", ...); "unknown" for
// NVML_BRAND_UNKNOWN and values this table does not know.
std::string brand_name(int nvml_brand);

// The GPU with UUID `gpu_uuid` (case-insensitive), or nullptr.
const NvmlGpu* find_nvml_gpu(const NvmlInfo& info, std::string_view gpu_uuid);

// The UUID NVML gives the MIG device (gi, ci) of GPU `gpu_uuid`; empty if it has none.
std::string nvml_mig_uuid(const NvmlInfo& info, std::string_view gpu_uuid, std::uint32_t gi, std::uint32_t ci);

// Runs libnvidia-ml at `libnvml_path` (the driver's, under its driver root) in a child:
// nvmlInit_v2, then per GPU UUID, brand, compute capability, MIG mode and MIG devices.
// nullopt when the library does not load, nvmlInit_v2 fails, or no full answer comes
// within `timeout` (the child is then killed); `why` then says which. Throws
// berth::Error only if fork or pipe fail.
std::optional<NvmlInfo> query_nvml(const std::string& libnvml_path, std::string& why,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace berth::nvidia
