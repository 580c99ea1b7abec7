// The "nvidia" object of berth's config file (/etc/berth/config.json; the environment
// variable BERTH_CONFIG names another file).
//
//   {"nvidia": {"driverRoot": "/", "devRoot": "/", "procRoot": "/",
//               "cdiSpecDirs": ["/etc/cdi", "/var/run/cdi"],
//               "cdiAnnotationPrefixes": ["cdi.k8s.io/"],
//               "acceptEnvvarUnprivileged": true, "acceptVolumeMounts": false,
//               "ldconfig": "@/sbin/ldconfig", "hookPath": "/usr/libexec/berth-nvidia-hook"}}
//
// Parent side. Other top-level members belong to other parts of berth and are ignored
// here; unknown members of "nvidia" are an error, so a typo never silently falls back
// to a default.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

inline constexpr const char* kDefaultConfigPath = "/etc/berth/config.json";

struct NvidiaConfig {
    std::string driver_root = "/";  // where the driver's files (libs, bins, firmware) live
    std::string dev_root;           // device nodes; empty = driver_root
    std::string proc_root = "/";    // where proc/driver/nvidia and proc/devices are read
    std::vector<std::string> cdi_spec_dirs{"/etc/cdi", "/var/run/cdi"};  // later wins
    std::vector<std::string> cdi_annotation_prefixes{"cdi.k8s.io/"};
    bool accept_envvar_unprivileged = true;
    bool accept_volume_mounts = false;
    // "@/path": the host's ldconfig, run on the container; "/path": the container's own.
    // Empty: "@/sbin/ldconfig.real" if the driver root has it (Debian/Ubuntu, where
    // /sbin/ldconfig is a shell wrapper), else "@/sbin/ldconfig"; see effective_ldconfig().
    std::string ldconfig;
    std::string hook_path;  // empty: <libexecdir>/berth-nvidia-hook

    const std::string& effective_dev_root() const { return dev_root.empty() ? driver_root : dev_root; }
    bool operator==(const NvidiaConfig&) const = default;
};

// Parses a whole config file (`source` names it in messages). A file without an
// "nvidia" member gives the defaults. Throws berth::Error
// "<source>: .nvidia.driverRoot: must be an absolute path".
NvidiaConfig parse_nvidia_config(std::string_view text, std::string_view source);

// Reads $BERTH_CONFIG, else kDefaultConfigPath. A missing default file gives the
// defaults; a missing $BERTH_CONFIG file is an error.
NvidiaConfig load_nvidia_config();

// The ldconfig setting with its default filled in (looks at the driver root).
std::string effective_ldconfig(const NvidiaConfig& config);
// The hook path with its default filled in.
std::string effective_hook_path(const NvidiaConfig& config);

}  // namespace berth::nvidia
