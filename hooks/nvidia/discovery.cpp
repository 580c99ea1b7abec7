#include "hooks/nvidia/discovery.hpp"

#include "hooks/nvidia/files.hpp"
#include "hooks/nvidia/graphics_files.hpp"
#include "hooks/nvidia/ld_cache.hpp"
#include "hooks/nvidia/mig.hpp"
#include "util/error.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <array>

namespace berth::nvidia {
namespace {

using namespace std::string_view_literals;

// Where a library is looked for when the driver root has no usable ld.so.cache.
constexpr std::array kLibDirs{"/usr/lib/x86_64-linux-gnu"sv,  "/usr/lib64"sv,
                              "/lib/x86_64-linux-gnu"sv,      "/lib64"sv,
                              "/usr/lib/aarch64-linux-gnu"sv, "/usr/lib"sv};
constexpr std::array kLib32Dirs{"/usr/lib/i386-linux-gnu"sv, "/usr/lib32"sv};
constexpr std::array kBinDirs{"/usr/bin"sv, "/usr/sbin"sv, "/bin"sv, "/sbin"sv};
constexpr std::array kFirmwareDirs{"/lib/firmware/nvidia/"sv, "/usr/lib/firmware/nvidia/"sv};

std::string describe(const struct stat& st) {
    if (S_ISCHR(st.st_mode)) return fmt::format("c {}:{}", major(st.st_rdev), minor(st.st_rdev));
    if (S_ISBLK(st.st_mode)) return fmt::format("b {}:{}", major(st.st_rdev), minor(st.st_rdev));
    if (S_ISREG(st.st_mode)) return "a regular file";
    if (S_ISLNK(st.st_mode)) return "a symlink";
    if (S_ISDIR(st.st_mode)) return "a directory";
    return "not a device";
}

}  // namespace

// A node that exists but is something else is an error: injecting it would hand the
// container a different device than the driver means.
std::optional<DeviceNodeInfo> find_device_node(const DiscoveryOptions& o, std::string_view name,
                                               std::uint32_t maj, std::uint32_t min) {
    DeviceNodeInfo node;
    node.path = "/dev/" + std::string(name);
    node.host_path = under_root(o.dev_root, node.path);
    std::optional<struct stat> st = lstat_if_exists(node.host_path);
    if (!st) return std::nullopt;
    if (!S_ISCHR(st->st_mode) || major(st->st_rdev) != maj || minor(st->st_rdev) != min)
        throw_error("nvidia: device node mismatch: '{}' is {}, the driver says c {}:{}", node.host_path,
                    describe(*st), maj, min);
    node.major = maj;
    node.minor = min;
    node.mode = st->st_mode & 07777;
    node.uid = st->st_uid;
    node.gid = st->st_gid;
    return node;
}

namespace {

std::string read_version(const DiscoveryOptions& o) {
    std::string path = under_root(o.proc_root, "/proc/driver/nvidia/version");
    std::optional<std::string> text = read_file_if_exists(path);
    if (!text) throw_error("nvidia: no NVIDIA driver found ('{}' missing)", path);
    return parse_driver_version(*text, path);
}

std::vector<Gpu> read_gpus(const DiscoveryOptions& o) {
    std::string dir = under_root(o.proc_root, "/proc/driver/nvidia/gpus");
    std::vector<Gpu> gpus;
    for (const std::string& name : list_dir(dir).value_or(std::vector<std::string>{})) {
        std::string path = dir + "/" + name + "/information";
        std::optional<std::string> text = read_file_if_exists(path);
        if (!text) continue;  // a GPU going away (hot unplug) while we read
        GpuInformation info = parse_gpu_information(*text, path);
        Gpu gpu{info.uuid, info.model, info.bus, name, info.minor, {}};
        auto node = find_device_node(o, "nvidia" + std::to_string(info.minor), kNvidiaMajor, info.minor);
        if (!node)
            throw_error("nvidia: device node '{}' missing for GPU {} ({})",
                        under_root(o.dev_root, "/dev/nvidia" + std::to_string(info.minor)), info.uuid,
                        info.bus.str());
        gpu.node = *node;
        gpus.push_back(std::move(gpu));
    }
    // nvidia-smi and CUDA number GPUs in PCI bus order.
    std::sort(gpus.begin(), gpus.end(), [](const Gpu& a, const Gpu& b) { return a.bus < b.bus; });
    return gpus;
}

void read_control_nodes(const DiscoveryOptions& o, Driver& d) {
    auto ctl = find_device_node(o, "nvidiactl", kNvidiaMajor, kNvidiaCtlMinor);
    if (!ctl)
        throw_error("nvidia: no NVIDIA driver found ('{}' missing)",
                    under_root(o.dev_root, "/dev/nvidiactl"));
    d.ctl = *ctl;
    d.modeset = find_device_node(o, "nvidia-modeset", kNvidiaMajor, kNvidiaModesetMinor);
    std::string devices_path = under_root(o.proc_root, "/proc/devices");
    std::optional<std::string> devices = read_file_if_exists(devices_path);
    auto majors = devices ? parse_proc_devices(*devices, devices_path)
                          : std::map<std::string, std::uint32_t, std::less<>>{};
    auto uvm_major = majors.find("nvidia-uvm");
    if (uvm_major == majors.end()) {
        d.warnings.push_back("nvidia: nvidia-uvm is not loaded (no 'nvidia-uvm' in " + devices_path +
                             "); CUDA will fail in the container (try 'nvidia-modprobe -u -c=0')");
        return;
    }
    d.uvm = find_device_node(o, "nvidia-uvm", uvm_major->second, 0);
    d.uvm_tools = find_device_node(o, "nvidia-uvm-tools", uvm_major->second, 1);
    if (!d.uvm) d.warnings.push_back("nvidia: " + under_root(o.dev_root, "/dev/nvidia-uvm") + " missing");
}

// A library is the driver's when its real file is named "<anything>.so.<version>";
// that keeps other vendors' and stale versions' files out (libnvidia-container's rule).
bool is_driver_file(std::string_view host_path, std::string_view version) {
    std::string suffix = ".so." + std::string(version);
    return base_name(host_path).ends_with(suffix);
}

void add_library(Driver& d, DriverFile file) {
    auto same = std::find_if(d.libraries.begin(), d.libraries.end(),
                             [&](const DriverFile& f) { return f.host_path == file.host_path; });
    if (same != d.libraries.end()) return;  // "libcuda.so" and "libcuda.so.1" name one file
    if (file.soname.starts_with("libcuda.so") && !file.compat32) d.libcuda = file.host_path;
    if (file.soname.starts_with("libnvidia-ml.so") && !file.compat32) d.libnvml = file.host_path;
    d.libraries.push_back(std::move(file));
}

// Returns false when the driver root has no ld.so.cache.
bool libraries_from_cache(const DiscoveryOptions& o, Driver& d) {
    std::string path = under_root(o.driver_root, "/etc/ld.so.cache");
    std::optional<std::string> data = read_file_if_exists(path);
    if (!data) return false;
    LdCacheArch arch = host_ld_cache_arch();
    std::string stale;
    for (const LdCacheEntry& e : parse_ld_cache(std::as_bytes(std::span(data->data(), data->size())), path)) {
        bool native = e.flags == arch.native, compat32 = arch.compat32 != 0 && e.flags == arch.compat32;
        Capability cap{};
        if ((!native && !compat32) || !library_capability(e.soname, cap)) continue;
        std::optional<std::string> host = resolve_in_root(o.driver_root, e.path);
        if (!host) continue;
        if (!is_driver_file(*host, d.version)) {
            if (e.soname.starts_with("libcuda.so")) stale = *host;
            continue;
        }
        add_library(d, DriverFile{*host, std::string(base_name(*host)), cap, compat32, e.soname});
    }
    if (!d.libcuda && !stale.empty())
        throw_error("nvidia: driver/library version mismatch: kernel module {}, libcuda is '{}'", d.version,
                    stale);
    return true;
}

void libraries_from_dirs(const DiscoveryOptions& o, Driver& d) {
    std::string suffix = ".so." + d.version;
    auto scan = [&](std::string_view dir, bool compat32) {
        for (const std::string& name :
             list_dir(under_root(o.driver_root, dir)).value_or(std::vector<std::string>{})) {
            Capability cap{};
            if (!name.ends_with(suffix) || !library_capability(name, cap)) continue;
            std::optional<std::string> host = resolve_in_root(o.driver_root, std::string(dir) + "/" + name);
            if (host) add_library(d, DriverFile{*host, name, cap, compat32, name});
        }
    };
    for (std::string_view dir : kLibDirs) scan(dir, false);
    for (std::string_view dir : kLib32Dirs) scan(dir, true);
}

void read_binaries(const DiscoveryOptions& o, Driver& d) {
    for (const CapabilityFiles& files : capability_files()) {
        for (std::string_view name : files.binaries) {
            for (std::string_view dir : kBinDirs) {
                std::optional<std::string> host =
                    resolve_in_root(o.driver_root, std::string(dir) + "/" + std::string(name));
                std::optional<struct stat> st = host ? lstat_if_exists(*host) : std::nullopt;
                if (!st || !S_ISREG(st->st_mode)) continue;
                d.binaries.push_back(
                    DriverFile{*host, "/usr/bin/" + std::string(name), files.capability, false, {}});
                break;
            }
        }
    }
}

void read_firmware_and_ipcs(const DiscoveryOptions& o, Driver& d) {
    for (std::string_view base : kFirmwareDirs) {
        std::string dir = std::string(base) + d.version;
        for (const std::string& name :
             list_dir(under_root(o.driver_root, dir)).value_or(std::vector<std::string>{})) {
            if (!name.starts_with("gsp") || !name.ends_with(".bin")) continue;
            std::optional<std::string> host = resolve_in_root(o.driver_root, dir + "/" + name);
            bool seen = host && std::any_of(d.firmware.begin(), d.firmware.end(),
                                            [&](const DriverFile& f) { return f.host_path == *host; });
            if (host && !seen)
                d.firmware.push_back(DriverFile{*host, dir + "/" + name, Capability::utility, false, {}});
        }
    }
    for (const CapabilityFiles& files : capability_files()) {
        for (std::string_view ipc : files.ipcs) {
            std::string host = under_root(o.driver_root, ipc);
            if (lstat_if_exists(host))
                d.ipcs.push_back(DriverFile{host, std::string(ipc), files.capability, false, {}});
        }
    }
}

}  // namespace

Driver discover_driver(const DiscoveryOptions& options) {
    Driver d;
    d.version = read_version(options);
    d.gpus = read_gpus(options);
    read_control_nodes(options, d);
    read_mig_devices(options, d);
    if (!libraries_from_cache(options, d)) {
        d.warnings.push_back("nvidia: no ld.so.cache in driver root '" + options.driver_root +
                             "'; searched the standard library directories");
        libraries_from_dirs(options, d);
    }
    if (!d.libcuda)
        d.warnings.push_back("nvidia: libcuda.so." + d.version + " not found; CUDA will not work");
    read_binaries(options, d);
    read_firmware_and_ipcs(options, d);
    d.graphics = find_graphics_files(options.driver_root, d.version);
    return d;
}

}  // namespace berth::nvidia
