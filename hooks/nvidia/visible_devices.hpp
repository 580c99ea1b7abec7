// The NVIDIA_VISIBLE_DEVICES grammar and device selection against discovered GPUs.
//
// Pure; parent side. Grammar (shared/nvidia.md §2): unset, empty or "void" = not a GPU
// container; "none" = driver files but no GPU; "all"; otherwise a comma list of ids:
// an index "0", "GPU-<uuid>", a PCI bus id "0000:01:00.0" / "01:00.0", "MIG-<uuid>",
// the old "MIG-GPU-<uuid>/<gi>/<ci>", a MIG index "<gpu>:<mig>" (the mig-th MIG device of
// GPU <gpu>) or "<gpu>:<gi>:<ci>" (GPU instance and compute instance). "void" anywhere wins,
// then "none", then "all". A list made only of fully qualified CDI names
// ("nvidia.com/gpu=0") is a CDI request.
#pragma once

#include "hooks/nvidia/proc_driver.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

enum class DeviceIdKind { index, gpu_uuid, pci_bus_id, mig_uuid, mig_legacy, mig_index, mig_instance, unknown };

struct DeviceId {
    DeviceIdKind kind = DeviceIdKind::unknown;
    std::string text;             // as written (trimmed)
    std::uint32_t index = 0;      // index; mig_index, mig_instance: the GPU
    std::uint32_t mig_index = 0;  // mig_index: the MIG device; mig_instance, mig_legacy: the GI
    std::uint32_t ci = 0;         // mig_instance, mig_legacy: the compute instance
    std::string gpu_uuid;         // mig_legacy: "GPU-<uuid>"
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

// One discovered MIG device (a compute instance), as selection needs it.
struct MigRef {
    std::size_t gpu = 0;  // index into the GpuRef list
    std::uint32_t gi = 0;
    std::uint32_t ci = 0;
    std::string uuid = {};  // "MIG-<uuid>" from NVML; empty when NVML was not asked
};

struct Selection {
    std::vector<std::size_t> gpus;  // indices into the GpuRefs; parents of selected MIG devices too
    std::vector<std::size_t> migs;  // indices into the MigRefs
};

// What `request` selects, in request order without duplicates; all/none/void give
// every/no device. `migs` must be sorted by (gpu, gi, ci): "<gpu>:<mig>" counts in that
// order. "MIG-<uuid>" matches MigRef::uuid (case-insensitive). Throws berth::Error
//   "nvidia: unknown device '7' in NVIDIA_VISIBLE_DEVICES (available: 0 GPU-… 0000:01:00.0, ..., MIG 0:0 = 0:1:0 MIG-…)"
//   or, for a "MIG-<uuid>" while `nvml_problem` is not empty (NVML was not asked or did
//   not answer: it says why), that MIG UUIDs need NVML.
Selection select_devices(const std::vector<GpuRef>& gpus, const std::vector<MigRef>& migs,
                         const VisibleDevices& request, std::string_view nvml_problem = "not queried");

// True when `request` names a MIG device by "MIG-<uuid>" (only NVML can resolve it).
bool names_mig_uuid(const VisibleDevices& request);

}  // namespace berth::nvidia
