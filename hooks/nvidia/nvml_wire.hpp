// The fixed-size record NVML's query child writes (nvml.cpp decodes it, nvml_answer.cpp
// fills it in). Internal to hooks/nvidia.
#pragma once

#include <cstddef>
#include <cstdint>

namespace berth::nvidia::nvml_wire {

// The fixed answer the child writes: no allocation or formatting between fork and
// _exit beyond what dlopen and NVML do themselves.
constexpr std::size_t kMaxGpus = 32;
constexpr std::size_t kMaxMigs = 8;     // libnvidia-container's MAX_MIG_DEVICES; A100/H100 have at most 7
constexpr std::size_t kUuidSize = 96;   // NVML_DEVICE_UUID_V2_BUFFER_SIZE
constexpr int kNvmlSuccess = 0;
constexpr unsigned kNvmlMigEnable = 1;  // NVML_DEVICE_MIG_ENABLE

enum WireStatus : std::int32_t { kOk = 0, kNoLibrary, kNoSymbol, kInitFailed, kCountFailed };

struct WireMig {
    char uuid[kUuidSize];
    std::uint32_t gi, ci;
};

struct WireGpu {
    char uuid[kUuidSize];
    std::int32_t brand, cc_major, cc_minor;
    std::uint8_t has_brand, has_cc;
    std::uint32_t nmigs;
    WireMig migs[kMaxMigs];
};

struct WireAnswer {
    std::int32_t status;
    std::int32_t nvml_error;  // kInitFailed, kCountFailed: NVML's return code
    std::uint32_t count;
    WireGpu gpus[kMaxGpus];
};

}  // namespace berth::nvidia::nvml_wire
