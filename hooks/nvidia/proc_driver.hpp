// Parsers for the driver's procfs files: /proc/driver/nvidia/version,
// /proc/driver/nvidia/gpus/<bus>/information, /proc/devices and
// /proc/driver/nvidia-caps/mig-minors. Pure text in, plain structs out.
//
// Parent side. Each throws berth::Error "<source>: <reason>" on malformed input;
// `source` is the file name used in that message.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

// A PCI address domain:bus:device.function, as /proc and nvidia-smi print it.
struct PciAddress {
    std::uint32_t domain = 0;
    std::uint32_t bus = 0;
    std::uint32_t device = 0;
    std::uint32_t function = 0;
    auto operator<=>(const PciAddress&) const = default;
    // "0000:01:00.0": the 4-digit domain form /proc/driver/nvidia/gpus uses.
    std::string str() const;
};

// Parses "dddd:bb:dd.f", "dddddddd:bb:dd.f" or "bb:dd.f" (hex, any case). Returns
// nullopt for anything else; never throws.
std::optional<PciAddress> parse_pci_address(std::string_view text);

// The driver version ("550.54.15") from the version file's "NVRM version:" line, for
// both the proprietary ("... Kernel Module  550.54.15  <date>") and the open
// ("... Open Kernel Module for x86_64  555.58.02  Release Build ...") banners.
std::string parse_driver_version(std::string_view text, std::string_view source);

// One gpus/<bus>/information file.
struct GpuInformation {
    std::string model;        // "Model:", may be empty
    std::string uuid;         // "GPU UUID:", "GPU-<uuid>"
    PciAddress bus;           // "Bus Location:"
    std::uint32_t minor = 0;  // "Device Minor:"
};
GpuInformation parse_gpu_information(std::string_view text, std::string_view source);

// The "Character devices:" section of /proc/devices: name -> major. A name listed
// twice keeps its first major (the kernel never does that; a fake file might).
std::map<std::string, std::uint32_t, std::less<>> parse_proc_devices(std::string_view text,
                                                                     std::string_view source);

// /proc/driver/nvidia-caps/mig-minors lines "gpu0/gi1/access 12".
struct MigMinor {
    std::string path;
    std::uint32_t minor = 0;
};
std::vector<MigMinor> parse_mig_minors(std::string_view text, std::string_view source);

// Parses a decimal unsigned number that fits in 32 bits; nullopt otherwise.
std::optional<std::uint32_t> parse_u32(std::string_view text);

}  // namespace berth::nvidia
