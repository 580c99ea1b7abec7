#include "hooks/nvidia/edits.hpp"

#include "hooks/nvidia/files.hpp"
#include "util/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace berth::nvidia {
namespace {

constexpr std::array<std::pair<std::string_view, HookStage>, 6> kStages{{
    {"prestart", HookStage::prestart},
    {"createRuntime", HookStage::create_runtime},
    {"createContainer", HookStage::create_container},
    {"startContainer", HookStage::start_container},
    {"poststart", HookStage::poststart},
    {"poststop", HookStage::poststop},
}};

std::vector<oci::Hook>& stage_hooks(oci::Hooks& hooks, HookStage stage) {
    switch (stage) {
        case HookStage::prestart: return hooks.prestart;
        case HookStage::create_runtime: return hooks.create_runtime;
        case HookStage::create_container: return hooks.create_container;
        case HookStage::start_container: return hooks.start_container;
        case HookStage::poststart: return hooks.poststart;
        case HookStage::poststop: return hooks.poststop;
    }
    return hooks.prestart;
}

std::string_view env_key(std::string_view entry) {
    return entry.substr(0, entry.find('='));
}

void apply_env(const std::vector<std::string>& env, oci::Config& config) {
    if (env.empty()) return;
    if (!config.process) config.process.emplace();
    std::vector<std::string>& target = config.process->env;
    for (const std::string& entry : env) {
        auto same = std::find_if(target.begin(), target.end(),
                                 [&](const std::string& e) { return env_key(e) == env_key(entry); });
        if (same != target.end())
            *same = entry;
        else
            target.push_back(entry);
    }
}

oci::Device to_oci(const DeviceNodeEdit& node, const oci::Config& config) {
    oci::Device dev;
    dev.type = node.type;
    dev.path = node.path;
    if ((node.type == "b" || node.type == "c") && (!node.major || !node.minor))
        throw_error("nvidia: device node '{}' has no major/minor number", node.path);
    dev.major = node.major.value_or(0);
    dev.minor = node.minor.value_or(0);
    dev.file_mode = node.file_mode;
    dev.uid = node.uid;
    dev.gid = node.gid;
    // CDI: a node owned by nobody in particular belongs to the container's user.
    if (config.process) {
        if (!dev.uid && config.process->user.uid > 0) dev.uid = config.process->user.uid;
        if (!dev.gid && config.process->user.gid > 0) dev.gid = config.process->user.gid;
    }
    return dev;
}

void add_device_rule(const oci::Device& dev, const DeviceNodeEdit& node, oci::Config& config) {
    if (dev.type != "b" && dev.type != "c") return;
    oci::DeviceCgroupRule rule{true, dev.type, dev.major, dev.minor,
                               node.permissions.empty() ? "rwm" : node.permissions};
    if (!config.linux_->resources) config.linux_->resources.emplace();
    std::vector<oci::DeviceCgroupRule>& rules = config.linux_->resources->devices;
    if (std::find(rules.begin(), rules.end(), rule) == rules.end()) rules.push_back(rule);
}

// The bound node is the host's inode, reached with the credentials of the container's
// processes, which in a user namespace berth's user lends them: a node berth's user cannot
// open with the node's cgroup permissions is refused here, naming it, not found useless inside.
void check_bindable(const DeviceNodeEdit& node, const std::string& host) {
    const std::string_view perms = node.permissions.empty() ? std::string_view("rw") : std::string_view(node.permissions);
    int want = (perms.find('r') != std::string_view::npos ? R_OK : 0) |
               (perms.find('w') != std::string_view::npos ? W_OK : 0);
    if (want == 0 || ::faccessat(AT_FDCWD, host.c_str(), want, AT_EACCESS) == 0) return;
    if (errno == ENOENT) throw_error("nvidia: device node '{}': '{}' does not exist", node.path, host);
    struct stat st{};
    std::string what = ::stat(host.c_str(), &st) == 0 ? fmt::format("mode {:04o}, owner {}:{}", st.st_mode & 07777,
                                                                     st.st_uid, st.st_gid)
                                                       : std::string(std::strerror(errno));
    throw_error("nvidia: device node '{}': '{}' is not {} by uid {} ({}); in a user namespace the container can "
                "only bind the host's node as it is",
                node.path, host, want == (R_OK | W_OK) ? "readable and writable" : want == R_OK ? "readable" : "writable",
                ::geteuid(), what);
}

// In bind delivery the nodes become mounts (returned, for apply_mounts to order).
std::vector<MountEdit> apply_device_nodes(const std::vector<DeviceNodeEdit>& nodes, oci::Config& config,
                                          NodeDelivery delivery) {
    std::vector<MountEdit> binds;
    if (nodes.empty()) return binds;
    if (!config.linux_) config.linux_.emplace();
    for (const DeviceNodeEdit& node : nodes) {
        oci::Device dev = to_oci(node, config);
        if (delivery == NodeDelivery::bind) {
            std::string host = node.host_path.empty() ? node.path : node.host_path;
            check_bindable(node, host);
            binds.push_back(MountEdit{host, node.path, "bind", {"bind", "nosuid", "noexec"}});
            add_device_rule(dev, node, config);
            continue;
        }
        std::vector<oci::Device>& devices = config.linux_->devices;
        auto same = std::find_if(devices.begin(), devices.end(),
                                 [&](const oci::Device& d) { return d.path == dev.path; });
        if (same != devices.end())
            *same = dev;
        else
            devices.push_back(dev);
        add_device_rule(dev, node, config);
    }
    return binds;
}

size_t depth(std::string_view path) {
    size_t n = 0;
    bool in_part = false;
    for (char c : path) {
        if (c == '/')
            in_part = false;
        else if (!in_part)
            ++n, in_part = true;
    }
    return n;
}

void apply_mounts(const std::vector<MountEdit>& mounts, oci::Config& config) {
    if (mounts.empty()) return;
    for (const MountEdit& m : mounts) {
        oci::Mount mount;
        mount.destination = m.container_path;
        mount.source = m.host_path;
        mount.type = m.type;
        mount.options = m.options;
        std::erase_if(config.mounts, [&](const oci::Mount& x) { return x.destination == mount.destination; });
        config.mounts.push_back(std::move(mount));
    }
    std::stable_sort(
        config.mounts.begin(), config.mounts.end(),
        [](const oci::Mount& a, const oci::Mount& b) { return depth(a.destination) < depth(b.destination); });
}

void apply_hooks(const std::vector<HookEdit>& hooks, oci::Config& config) {
    if (hooks.empty()) return;
    if (!config.hooks) config.hooks.emplace();
    for (const HookEdit& h : hooks) {
        std::vector<oci::Hook>& stage = stage_hooks(*config.hooks, h.stage);
        if (std::find(stage.begin(), stage.end(), h.hook) == stage.end()) stage.push_back(h.hook);
    }
}

void apply_gids(const std::vector<std::uint32_t>& gids, oci::Config& config) {
    if (std::all_of(gids.begin(), gids.end(), [](std::uint32_t g) { return g == 0; })) return;
    if (!config.process) config.process.emplace();
    std::vector<std::uint32_t>& target = config.process->user.additional_gids;
    for (std::uint32_t gid : gids)
        if (gid != 0 && std::find(target.begin(), target.end(), gid) == target.end()) target.push_back(gid);
}

}  // namespace

const char* to_string(HookStage stage) {
    for (const auto& [name, s] : kStages)
        if (s == stage) return name.data();
    return "?";
}

std::optional<HookStage> hook_stage_from_string(std::string_view name) {
    for (const auto& [n, s] : kStages)
        if (n == name) return s;
    return std::nullopt;
}

bool ContainerEdits::empty() const {
    return env.empty() && device_nodes.empty() && mounts.empty() && hooks.empty() &&
           additional_gids.empty() && !intel_rdt && net_devices.empty();
}

void ContainerEdits::append(const ContainerEdits& other) {
    env.insert(env.end(), other.env.begin(), other.env.end());
    device_nodes.insert(device_nodes.end(), other.device_nodes.begin(), other.device_nodes.end());
    mounts.insert(mounts.end(), other.mounts.begin(), other.mounts.end());
    hooks.insert(hooks.end(), other.hooks.begin(), other.hooks.end());
    additional_gids.insert(additional_gids.end(), other.additional_gids.begin(), other.additional_gids.end());
    if (other.intel_rdt) intel_rdt = other.intel_rdt;
    net_devices.insert(net_devices.end(), other.net_devices.begin(), other.net_devices.end());
}

void complete_device_nodes(ContainerEdits& edits, const std::string& dev_root) {
    for (DeviceNodeEdit& node : edits.device_nodes) {
        bool complete =
            !node.type.empty() && node.file_mode && (node.type == "p" || (node.major && node.minor));
        if (complete) continue;
        std::string host = under_root(dev_root, node.host_path.empty() ? node.path : node.host_path);
        std::optional<struct stat> st = lstat_if_exists(host);
        if (!st) throw_error("nvidia: device node '{}': '{}' does not exist", node.path, host);
        std::string type = S_ISCHR(st->st_mode)    ? "c"
                           : S_ISBLK(st->st_mode)  ? "b"
                           : S_ISFIFO(st->st_mode) ? "p"
                                                   : "";
        if (type.empty()) throw_error("nvidia: device node '{}': '{}' is not a device", node.path, host);
        bool same_kind = node.type == type || (node.type == "u" && type == "c");
        if (!node.type.empty() && !same_kind)
            throw_error("nvidia: device node '{}': type '{}' but '{}' is type '{}'", node.path, node.type,
                        host, type);
        if (node.type.empty()) node.type = type;
        if (node.type != "p") {
            if (!node.major) node.major = major(st->st_rdev);
            if (!node.minor) node.minor = minor(st->st_rdev);
        }
        if (!node.file_mode) node.file_mode = st->st_mode & 07777;
    }
}

void apply_edits(const ContainerEdits& edits, oci::Config& config, NodeDelivery nodes) {
    if (edits.empty()) return;
    // Build the result on a copy so a throw leaves the caller's config untouched.
    oci::Config next = config;
    apply_env(edits.env, next);
    std::vector<MountEdit> mounts = apply_device_nodes(edits.device_nodes, next, nodes);
    mounts.insert(mounts.begin(), edits.mounts.begin(), edits.mounts.end());
    apply_mounts(mounts, next);
    apply_hooks(edits.hooks, next);
    apply_gids(edits.additional_gids, next);
    if (edits.intel_rdt) {
        if (!next.linux_) next.linux_.emplace();
        next.linux_->intel_rdt = edits.intel_rdt;
    }
    for (const NetDeviceEdit& nd : edits.net_devices) {
        if (!next.linux_) next.linux_.emplace();
        next.linux_->net_devices[nd.host_interface_name] = oci::NetDevice{nd.name};
    }
    config = std::move(next);
}

}  // namespace berth::nvidia
