// Namespace type names and lookups of the config model (config-linux.md#namespaces).
#include "oci/config.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace berth::oci {

namespace {

// Indexed by NamespaceType; the JSON names of config-linux.md#namespaces.
constexpr std::array<const char*, 8> kNamespaceNames = {
    "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
};

}  // namespace

const char* to_string(NamespaceType type) {
    auto i = static_cast<std::size_t>(type);
    return i < kNamespaceNames.size() ? kNamespaceNames[i] : "unknown";
}

std::optional<NamespaceType> namespace_type_from_string(std::string_view name) {
    for (std::size_t i = 0; i < kNamespaceNames.size(); ++i) {
        if (name == kNamespaceNames[i]) {
            return static_cast<NamespaceType>(i);
        }
    }
    return std::nullopt;
}

bool LinuxConfig::has_namespace(NamespaceType type) const { return find_namespace(type) != nullptr; }

const Namespace* LinuxConfig::find_namespace(NamespaceType type) const {
    auto it = std::find_if(namespaces.begin(), namespaces.end(),
                           [type](const Namespace& ns) { return ns.type == type; });
    return it != namespaces.end() ? &*it : nullptr;
}

}  // namespace berth::oci
