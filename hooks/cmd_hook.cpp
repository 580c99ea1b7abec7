// berth-nvidia-hook [hook]: the prestart / createRuntime hook for runc and crun users.
//
// No runtime applies edits for us in this mode, so the hook carries them out itself,
// as nvidia-container-runtime-hook + libnvidia-container do: on the host side it opens
// the host ldconfig and writes the v1 device cgroup rules; then it enters the
// container's mount namespace (setns on a pidfd) where the rootfs is mounted but not
// yet pivoted into, creates the device nodes, bind-mounts the driver files read-only
// onto fds resolved inside the rootfs, and runs the createContainer steps in-process.
// Mounts live only in the container's namespace (runc makes it a slave or private
// copy), so the host never sees them and they vanish with the container.
#include "hook_common.hpp"
#include "hook_rootfs.hpp"

#include "hooks/nvidia/config.hpp"
#include "hooks/nvidia/files.hpp"
#include "hooks/nvidia/inject.hpp"
#include "oci/state.hpp"
#include "util/error.hpp"

#include <fcntl.h>

#include <algorithm>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

namespace berth::hook {
namespace {

void write_text(const std::string& path, const std::string& text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw_errno("write '{}' to '{}'", text, path);
}

// cgroup v1: append allow rules to the container's devices cgroup, as
// libnvidia-container does. cgroup v2 has no file to write: device access there is an
// eBPF program the runtime owns.
void allow_devices(int pid, const std::vector<nvidia::DeviceNodeEdit>& nodes) {
    std::string list = nvidia::read_file_if_exists(fmt::format("/proc/{}/cgroup", pid)).value_or("");
    std::string path;
    for (size_t at = 0; at < list.size();) {
        size_t end = list.find('\n', at);
        std::string line = list.substr(at, end == std::string::npos ? std::string::npos : end - at);
        at = end == std::string::npos ? list.size() : end + 1;
        size_t c1 = line.find(':'), c2 = line.find(':', c1 + 1);
        if (c1 == std::string::npos || c2 == std::string::npos) continue;
        // fmt, not operator+: GCC 12 at -O3 misreports "x" + std::string (-Wrestrict).
        std::string controllers = fmt::format(",{},", line.substr(c1 + 1, c2 - c1 - 1));
        if (controllers.find(",devices,") != std::string::npos) path = line.substr(c2 + 1);
    }
    if (path.empty()) {
        warn("device cgroup rules NOT applied: the container has no cgroup v1 devices controller (cgroup v2 "
             "device rules are an eBPF program only the runtime can install). Use berth as the runtime, or "
             "CDI through the engine, so the runtime gets the rules in linux.resources.devices");
        return;
    }
    if (path.find("/..") != std::string::npos) throw_error("device cgroup: suspicious cgroup path '{}'", path);
    std::string file = "/sys/fs/cgroup/devices" + path + "/devices.allow";
    for (const nvidia::DeviceNodeEdit& n : nodes) {
        if ((n.type != "c" && n.type != "b") || !n.major || !n.minor) continue;
        std::string rule = fmt::format("{} {}:{} {}", n.type, *n.major, *n.minor,
                                       n.permissions.empty() ? "rwm" : n.permissions);
        try {
            write_text(file, rule);
        } catch (const Error& e) {
            throw e.with_context("device cgroup");
        }
    }
}

void enter_mount_namespace(int pid) {
    struct stat ours{}, theirs{};
    if (::stat("/proc/self/ns/mnt", &ours) != 0) throw_errno("stat '/proc/self/ns/mnt'");
    std::string ns = fmt::format("/proc/{}/ns/mnt", pid);
    if (::stat(ns.c_str(), &theirs) != 0) throw_errno("stat '{}'", ns);
    if (ours.st_ino == theirs.st_ino && ours.st_dev == theirs.st_dev)
        throw_error("the container shares the hook's mount namespace: refusing to mount on the host");
    // A pidfd pins the process: a recycled pid cannot put us into another namespace.
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) throw_errno("pidfd_open {}", pid);
    if (::setns(pidfd.get(), CLONE_NEWNS) != 0) throw_errno("enter the mount namespace of pid {}", pid);
    if (::stat("/proc/self/ns/mnt", &ours) != 0 || ours.st_ino != theirs.st_ino)
        throw_error("enter the mount namespace of pid {}: the process changed", pid);
    if (::chdir("/") != 0) throw_errno("chdir '/'");
}

void create_node(const Container& c, const nvidia::DeviceNodeEdit& n) {
    if ((n.type != "c" && n.type != "b") || !n.major || !n.minor)
        throw_error("device node '{}': only complete b/c nodes are supported", n.path);
    auto [parent_path, name] = split_parent(n.path);
    refuse_escaping_symlinks(c.root.get(), parent_path);
    UniqueFd dir = make_dirs_in_root(c.root.get(), parent_path);
    mode_t type = n.type == "c" ? S_IFCHR : S_IFBLK;
    dev_t dev = makedev(static_cast<unsigned>(*n.major), static_cast<unsigned>(*n.minor));
    struct stat st{};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if ((st.st_mode & S_IFMT) == type && st.st_rdev == dev) return;  // already there
        throw_error("device node '{}': something else exists there in the container", n.path);
    }
    mode_t mode = n.file_mode.value_or(0666) & 07777;
    if (::mknodat(dir.get(), name.c_str(), type | mode, dev) == 0) {
        if (::fchownat(dir.get(), name.c_str(), n.uid.value_or(0), n.gid.value_or(0), AT_SYMLINK_NOFOLLOW) != 0 ||
            ::fchmodat(dir.get(), name.c_str(), mode, 0) != 0)
            throw_errno("device node '{}': set owner and mode", n.path);
        return;
    }
    if (errno != EPERM) throw_errno("mknod '{}' in the rootfs", n.path);
    // In a user namespace mknod is not allowed: bind the host node instead.
    UniqueFd target = make_mountpoint(c.root.get(), n.path, false);
    UniqueFd tree = clone_host_tree(n.host_path.empty() ? n.path : n.host_path,
                                    {MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC});
    attach(tree.get(), target.get(), n.path);
}

void bind_one(const Container& c, const nvidia::MountEdit& m) {
    MountFlags flags = mount_flags(m.options);
    bool bind = m.type == "bind" || std::find(m.options.begin(), m.options.end(), "bind") != m.options.end() ||
                flags.recursive;
    if (!bind) throw_error("mount '{}': only bind mounts are supported in hook mode", m.container_path);
    struct stat st{};
    if (::stat(m.host_path.c_str(), &st) != 0) throw_errno("mount '{}': stat '{}'", m.container_path, m.host_path);
    auto parent = split_parent(m.container_path).first;
    refuse_escaping_symlinks(c.root.get(), parent);
    UniqueFd target = make_mountpoint(c.root.get(), m.container_path, S_ISDIR(st.st_mode));
    UniqueFd tree = clone_host_tree(m.host_path, flags);
    attach(tree.get(), target.get(), m.container_path);
}

// A hook of another tool (from a CDI spec): run it as the runtime would, with its own
// env only and the state on stdin.
void run_external(const Container& c, const oci::Hook& h) {
    std::string state = oci::to_json(c.state);
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) throw_errno("pipe");
    UniqueFd rd(pipefd[0]), wr(pipefd[1]);
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) {
        ::dup2(rd.get(), STDIN_FILENO);
        std::vector<std::string> args = h.args.empty() ? std::vector<std::string>{h.path} : h.args;
        std::vector<char*> argv, envp;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::vector<std::string> env = h.env;
        for (std::string& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
        ::execve(h.path.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    rd.reset();
    (void)!::write(wr.get(), state.data(), state.size());
    wr.reset();
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw_error("hook '{}' failed", h.path);
}

bool is_ours(const oci::Hook& h, const nvidia::NvidiaConfig& nv) {
    return h.path == nvidia::effective_hook_path(nv) || nvidia::base_name(h.path) == "berth-nvidia-hook";
}

void run_steps(const Container& c, const std::vector<nvidia::HookEdit>& hooks, const nvidia::NvidiaConfig& nv) {
    for (const nvidia::HookEdit& h : hooks) {
        if (h.stage != nvidia::HookStage::create_container) {
            warn(fmt::format("hook '{}' ({}) skipped: only createContainer hooks run in hook mode", h.hook.path,
                             nvidia::to_string(h.stage)));
            continue;
        }
        const Args& a = h.hook.args;
        if (is_ours(h.hook, nv) && a.size() >= 2) {
            if (!run_container_step(a[1], c, Args(a.begin() + 2, a.end())))
                throw_error("unknown step '{}'", a[1]);
        } else {
            run_external(c, h.hook);
        }
    }
}

// The host ldconfig the update-ldcache step will run, opened while still in the host's
// mount namespace.
UniqueFd open_host_ldconfig(const std::vector<nvidia::HookEdit>& hooks) {
    for (const nvidia::HookEdit& h : hooks) {
        const Args& a = h.hook.args;
        if (a.size() < 2 || a[1] != "update-ldcache") continue;
        for (size_t i = 2; i + 1 < a.size(); ++i)
            if (a[i] == "--ldconfig" && a[i + 1].starts_with("@/")) {
                UniqueFd fd(::open(a[i + 1].c_str() + 1, O_RDONLY | O_CLOEXEC));
                if (!fd) throw_errno("update-ldcache: open ldconfig '{}'", a[i + 1].substr(1));
                return fd;
            }
    }
    return UniqueFd();
}

}  // namespace

int cmd_hook(const Args&) {
    Container c = read_container();
    nvidia::NvidiaConfig nv = nvidia::load_nvidia_config();
    std::vector<std::string> warnings;
    std::optional<nvidia::ContainerEdits> edits = nvidia::gpu_edits(c.config, nv, c.rootfs, warnings);
    for (const std::string& w : warnings) warn(w);
    if (!edits) return 0;  // not a GPU container
    if (c.state.pid <= 0) throw_error("state (stdin): no pid: run me as a prestart or createRuntime hook");
    if (!edits->env.empty())
        warn(fmt::format("environment edits not applied (a hook cannot change the process env): {}",
                         fmt::join(edits->env, " ")));
    UniqueFd ldconfig = open_host_ldconfig(edits->hooks);
    c.ldconfig_fd = ldconfig.get();
    allow_devices(c.state.pid, edits->device_nodes);
    enter_mount_namespace(c.state.pid);
    open_rootfs(c);
    for (const nvidia::DeviceNodeEdit& n : edits->device_nodes) create_node(c, n);
    for (const nvidia::MountEdit& m : edits->mounts) bind_one(c, m);
    run_steps(c, edits->hooks, nv);
    return 0;
}

}  // namespace berth::hook
