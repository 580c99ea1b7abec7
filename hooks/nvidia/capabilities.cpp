#include "hooks/nvidia/capabilities.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <array>

namespace berth::nvidia {
namespace {

using namespace std::string_view_literals;

constexpr std::array kNames{
    std::pair{"compute"sv, Capability::compute}, std::pair{"compat32"sv, Capability::compat32},
    std::pair{"display"sv, Capability::display}, std::pair{"graphics"sv, Capability::graphics},
    std::pair{"ngx"sv, Capability::ngx},         std::pair{"utility"sv, Capability::utility},
    std::pair{"video"sv, Capability::video},
};

// nvidia.md §1.2; the stems are matched as "<stem>.so" against ld.so.cache keys.
constexpr std::array kUtilityLibs{"libnvidia-ml"sv, "libnvidia-cfg"sv, "libnvidia-nscq"sv};
constexpr std::array kUtilityBins{"nvidia-smi"sv, "nvidia-debugdump"sv, "nvidia-persistenced"sv,
                                  "nv-fabricmanager"sv};
constexpr std::array kUtilityIpcs{"/run/nvidia-persistenced/socket"sv, "/run/nvidia-fabricmanager/socket"sv};

constexpr std::array kComputeLibs{"libcuda"sv,
                                  "libcudadebugger"sv,
                                  "libnvidia-opencl"sv,
                                  "libnvidia-gpucomp"sv,
                                  "libnvidia-ptxjitcompiler"sv,
                                  "libnvidia-fatbinaryloader"sv,
                                  "libnvidia-allocator"sv,
                                  "libnvidia-compiler"sv,
                                  "libnvidia-pkcs11"sv,
                                  "libnvidia-pkcs11-openssl3"sv,
                                  "libnvidia-nvvm"sv,
                                  "libnvidia-tileiras"sv};
constexpr std::array kComputeBins{"nvidia-cuda-mps-control"sv, "nvidia-cuda-mps-server"sv};
constexpr std::array kComputeIpcs{"/tmp/nvidia-mps"sv};

constexpr std::array kVideoLibs{"libvdpau_nvidia"sv, "libnvidia-encode"sv, "libnvidia-opticalflow"sv,
                                "libnvcuvid"sv};

// GLVND vendor libraries only: the non-GLVND libGL/libEGL need a dependency check
// (they must link libnvidia-glcore) that discovery does not do yet.
constexpr std::array kGraphicsLibs{"libnvidia-eglcore"sv,   "libnvidia-glcore"sv, "libnvidia-tls"sv,
                                   "libnvidia-glsi"sv,      "libnvidia-fbc"sv,    "libnvidia-ifr"sv,
                                   "libnvidia-rtcore"sv,    "libnvoptix"sv,       "libGLX_nvidia"sv,
                                   "libEGL_nvidia"sv,       "libGLESv2_nvidia"sv, "libGLESv1_CM_nvidia"sv,
                                   "libnvidia-glvkspirv"sv, "libnvidia-cbl"sv};

constexpr std::array kNgxLibs{"libnvidia-ngx"sv};

constexpr std::array<std::string_view, 0> kNone{};

constexpr std::array kFiles{
    CapabilityFiles{Capability::utility, kUtilityLibs, kUtilityBins, kUtilityIpcs},
    CapabilityFiles{Capability::compute, kComputeLibs, kComputeBins, kComputeIpcs},
    CapabilityFiles{Capability::video, kVideoLibs, kNone, kNone},
    CapabilityFiles{Capability::graphics, kGraphicsLibs, kNone, kNone},
    CapabilityFiles{Capability::ngx, kNgxLibs, kNone, kNone},
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

template <auto Member>
std::vector<std::string_view> collect(CapabilitySet caps) {
    std::vector<std::string_view> out;
    CapabilitySet effective = caps.expanded();
    for (const CapabilityFiles& files : kFiles) {
        if (!effective.has(files.capability)) continue;
        for (std::string_view item : files.*Member) out.push_back(item);
    }
    return out;
}

}  // namespace

CapabilitySet CapabilitySet::all() {
    CapabilitySet s;
    for (const auto& [name, cap] : kNames) s.add(cap);
    return s;
}

CapabilitySet CapabilitySet::defaults() {
    return {Capability::utility, Capability::compute};
}

std::string CapabilitySet::str() const {
    std::string out;
    for (const auto& [name, cap] : kNames) {
        if (!has(cap)) continue;
        if (!out.empty()) out += ',';
        out += name;
    }
    return out;
}

CapabilitySet CapabilitySet::expanded() const {
    CapabilitySet s = *this;
    if (has(Capability::video)) s.add(Capability::compute);
    if (has(Capability::display)) s.add(Capability::graphics);
    return s;
}

std::span<const std::pair<std::string_view, Capability>> capability_names() {
    return kNames;
}

CapabilitySet parse_capabilities(std::string_view value, CapabilitySet empty_default) {
    CapabilitySet caps;
    bool any = false;
    while (true) {
        size_t comma = value.find(',');
        std::string_view item = trim(value.substr(0, comma));
        if (!item.empty()) {
            any = true;
            if (item == "all") {
                caps = CapabilitySet::all();
            } else {
                auto it = std::find_if(kNames.begin(), kNames.end(),
                                       [&](const auto& n) { return n.first == item; });
                if (it == kNames.end())
                    throw_error(
                        "nvidia: unsupported capability '{}' in NVIDIA_DRIVER_CAPABILITIES "
                        "(supported: {},all)",
                        item, CapabilitySet::all().str());
                caps.add(it->second);
            }
        }
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return any ? caps : empty_default;
}

std::span<const CapabilityFiles> capability_files() {
    return kFiles;
}

bool library_capability(std::string_view soname, Capability& out) {
    // The longest matching stem wins, so "libnvidia-pkcs11-openssl3.so.1" is not read
    // as "libnvidia-pkcs11" (both are compute today, but the rule must not depend on it).
    size_t best = 0;
    for (const CapabilityFiles& files : kFiles) {
        for (std::string_view stem : files.libraries) {
            if (soname.size() < stem.size() + 3 || !soname.starts_with(stem)) continue;
            if (soname.substr(stem.size(), 3) != ".so") continue;
            if (stem.size() > best) {
                best = stem.size();
                out = files.capability;
            }
        }
    }
    return best != 0;
}

std::vector<std::string_view> libraries_for(CapabilitySet caps) {
    return collect<&CapabilityFiles::libraries>(caps);
}
std::vector<std::string_view> binaries_for(CapabilitySet caps) {
    return collect<&CapabilityFiles::binaries>(caps);
}
std::vector<std::string_view> ipcs_for(CapabilitySet caps) {
    return collect<&CapabilityFiles::ipcs>(caps);
}

}  // namespace berth::nvidia
