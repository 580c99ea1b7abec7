#include "hooks/nvidia/plan.hpp"

#include "hooks/nvidia/files.hpp"
#include "util/error.hpp"

#include <algorithm>
#include <tuple>

namespace berth::nvidia {
namespace {

const std::vector<std::string> kRoOptions{"ro", "nosuid", "nodev", "bind"};
const std::vector<std::string> kIpcOptions{"nosuid", "nodev", "noexec", "bind"};

DeviceNodeEdit node_edit(const DeviceNodeInfo& n) {
    // Built in one aggregate: assigning "c" to a member trips GCC 12's -Wrestrict at -O3.
    // "rw": libnvidia-container's access; the container never needs mknod.
    return DeviceNodeEdit{.path = n.path,
                          .host_path = n.host_path,
                          .type = std::string(1, 'c'),
                          .major = n.major,
                          .minor = n.minor,
                          .file_mode = n.mode,
                          .permissions = "rw",
                          .uid = n.uid,
                          .gid = n.gid};
}

MountEdit bind(const std::string& host, const std::string& container,
               const std::vector<std::string>& options) {
    return MountEdit{host, container, "bind", options};
}

oci::Hook hook(const PlanOptions& o, std::vector<std::string> args) {
    args.insert(args.begin(), "berth-nvidia-hook");
    return oci::Hook{o.hook_path, std::move(args), {kHookPathEnv}, std::nullopt};
}

void add_mig_caps(const Driver& d, const DeviceChoice& selected, ContainerEdits& e) {
    for (std::size_t i : selected.migs) {
        const MigDevice& m = d.migs.at(i);
        // Two CIs of one GI share its node: add it once.
        bool seen = std::any_of(e.device_nodes.begin(), e.device_nodes.end(),
                                [&](const DeviceNodeEdit& n) { return n.path == m.gi_node.path; });
        if (!seen) e.device_nodes.push_back(node_edit(m.gi_node));
        e.device_nodes.push_back(node_edit(m.ci_node));
    }
    // nvidia.md §1.2 and libnvidia-container add these for NVIDIA_MIG_{CONFIG,MONITOR}_DEVICES
    // (privileged containers only, checked in request.cpp).
    for (auto [wanted, node, name] : {std::tuple{selected.mig_config, &d.mig_config, "config"},
                                      std::tuple{selected.mig_monitor, &d.mig_monitor, "monitor"}}) {
        if (!wanted) continue;
        if (!*node) throw_error("nvidia: MIG {} capability requested but this driver has no MIG {} device", name, name);
        e.device_nodes.push_back(node_edit(**node));
    }
}

void add_devices(const Driver& d, const DeviceChoice& selected, CapabilitySet caps, ContainerEdits& e) {
    e.device_nodes.push_back(node_edit(d.ctl));
    for (std::size_t i : selected.gpus) e.device_nodes.push_back(node_edit(d.gpus.at(i).node));
    add_mig_caps(d, selected, e);
    if (caps.has(Capability::compute)) {
        if (d.uvm) e.device_nodes.push_back(node_edit(*d.uvm));
        if (d.uvm_tools) e.device_nodes.push_back(node_edit(*d.uvm_tools));
    }
    if (caps.has(Capability::display) && d.modeset) e.device_nodes.push_back(node_edit(*d.modeset));
}

// Adds the library mounts; returns true if libcuda is among them.
bool add_libraries(const Driver& d, CapabilitySet caps, const PlanOptions& o, ContainerEdits& e) {
    bool libcuda = false;
    for (const DriverFile& lib : d.libraries) {
        if (!caps.has(lib.capability) || (lib.compat32 && !caps.has(Capability::compat32))) continue;
        const std::string& dir = lib.compat32 ? o.lib_dirs.lib32 : o.lib_dirs.lib;
        e.mounts.push_back(bind(lib.host_path, dir + "/" + lib.container_path, kRoOptions));
        if (!lib.compat32 && lib.soname.starts_with("libcuda.so")) libcuda = true;
    }
    return libcuda;
}

void add_files(const Driver& d, CapabilitySet caps, ContainerEdits& e) {
    for (const DriverFile& bin : d.binaries)
        if (caps.has(bin.capability)) e.mounts.push_back(bind(bin.host_path, bin.container_path, kRoOptions));
    for (const DriverFile& fw : d.firmware)
        e.mounts.push_back(bind(fw.host_path, fw.container_path, kRoOptions));
    for (const DriverFile& ipc : d.ipcs)
        if (caps.has(ipc.capability))
            e.mounts.push_back(bind(ipc.host_path, ipc.container_path, kIpcOptions));
    for (const DriverFile& file : d.graphics)
        if (caps.has(file.capability))
            e.mounts.push_back(bind(file.host_path, file.container_path, kRoOptions));
}

// The driver's /proc/driver/nvidia/capabilities files a MIG user needs, for mask-procfs
// to bind read-only into its mask (an OCI mount there would be covered by the mask,
// which the hook mounts later). As libnvidia-container: each selected MIG device's GI
// and CI "access" files; with MIG config or monitor the whole capabilities directory.
void add_mig_proc_files(const Driver& d, const DeviceChoice& selected, std::vector<std::string>& args) {
    if (selected.mig_config || selected.mig_monitor) {
        args.insert(args.end(), {"--caps", "."});
        return;
    }
    for (std::size_t i : selected.migs) {
        const MigDevice& m = d.migs.at(i);
        std::string gi = fmt::format("gpu{}/mig/gi{}", d.gpus.at(m.gpu).minor, m.gi);
        for (std::string path : {gi + "/access", fmt::format("{}/ci{}/access", gi, m.ci)})
            if (std::find(args.begin(), args.end(), path) == args.end()) args.insert(args.end(), {"--caps", path});
    }
}

void add_hooks(const Driver& d, const DeviceChoice& selected, CapabilitySet caps, bool libcuda,
               const PlanOptions& o, ContainerEdits& e) {
    std::vector<std::string> links{"create-symlinks"};
    if (libcuda) links.insert(links.end(), {"--link", "libcuda.so.1::" + o.lib_dirs.lib + "/libcuda.so"});
    // X loads the GLX module by its unversioned name: nvidia-ctk's create-symlinks makes
    // libglxserver_nvidia.so -> libglxserver_nvidia.so.<version> next to the mounted file.
    for (const MountEdit& m : e.mounts) {
        std::string_view name = base_name(m.container_path);
        if (!name.starts_with("libglxserver_nvidia.so.")) continue;
        std::string dir = m.container_path.substr(0, m.container_path.size() - name.size());
        links.insert(links.end(), {"--link", std::string(name) + "::" + dir + "libglxserver_nvidia.so"});
    }
    if (links.size() > 1) e.hooks.push_back({HookStage::create_container, hook(o, std::move(links))});
    bool any_lib = std::any_of(e.mounts.begin(), e.mounts.end(), [&](const MountEdit& m) {
        return m.container_path.starts_with(o.lib_dirs.lib + "/") ||
               m.container_path.starts_with(o.lib_dirs.lib32 + "/");
    });
    if (any_lib) {
        std::vector<std::string> args{"update-ldcache", "--ldconfig", o.ldconfig, "--folder", o.lib_dirs.lib};
        if (caps.has(Capability::compat32)) args.insert(args.end(), {"--folder", o.lib_dirs.lib32});
        e.hooks.push_back({HookStage::create_container, hook(o, std::move(args))});
    }
    if (o.mask_procfs) {
        std::vector<std::string> args{"mask-procfs"};
        if (o.proc_root != "/") args.insert(args.end(), {"--proc-root", o.proc_root});
        for (std::size_t i : selected.gpus) args.insert(args.end(), {"--gpu", d.gpus.at(i).proc_name});
        add_mig_proc_files(d, selected, args);
        e.hooks.push_back({HookStage::create_container, hook(o, std::move(args))});
    }
}

}  // namespace

LibDirs container_lib_dirs(const std::string& rootfs) {
#if defined(__aarch64__)
    constexpr const char* kMultiarch = "/usr/lib/aarch64-linux-gnu";
#else
    constexpr const char* kMultiarch = "/usr/lib/x86_64-linux-gnu";
#endif
    if (resolve_in_root(rootfs, "/etc/debian_version")) return {kMultiarch, "/usr/lib/i386-linux-gnu"};
    return {"/usr/lib64", "/usr/lib"};
}

ContainerEdits plan_edits(const Driver& driver, const DeviceChoice& selected, CapabilitySet caps,
                          const PlanOptions& options) {
    ContainerEdits e;
    CapabilitySet effective = caps.expanded();
    add_devices(driver, selected, effective, e);
    bool libcuda = add_libraries(driver, effective, options, e);
    add_files(driver, effective, e);
    add_hooks(driver, selected, effective, libcuda, options, e);
    return e;
}

}  // namespace berth::nvidia
