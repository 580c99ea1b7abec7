// NVIDIA_DRIVER_CAPABILITIES and what each capability injects.
//
// Pure data, parent side. The tables follow libnvidia-container's nvc_info.c lists as
// summarised in shared/nvidia.md §1.2; a library is named by its soname stem ("libcuda"),
// matched against ld.so.cache keys as "<stem>.so" so that "libnvidia-gl" could never
// swallow "libnvidia-glcore".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth::nvidia {

enum class Capability : std::uint32_t {
    compute = 1u << 0,
    compat32 = 1u << 1,
    graphics = 1u << 2,
    utility = 1u << 3,
    video = 1u << 4,
    display = 1u << 5,
    ngx = 1u << 6,
};

// A set of capabilities as bits; cheap to copy and compare.
class CapabilitySet {
public:
    constexpr CapabilitySet() = default;
    constexpr CapabilitySet(std::initializer_list<Capability> caps) {
        for (Capability c : caps) bits_ |= static_cast<std::uint32_t>(c);
    }
    static CapabilitySet all();
    // The default when NVIDIA_DRIVER_CAPABILITIES is unset or empty: utility,compute.
    static CapabilitySet defaults();

    bool has(Capability c) const { return (bits_ & static_cast<std::uint32_t>(c)) != 0; }
    void add(Capability c) { bits_ |= static_cast<std::uint32_t>(c); }
    bool empty() const { return bits_ == 0; }
    // "compute,utility" in the canonical order of kCapabilityNames.
    std::string str() const;

    // The capabilities whose files are injected: video implies compute's libraries
    // (and so the UVM nodes), display implies graphics'.
    CapabilitySet expanded() const;

    bool operator==(const CapabilitySet&) const = default;

private:
    std::uint32_t bits_ = 0;
};

// Every capability name, in the canonical order used by str() and in error messages.
std::span<const std::pair<std::string_view, Capability>> capability_names();

// Parses a NVIDIA_DRIVER_CAPABILITIES value: a comma list of names or "all"; empty
// entries are skipped. An empty value gives `empty_default`. Throws berth::Error
// "nvidia: unsupported capability 'foo' in NVIDIA_DRIVER_CAPABILITIES (supported: ...)".
CapabilitySet parse_capabilities(std::string_view value, CapabilitySet empty_default);

// What one capability brings in. Library entries are soname stems; binaries are file
// names looked up in the driver root's bin dirs; ipc entries are absolute paths under
// the driver root (a socket or, for MPS, a directory).
struct CapabilityFiles {
    Capability capability;
    std::span<const std::string_view> libraries;
    std::span<const std::string_view> binaries;
    std::span<const std::string_view> ipcs;
};
std::span<const CapabilityFiles> capability_files();

// Sets `out` to the capability whose stem the soname (an ld.so.cache key such as
// "libcuda.so.1") starts with, as "<stem>.so"; returns false when none matches.
bool library_capability(std::string_view soname, Capability& out);

// Library stems / binary names / ipc paths of every capability in caps.expanded().
std::vector<std::string_view> libraries_for(CapabilitySet caps);
std::vector<std::string_view> binaries_for(CapabilitySet caps);
std::vector<std::string_view> ipcs_for(CapabilitySet caps);

}  // namespace berth::nvidia
