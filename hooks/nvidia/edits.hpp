// Container edits in the shape CDI defines them (containerEdits), and their application
// to an in-memory OCI config with CDI semantics. Both GPU paths end here: the CDI path
// with the edits of resolved spec devices, the env-var path with the edits plan.hpp
// derives from driver discovery.
//
// Parent side. apply_edits() is idempotent: applying the same edits twice (an engine
// that already injected CDI, plus our own pass) leaves the config as after the first.
#pragma once

#include "oci/config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace berth::nvidia {

struct DeviceNodeEdit {
    std::string path;       // in the container
    std::string host_path;  // empty: the same as path
    std::string type;       // c, b, u or p; empty: from the host node
    std::optional<std::int64_t> major;
    std::optional<std::int64_t> minor;
    std::optional<std::uint32_t> file_mode;  // permission bits; empty: from the host node
    std::string permissions;                 // cgroup access, subset of "rwm"; empty: "rwm"
    std::optional<std::uint32_t> uid;
    std::optional<std::uint32_t> gid;
    bool operator==(const DeviceNodeEdit&) const = default;
};

struct MountEdit {
    std::string host_path;
    std::string container_path;
    std::string type;
    std::vector<std::string> options;
    bool operator==(const MountEdit&) const = default;
};

enum class HookStage { prestart, create_runtime, create_container, start_container, poststart, poststop };
const char* to_string(HookStage stage);  // the CDI hookName
std::optional<HookStage> hook_stage_from_string(std::string_view name);

struct HookEdit {
    HookStage stage = HookStage::create_container;
    oci::Hook hook;
    bool operator==(const HookEdit&) const = default;
};

struct NetDeviceEdit {
    std::string host_interface_name;
    std::string name;
    bool operator==(const NetDeviceEdit&) const = default;
};

struct ContainerEdits {
    std::vector<std::string> env;  // "KEY=VALUE"
    std::vector<DeviceNodeEdit> device_nodes;
    std::vector<MountEdit> mounts;
    std::vector<HookEdit> hooks;
    std::vector<std::uint32_t> additional_gids;
    std::optional<oci::IntelRdt> intel_rdt;
    std::vector<NetDeviceEdit> net_devices;

    bool empty() const;
    // Appends `other` in order (spec-level edits first, then each device's).
    void append(const ContainerEdits& other);
    bool operator==(const ContainerEdits&) const = default;
};

// Fills a device node's missing type, major, minor and file mode from lstat() of
// <dev_root>/<host_path or path>, as CDI does. Throws berth::Error
// "nvidia: device node '/dev/nvidia0': <host> is not a device" or "... does not exist".
void complete_device_nodes(ContainerEdits& edits, const std::string& dev_root);

// How device nodes reach the container. `make`: linux.devices entries the runtime makes
// with mknod. `bind`: binds of the host's nodes (config.mounts), for a container in a
// user namespace, where the kernel refuses mknod (as Podman does without root).
enum class NodeDelivery { make, bind };

// Applies the edits to `config` (runtime-spec config.md names in brackets):
// - env: "K=V" replaces an existing K or is appended (process.env);
// - device nodes: replace any with the same path (linux.devices); b/c nodes add an allow
//   rule (linux.resources.devices) unless an equal rule is there; a node without uid/gid
//   gets the process user's, if not root (CDI). With NodeDelivery::bind each node is a
//   bind mount of <host_path or path> instead (the allow rule stays, for a runtime that
//   has a device cgroup), after a check that berth's user may open it with the node's
//   permissions: the host's inode is bound as it is, so a node the container could not
//   open throws "nvidia: device node '/dev/nvidia0': '<host>' is not readable and
//   writable by uid 1000 (mode 0600, owner 0:0); ..." instead of failing inside;
// - mounts: replace any with the same destination, else appended; then all mounts are
//   stable-sorted by destination depth, as CDI does, so /a comes before /a/b;
// - hooks: appended to their stage unless an equal hook is there;
// - additional gids (process.user.additionalGids): added unless present, 0 ignored;
// - intelRdt replaces linux.intelRdt; net devices set linux.netDevices[hostName].
// Throws berth::Error if a b/c device node lacks major/minor (complete it first).
void apply_edits(const ContainerEdits& edits, oci::Config& config, NodeDelivery nodes = NodeDelivery::make);

}  // namespace berth::nvidia
