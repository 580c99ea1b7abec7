// The NVIDIA_VISIBLE_DEVICES grammar and device selection against discovered GPUs.
//
// Pure; parent side. Grammar (shared/nvidia.md §2): unset, empty or "void" = not a GPU
// container; "none" = driver files but no GPU; "all"; otherwise a comma list of ids:
// an index "0", "GPU-<uuid>", a PCI bus id "0000:01:00.0" / "01:00.0", "MIG-<uuid>",
// the old "MIG-GPU-<uuid>/<gi>/<ci>", a MIG index "<gpu>:<mig>". "void" anywhere wins,
// then "none", then "all". A list made only of fully qualified CDI names
// ("nvidia.com/gpu=0") is a CDI request.
#pragma once

#include "hooks/nvidia/proc_driver.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

enum class DeviceIdKind { index, gpu_uuid, pci_bus_id, mig_uuid, mig_legacy, mig_index, unknown };

struct DeviceId {
    DeviceIdKind kind = DeviceIdKind::unknown;
    std::string text;             // as written (trimmed)
    std::uint32_t index = 0;      // index; mig_index: the GPU
    std::uint32_t mig_index = 0;  // mig_index: the MIG device
    PciAddress bus;               // pci_bus_id
    bool operator==(const DeviceId& o) const { return kind == o.kind && text == o.text; }
};

enum class VisibleMode {
    void_,  // unset, empty or "void": not a GPU container
    none,   // driver files and control nodes, no GPU
    all,
    list,  // `ids`
    cdi,   // `cdi_names`
};

struct VisibleDevices {
    VisibleMode mode = VisibleMode::void_;
    std::vector<DeviceId> ids;           // list: duplicates removed, first kept
    std::vector<std::string> cdi_names;  // cdi: duplicates removed
};

// Classifies one id; never throws (an unparseable id is DeviceIdKind::unknown and fails
// later, in select_gpus(), with the list of what exists).
DeviceId parse_device_id(std::string_view text);

// Parses a whole value. Throws berth::Error when CDI names and plain ids are mixed.
VisibleDevices parse_visible_devices(std::string_view value);

// True for a canonical 8-4-4-4-12 hex UUID (any case) without a prefix.
bool is_uuid(std::string_view text);

// One discovered GPU, as selection needs it. Index = position in PCI bus order.
struct GpuRef {
    std::string uuid;
    PciAddress bus;
};

// The indices into `gpus` (PCI order) that `request` selects, in request order without
// duplicates; all/none/void give every/no GPU. Throws berth::Error
//   "nvidia: unknown device '7' (available: 0 GPU-… 0000:01:00.0, 1 ...)" or
//   "nvidia: MIG device 'MIG-…' needs NVML (libnvidia-ml), which berth does not load yet".
std::vector<std::size_t> select_gpus(const std::vector<GpuRef>& gpus, const VisibleDevices& request);

}  // namespace berth::nvidia
