#include "runtime/launch.hpp"

#include "cgroup/layout.hpp"
#include "runtime/home_env.hpp"
#include "runtime/rootless.hpp"
#include "sys/id_mapping.hpp"
#include "sys/process_attrs.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <sys/mount.h>
#include <sys/personality.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace berth::runtime {

std::string rootfs_path(const oci::Config& config, const std::string& bundle) {
    if (!config.root || config.root->path.empty()) throw_error(".root.path: required");
    return fs::clean_path(config.root->path, bundle);
}

namespace {

unsigned long propagation_flags(const std::string& value) {
    if (value.empty()) return MS_SLAVE | MS_REC;
    if (value == "private") return MS_PRIVATE;
    if (value == "rprivate") return MS_PRIVATE | MS_REC;
    if (value == "slave") return MS_SLAVE;
    if (value == "rslave") return MS_SLAVE | MS_REC;
    if (value == "shared") return MS_SHARED;
    if (value == "rshared") return MS_SHARED | MS_REC;
    if (value == "unbindable") return MS_UNBINDABLE;
    if (value == "runbindable") return MS_UNBINDABLE | MS_REC;
    throw_error(".linux.rootfsPropagation: unknown value \"{}\"", value);
}

// A sysctl is written from inside the container's namespaces: one the container does not
// own would change the host. The spec leaves this open; like runc, only keys scoped to a
// namespace the config lists (new or joined) are allowed, and unlike runc not when the
// joined one is berth's own (a path such as /proc/1/ns/net names the host's).
void check_sysctl_namespace(const std::string& key, const oci::LinuxConfig& lx) {
    static const std::set<std::string> kIpc = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                               "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
                                               "kernel.shm_rmid_forced"};
    auto needs = [&](oci::NamespaceType type, const char* name) {
        if (!sys::has_own_namespace(lx, type))
            throw_error(".linux.sysctl \"{}\": needs a {} namespace, else it would change the host", key, name);
    };
    if (kIpc.count(key) || key.rfind("fs.mqueue.", 0) == 0) needs(oci::NamespaceType::ipc, "ipc");
    else if (key.rfind("net.", 0) == 0) needs(oci::NamespaceType::network, "network");
    else if (key == "kernel.hostname" || key == "kernel.domainname") needs(oci::NamespaceType::uts, "uts");
    else throw_error(".linux.sysctl \"{}\": not namespaced, it would change the host", key);
}

void plan_linux(child::LaunchPlan& plan, const oci::LinuxConfig& lx) {
    plan.root_propagation = propagation_flags(lx.rootfs_propagation);
    plan.explicit_propagation = !lx.rootfs_propagation.empty();
    for (const auto& p : lx.masked_paths) plan.masked_paths.push_back(fs::clean_path(p, "/"));
    for (const auto& p : lx.readonly_paths) plan.readonly_paths.push_back(fs::clean_path(p, "/"));
    for (const auto& [key, value] : lx.sysctl) {
        std::string path = "/proc/sys/" + key;
        std::replace(path.begin() + 10, path.end(), '.', '/');
        if (key.find("..") != std::string::npos || key.find('/') != std::string::npos)
            throw_error(".linux.sysctl: invalid key \"{}\"", key);
        check_sysctl_namespace(key, lx);
        plan.sysctls.push_back({path, value});
    }
    if (lx.personality) {
        const auto& d = lx.personality->domain;
        if (d != "LINUX" && d != "LINUX32") throw_error(".linux.personality.domain: unknown domain \"{}\"", d);
        plan.process.has_personality = true;
        plan.process.personality = d == "LINUX32" ? PER_LINUX32 : PER_LINUX;
    }
    if (lx.memory_policy) plan.mempolicy = sys::build_mempolicy_plan(*lx.memory_policy);
}

// LISTEN_FDS (socket activation) passes through to the container, as in runc: only when
// LISTEN_PID names berth itself, as sd_listen_fds(3) requires (else the fds were meant for
// a process that exec'd or forked berth, and are not necessarily open).
unsigned listen_fds(sys::ProcessPlan& process) {
    const char* value = std::getenv("LISTEN_FDS");
    const char* pid = std::getenv("LISTEN_PID");
    if (value == nullptr || pid == nullptr || std::strtol(pid, nullptr, 10) != ::getpid()) return 0;
    unsigned n = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
    if (n == 0) return 0;
    process.env.strings.push_back(fmt::format("LISTEN_FDS={}", n));
    process.env.strings.push_back("LISTEN_PID=1");
    return n;
}

// After the process's environment is final. A startContainer hook without `env` gets the
// container process's environment, as in runc and crun (their init has it by then): it
// runs inside the container, where berth's own environment has no business.
void plan_start_hooks(child::LaunchPlan& plan, const oci::Config& config) {
    if (!config.hooks) return;
    for (const auto& h : config.hooks->start_container) {
        child::HookExec e;
        e.path = h.path;
        e.args.strings = h.args.empty() ? std::vector<std::string>{h.path} : h.args;
        e.args.seal();
        e.env.strings = h.has_env() ? h.env : plan.process.env.strings;
        e.env.seal();
        e.timeout_seconds = h.timeout.value_or(0);
        plan.start_container_hooks.push_back(std::move(e));
    }
}

// Without a mount namespace of its own the container is in the runtime's, which is the
// host's (config-linux.md#namespaces: an unlisted type is inherited). runc and crun then
// still mount everything the config lists, there: into the host's mount table, where
// every host process sees it and it outlives the container (runc also makes the host's
// "/" a slave). berth changes nothing on the host, so such a config may ask for nothing
// that needs a mount or a file made in the rootfs: the init only changes its root to
// root.path (as runc and crun do), and the container sees the rootfs as it is, /dev and
// /proc included (the spec's default devices are then the rootfs's own). The spec has no
// rule for mounts without a mount namespace; refusing names the field.
void check_without_mount_namespace(const oci::Config& config) {
    auto refuse = [](const char* field, const char* what) {
        throw_error("{}: needs a mount namespace of the container's own: without one {}", field, what);
    };
    constexpr const char* kHostTable = "it would land in the host's mount table";
    if (!config.mounts.empty()) refuse(".mounts", "each mount would land in the host's mount table");
    if (config.root && config.root->readonly) refuse(".root.readonly", kHostTable);
    if (!config.linux_) return;
    const auto& lx = *config.linux_;
    if (!lx.masked_paths.empty()) refuse(".linux.maskedPaths", kHostTable);
    if (!lx.readonly_paths.empty()) refuse(".linux.readonlyPaths", kHostTable);
    if (!lx.rootfs_propagation.empty()) refuse(".linux.rootfsPropagation", "it would change the host's \"/\"");
    if (!lx.devices.empty()) refuse(".linux.devices", "the nodes would be made in the host's filesystem");
}

}  // namespace

std::string session_keyring_prefix(const std::string& id) {
    // runc's "_ses.<id>", so an id may start with '.' (such names are the kernel's own:
    // ".foo" failed with EPERM). The pid makes each container's keyring its own: joined
    // by name, "_ses.<id>" alone would hand a new container the keyring of one with
    // the same id that just exited, until the kernel freed it.
    return "_ses." + id + ".";
}

child::LaunchPlan build_launch_plan(const PlanInputs& in) {
    const oci::Config& config = *in.config;
    child::LaunchPlan plan;
    if (!config.process) throw_error(".process: required by create");
    plan.rootfs = rootfs_path(config, in.bundle);
    plan.readonly_root = config.root->readonly;
    plan.no_pivot = in.no_pivot;
    plan.ns = sys::build_namespace_plan(config);
    if (!plan.ns.own_mount) check_without_mount_namespace(config);
    plan.process = sys::build_process_plan(*config.process, plan.ns.deny_setgroups);
    plan.root_propagation = MS_SLAVE | MS_REC;
    if (config.linux_) plan_linux(plan, *config.linux_);
    std::string own_cgroup;
    if (!plan.ns.new_cgroup)
        own_cgroup = cgroup::inner_path(config.linux_ ? config.linux_->cgroups_path : std::string(), in.id);
    // sysfs may be mounted by whoever holds CAP_SYS_ADMIN over the user namespace owning
    // the network namespace: root outside any user namespace always (a joined network
    // namespace then gets its own sysfs, as runc mounts it); in a user namespace only over
    // a network namespace made with it. Otherwise the host's /sys is bound read-only.
    const bool in_userns = binds_devices(config, in.rootless);
    const bool sysfs_mountable = plan.ns.new_net || !in_userns;
    plan.mounts = sys::build_mount_ops(config, in.bundle, sysfs_mountable, own_cgroup);
    if (plan.ns.new_user) sys::drop_unmapped_devpts_gid(plan.mounts, config.linux_->gid_mappings);
    bool dev_mounted = std::any_of(plan.mounts.begin(), plan.mounts.end(), [](const auto& m) { return m.target == "dev"; });
    if (plan.ns.own_mount) plan.devices = sys::build_device_plan(config, in_userns, dev_mounted);
    plan.bind_console = plan.ns.own_mount;
    // A /dev bound from elsewhere (the host's, a prepared directory) is used as it is, as
    // runc does: nodes and links made there would land in the bind's source, on the host.
    if (std::any_of(plan.mounts.begin(), plan.mounts.end(),
                    [](const auto& m) { return m.target == "dev" && m.kind == sys::MountKind::bind; })) {
        plan.devices.devices.clear();
        plan.devices.symlinks.clear();
    }
    std::string cwd = fs::clean_path(plan.process.cwd, "/");
    plan.cwd_in_rootfs = cwd == "/" ? "" : cwd.substr(1);
    plan.set_hostname = !config.hostname.empty();
    plan.hostname = config.hostname;
    plan.set_domainname = !config.domainname.empty();
    plan.domainname = config.domainname;
    // config.md#hostname (v1.3): the uts namespace may be joined by path, and the name is
    // set there, as runc does. Not in berth's own (unlisted, or joined by a path naming
    // it): that would rename the host; runc refuses the unlisted case too.
    if ((plan.set_hostname || plan.set_domainname) && !plan.ns.own_uts)
        throw_error("{}: needs a uts namespace of the container's own (new, or joined by path), else it would "
                    "change the host's", plan.set_hostname ? ".hostname" : ".domainname");
    if (config.linux_ && config.linux_->seccomp)
        plan.seccomp = sys::build_seccomp_plan(*config.linux_->seccomp, in.seccomp_cache_dir);
    plan.process.preserve_fds = in.preserve_fds + listen_fds(plan.process);
    add_default_home(plan.process.env.strings, container_passwd(plan.rootfs, plan.mounts), config.process->user.uid);
    plan.process.env.seal();
    plan_start_hooks(plan, config);
    plan.new_keyring = !in.no_new_keyring;
    plan.keyring_name = session_keyring_prefix(in.id);
    const auto& hooks = config.hooks;
    plan.stop_after_mounts = hooks && (!hooks->prestart.empty() || !hooks->create_runtime.empty() ||
                                       !hooks->create_container.empty());
    plan.dumpable_for_hooks = in.rootless && plan.ns.new_user && hooks && !hooks->create_container.empty();
    return plan;
}

}  // namespace berth::runtime
