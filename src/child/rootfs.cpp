// Child side: mounts and the rootfs. Every target is resolved inside the rootfs with
// openat2(RESOLVE_IN_ROOT) and mounted onto the resolved fd, never onto a path string
// a symlink could redirect to the host.
#include "child/rootfs.hpp"
#include "child/host_kernel_fs.hpp"
#include "child/proc_root.hpp"
#include "sys/mount_attrs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace berth::child {

namespace {

// Closes an fd at scope exit; no allocation.
struct Fd {
    int fd = -1;
    explicit Fd(int f) noexcept : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

bool set_attrs(int fd, unsigned flags, std::uint64_t set, std::uint64_t clr, std::uint64_t propagation,
               int userns_fd) noexcept {
    return sys::set_mount_attrs(fd, flags, set, clr, propagation, userns_fd);
}

bool bind_mount(const sys::MountOp& op, int root_fd, Failure& f) noexcept {
    // An idmapped, shared or (in a user namespace) host-side tree comes ready from the
    // parent (dup'ed: the parent owns its fd).
    Fd tree(op.prepared_tree_fd >= 0 ? ::fcntl(op.prepared_tree_fd, F_DUPFD_CLOEXEC, 0) : sys::clone_bind_source(op));
    if (tree.fd < 0) return fail(f, "open_tree", op.source.c_str());
    // Attributes go on the detached tree, so the mount never appears in the container
    // with the wrong flags.
    if (op.prepared_tree_fd < 0 && !sys::set_bind_tree_attrs(tree.fd, op)) return fail(f, "mount_setattr", op.display.c_str());
    Fd target(ensure_in_root(root_fd, op.target.c_str(), op.source_is_dir));
    if (target.fd < 0) return fail(f, "mount target", op.display.c_str(), -target.fd);
    if (::move_mount(tree.fd, "", target.fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return fail(f, "move_mount", op.display.c_str());
    if (op.propagation != 0) {
        unsigned prec = (op.propagation & MS_REC) ? AT_RECURSIVE : 0;
        if (!set_attrs(tree.fd, prec, 0, 0, op.propagation & ~MS_REC, -1))
            return fail(f, "mount propagation", op.display.c_str());
    }
    return true;
}

// After a mount on top of `rel`, the fd resolved before still names the covered
// directory: resolve again to reach the new mount.
bool post_mount_attrs(const sys::MountOp& op, int root_fd, Failure& f) noexcept {
    if ((op.rec_attr_set | op.rec_attr_clr) == 0 && op.propagation == 0) return true;
    Fd top(resolve_in_root(root_fd, op.target.c_str()));
    if (top.fd < 0) return fail(f, "mount target", op.display.c_str(), -top.fd);
    if ((op.rec_attr_set | op.rec_attr_clr) != 0 &&
        !set_attrs(top.fd, AT_RECURSIVE, op.rec_attr_set, op.rec_attr_clr, 0, -1))
        return fail(f, "mount_setattr", op.display.c_str());
    if (op.propagation != 0 &&
        !set_attrs(top.fd, (op.propagation & MS_REC) ? AT_RECURSIVE : 0, 0, 0, op.propagation & ~MS_REC, -1))
        return fail(f, "mount propagation", op.display.c_str());
    return true;
}

// "mode=<octal>[,data]" into buf (size `cap`), for a tmpfs that keeps its directory's mode.
const char* data_with_mode(char* buf, std::size_t cap, mode_t mode, const std::string& data) noexcept {
    const char prefix[] = "mode=";
    std::size_t n = 0;
    for (; prefix[n] != '\0'; ++n) buf[n] = prefix[n];
    for (int shift = 9; shift >= 0; shift -= 3) buf[n++] = static_cast<char>('0' + ((mode >> shift) & 7));
    if (data.empty() || n + 1 + data.size() >= cap) {
        buf[n] = '\0';
        return data.empty() ? buf : nullptr;
    }
    buf[n++] = ',';
    copy_cstr(buf + n, cap - n, data.c_str());
    return buf;
}

bool fs_mount(const sys::MountOp& op, int root_fd, Failure& f) noexcept {
    // runc and crun: a tmpfs over a directory that was there keeps its mode (0712 stays
    // 0712) unless mode= is given; one over a directory berth makes gets the kernel's 1777.
    int existing = op.mode_from_target ? resolve_in_root(root_fd, op.target.c_str()) : -ENOENT;
    Fd target(existing >= 0 ? existing : ensure_in_root(root_fd, op.target.c_str(), true));
    if (target.fd < 0) return fail(f, "mount target", op.display.c_str(), -target.fd);
    char path[32];
    char with_mode[4160];
    const char* data = op.data.empty() ? nullptr : op.data.c_str();
    struct stat st{};
    if (existing >= 0 && ::fstat(target.fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        data = data_with_mode(with_mode, sizeof with_mode, st.st_mode & 07777, op.data);
        if (data == nullptr) return fail(f, "mount options too long", op.display.c_str(), EINVAL);
    }
    if (::mount(op.source.c_str(), fd_path(path, target.fd), op.fstype.c_str(), op.flags, data) < 0)
        return fail(f, "mount", op.display.c_str());
    return post_mount_attrs(op, root_fd, f);
}

// `op`'s flags apply to each hierarchy: a fresh mount takes them as MS_* flags, a bind of
// the host's directory as attributes (set only: never clearing a flag the host locked).
bool cgroup_hierarchy(const sys::CgroupHierarchy& h, int dir_fd, const sys::MountOp& op, Failure& f) noexcept {
    if (h.symlink) {
        if (::symlinkat(h.options.c_str(), dir_fd, h.name.c_str()) < 0 && errno != EEXIST)
            return fail(f, "symlink", h.name.c_str());
        return true;
    }
    if (::mkdirat(dir_fd, h.name.c_str(), 0755) < 0 && errno != EEXIST) return fail(f, "mkdir", h.name.c_str());
    Fd sub(::openat(dir_fd, h.name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (sub.fd < 0) return fail(f, "open", h.name.c_str());
    char path[32];
    fd_path(path, sub.fd);
    if (!h.bind_source.empty()) {
        // The container's own directory, read-only. A hierarchy berth made no directory in
        // (name=systemd, or paths the systemd driver chose) falls through to a fresh mount.
        Fd own(::open_tree(AT_FDCWD, h.bind_source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
        if (own.fd >= 0) {
            if (::move_mount(own.fd, "", sub.fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return fail(f, "bind cgroup", h.bind_source.c_str());
            return op.attr_set == 0 || set_attrs(own.fd, AT_RECURSIVE, op.attr_set, 0, 0, -1) ||
                   fail(f, "mount_setattr", h.bind_source.c_str());
        }
        if (errno != ENOENT) return fail(f, "open cgroup", h.bind_source.c_str());
    }
    const char* data = h.fstype == "cgroup" ? h.options.c_str() : nullptr;
    if (::mount(h.fstype.c_str(), path, h.fstype.c_str(), op.flags, data) == 0) return true;
    // cgroup v1 cannot be mounted from a user namespace: show the host's directory. That is
    // the whole host hierarchy, not the namespaced view the config asked for: read-only
    // whatever the options say.
    if (errno != EPERM) return fail(f, "mount cgroup", h.name.c_str());
    char host[64] = "/sys/fs/cgroup/";
    copy_cstr(host + 15, sizeof host - 15, h.name.c_str());
    Fd tree(::open_tree(AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
    if (tree.fd < 0 || ::move_mount(tree.fd, "", sub.fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return fail(f, "bind cgroup", h.name.c_str());
    return set_attrs(tree.fd, AT_RECURSIVE, op.attr_set | MOUNT_ATTR_RDONLY, 0, 0, -1) ||
           fail(f, "mount_setattr", h.name.c_str());
}

// A pure v2 host's cgroup2 at `path`. In a user namespace two refusals have a way round
// (runc binds the host's tree on both): EBUSY, where `path` is the root of the host's
// cgroup2 mount already (the host's /sys bound: no network namespace, or one rootless
// Podman made for slirp4netns) and the kernel will not stack the same filesystem on its
// own root: a tmpfs in between, then cgroup2 over it, so a container with its own cgroup
// namespace still sees its own cgroup (memory.max at the top); EPERM, a user namespace that
// does not own the cgroup namespace: the host's hierarchy bound read-only instead.
bool cgroup2_mount(const sys::MountOp& op, const char* path, Failure& f) noexcept {
    if (::mount("cgroup2", path, "cgroup2", op.flags, nullptr) == 0) return true;
    if (errno == EBUSY) {
        if (::mount("tmpfs", path, "tmpfs", (op.flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
            return fail(f, "mount", op.display.c_str());
        if (::mount("cgroup2", path, "cgroup2", op.flags, nullptr) == 0) return true;
    }
    if (errno != EPERM) return fail(f, "mount", op.display.c_str());
    Fd tree(::open_tree(AT_FDCWD, "/sys/fs/cgroup", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
    Fd target(::open(path, O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (tree.fd < 0 || target.fd < 0 ||
        ::move_mount(tree.fd, "", target.fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return fail(f, "bind cgroup", op.display.c_str());
    return set_attrs(tree.fd, AT_RECURSIVE, op.attr_set | MOUNT_ATTR_RDONLY, 0, 0, -1) ||
           fail(f, "mount_setattr", op.display.c_str());
}

bool cgroup_mount(const sys::MountOp& op, int root_fd, Failure& f) noexcept {
    Fd target(ensure_in_root(root_fd, op.target.c_str(), true));
    if (target.fd < 0) return fail(f, "mount target", op.display.c_str(), -target.fd);
    char path[32];
    fd_path(path, target.fd);
    if (op.cgroups.empty()) return cgroup2_mount(op, path, f);
    if (::mount("tmpfs", path, "tmpfs", op.flags & ~MS_RDONLY, "mode=755") < 0)
        return fail(f, "mount", op.display.c_str());
    Fd top(resolve_in_root(root_fd, op.target.c_str()));
    if (top.fd < 0) return fail(f, "mount target", op.display.c_str(), -top.fd);
    for (const auto& h : op.cgroups)
        if (!cgroup_hierarchy(h, top.fd, op, f)) return false;
    if ((op.flags & MS_RDONLY) && !set_attrs(top.fd, 0, MOUNT_ATTR_RDONLY, 0, 0, -1))
        return fail(f, "mount_setattr", op.display.c_str());
    return true;
}

// The directory the last node went into, kept open: the default devices and symlinks all
// live in /dev, resolved once (openat2 RESOLVE_IN_ROOT) instead of once per node. Nothing
// of the container runs yet, and each node is made by name in the directory the fd holds.
struct NodeDir {
    Fd dir{-1};
    const char* path = nullptr;  // a plan string: the key is its first `len` bytes
    std::size_t len = 0;
    NodeDir() = default;
    NodeDir(const NodeDir&) = delete;
    NodeDir& operator=(const NodeDir&) = delete;

    // The parent directory's fd of `rel` (owned here) and the name's offset, or -errno.
    int open(int root_fd, const char* rel, std::size_t& name_at) noexcept {
        std::size_t slash = 0;
        for (std::size_t i = 0; rel[i] != '\0'; ++i)
            if (rel[i] == '/') slash = i + 1;
        if (dir.fd >= 0 && slash > 0 && slash == len && __builtin_memcmp(path, rel, len) == 0) {
            name_at = slash;
            return dir.fd;
        }
        int fd = parent_in_root(root_fd, rel, name_at);
        if (fd < 0) return fd;
        if (dir.fd >= 0) ::close(dir.fd);
        dir.fd = fd;
        // Kept for the next node only where the name follows the last '/' as expected.
        path = rel;
        len = name_at == slash ? slash : 0;
        return fd;
    }
};

bool make_device(const sys::DeviceOp& d, int root_fd, bool bind, NodeDir& nodes, Failure& f) noexcept {
    std::size_t name_at = 0;
    const int dir = nodes.open(root_fd, d.path.c_str(), name_at);  // owned by `nodes`
    if (dir < 0) return fail(f, "device directory", d.path.c_str(), -dir);
    const char* name = d.path.c_str() + name_at;
    if (bind) {
        // mknod is not allowed in a user namespace: bind the host's node instead.
        int file = ::openat(dir, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (file < 0) return fail(f, "create device", d.path.c_str());
        ::close(file);
        Fd target(::openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
        Fd tree(::open_tree(AT_FDCWD, d.host_path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
        if (target.fd < 0 || tree.fd < 0 ||
            ::move_mount(tree.fd, "", target.fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return fail(f, "bind device", d.host_path.c_str());
        return true;
    }
    if (::mknodat(dir, name, d.mode, d.dev) < 0) {
        if (errno != EEXIST) return fail(f, "mknod", d.path.c_str());
        // A node already there (an image's /dev) is replaced so its type and number are ours.
        if (::unlinkat(dir, name, 0) < 0 || ::mknodat(dir, name, d.mode, d.dev) < 0)
            return fail(f, "mknod", d.path.c_str());
    }
    if (::fchownat(dir, name, d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0) return fail(f, "chown", d.path.c_str());
    return true;
}

bool setup_dev(const LaunchPlan& plan, int root_fd, Failure& f) noexcept {
    const auto& dp = plan.devices;
    if (dp.mount_dev_tmpfs) {
        Fd dev(ensure_in_root(root_fd, "dev", true));
        char path[32];
        if (dev.fd < 0) return fail(f, "mount target", "/dev", -dev.fd);
        if (::mount("tmpfs", fd_path(path, dev.fd), "tmpfs", MS_NOSUID | MS_STRICTATIME, dp.dev_tmpfs_data.c_str()) < 0)
            return fail(f, "mount", "/dev");
    }
    NodeDir nodes;
    for (const auto& d : dp.devices)
        if (!make_device(d, root_fd, dp.bind_devices, nodes, f)) return false;
    for (const auto& l : dp.symlinks) {
        std::size_t name_at = 0;
        const int dir = nodes.open(root_fd, l.path.c_str(), name_at);
        if (dir < 0) return fail(f, "symlink", l.path.c_str(), -dir);
        if (::symlinkat(l.target.c_str(), dir, l.path.c_str() + name_at) < 0 && errno != EEXIST)
            return fail(f, "symlink", l.path.c_str());
    }
    return true;
}

}  // namespace

bool setup_rootfs(const LaunchPlan& plan, int& root_fd, Failure& f) noexcept {
    // Nothing mounted below may propagate back to the host: make every mount a slave before
    // the first mount. rootfsPropagation is applied to the new root after pivot_root: made
    // here, "shared" would propagate the rootfs bind to the host (and pivot_root refuses a
    // shared parent), "unbindable" would refuse the bind itself.
    if (::mount(nullptr, "/", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) return fail(f, "rootfs propagation", "/");
    if (::mount(plan.rootfs.c_str(), plan.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        return fail(f, "bind rootfs", plan.rootfs.c_str());
    root_fd = ::open(plan.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) return fail(f, "open rootfs", plan.rootfs.c_str());
    bool dev_done = false;
    for (const auto& op : plan.mounts) {
        // /dev nodes go in once /dev itself is mounted, before anything below it.
        bool ok = op.kind == sys::MountKind::bind ? bind_mount(op, root_fd, f)
                : op.kind == sys::MountKind::cgroup ? cgroup_mount(op, root_fd, f)
                                                    : fs_mount(op, root_fd, f);
        if (!ok) return false;
        if (!dev_done && op.target == "dev") {
            if (!setup_dev(plan, root_fd, f)) return false;
            dev_done = true;
        }
    }
    if (!dev_done && !setup_dev(plan, root_fd, f)) return false;
    if (!plan.cwd_in_rootfs.empty()) {
        Fd cwd(ensure_in_root(root_fd, plan.cwd_in_rootfs.c_str(), true));
        if (cwd.fd < 0) return fail(f, "mkdir cwd", plan.cwd_in_rootfs.c_str(), -cwd.fd);
    }
    return true;
}

bool enter_rootfs(const LaunchPlan& plan, OldRootDetach& detach, Failure& f) noexcept {
    if (plan.no_pivot) {
        if (!hide_host_kernel_fs(plan.rootfs.c_str(), f)) return false;
        if (::chdir(plan.rootfs.c_str()) < 0) return fail(f, "chdir", plan.rootfs.c_str());
        if (::mount(plan.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0) return fail(f, "move rootfs", "/");
        if (::chroot(".") < 0) return fail(f, "chroot", plan.rootfs.c_str());
        return ::chdir("/") == 0 || fail(f, "chdir", "/");
    }
    Fd old_root(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    Fd new_root(::open(plan.rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (old_root.fd < 0 || new_root.fd < 0) return fail(f, "open rootfs", plan.rootfs.c_str());
    if (::fchdir(new_root.fd) < 0) return fail(f, "chdir", plan.rootfs.c_str());
    // pivot_root(".", ".") stacks the old root on the new one: no put_old directory
    // needed inside the image, and the old root is then detached from where it sits.
    if (::syscall(SYS_pivot_root, ".", ".") < 0) return fail(f, "pivot_root", plan.rootfs.c_str());
    if (::fchdir(old_root.fd) < 0) return fail(f, "chdir", "old root");
    // The detach must not propagate to the host's mounts.
    if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) return fail(f, "old root propagation", "/");
    if (!start_old_root_detach(old_root.fd, detach, f)) return false;
    // Before any path is resolved: while the old root is stacked on "/", ".." from the
    // root follows the mount into the host's tree ("/../tmp" was the host's /tmp: a
    // process.cwd, a masked path or a mount destination could escape).
    if (!wait_old_root_detached(detach, f)) return false;
    return ::chdir("/") == 0 || fail(f, "chdir", "/");
}

namespace {

// CVE-2025-31133: the container's /dev may be a bind mount the container (or a hostile
// bundle) controls, so /dev/null is opened without following a symlink and must be the
// null device itself; the mask is then bound from that fd, never from a path.
int open_dev_null(const char* masked, Failure& f) noexcept {
    int fd = ::open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fail(f, "mask: open /dev/null", masked), -1;
    struct stat st{};
    if (::fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
        ::close(fd);
        return fail(f, "mask: /dev/null is not the null device", masked, EPERM), -1;
    }
    return fd;
}

// A directory is covered by an empty read-only tmpfs made detached, then moved onto the
// already opened target.
bool mask_dir(int target, const char* path, Failure& f) noexcept {
    Fd fs(::fsopen("tmpfs", FSOPEN_CLOEXEC));
    if (fs.fd < 0 || ::fsconfig(fs.fd, FSCONFIG_SET_FLAG, "ro", nullptr, 0) < 0 ||
        ::fsconfig(fs.fd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
        return fail(f, "mask", path);
    Fd mnt(::fsmount(fs.fd, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
    if (mnt.fd < 0 || ::move_mount(mnt.fd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return fail(f, "mask", path);
    return true;
}

// `null_fd` is opened on the first masked file and reused.
bool mask_path(const char* path, int& null_fd, Failure& f) noexcept {
    // O_PATH|O_NOFOLLOW opens a symlink itself: it is skipped rather than followed.
    Fd target(::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (target.fd < 0) return errno == ENOENT || fail(f, "masked path", path);
    struct stat st{};
    if (::fstat(target.fd, &st) < 0) return fail(f, "masked path", path);
    if (S_ISLNK(st.st_mode)) return true;
    if (S_ISDIR(st.st_mode)) return mask_dir(target.fd, path, f);
    if (null_fd < 0 && (null_fd = open_dev_null(path, f)) < 0) return false;
    Fd tree(::open_tree(null_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (tree.fd < 0 || ::move_mount(tree.fd, "", target.fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return fail(f, "mask", path);
    return true;
}

// The same by fd: the tree is cloned from the opened path, made read-only while
// detached, and moved back onto that same fd.
bool readonly_path(const char* path, Failure& f) noexcept {
    Fd target(::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (target.fd < 0) return errno == ENOENT || fail(f, "readonly path", path);
    struct stat st{};
    if (::fstat(target.fd, &st) < 0) return fail(f, "readonly path", path);
    if (S_ISLNK(st.st_mode)) return true;
    Fd tree(::open_tree(target.fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE));
    if (tree.fd < 0) return fail(f, "readonly path", path);
    if (!set_attrs(tree.fd, AT_RECURSIVE, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                   0, 0, -1))
        return fail(f, "readonly path", path);
    if (::move_mount(tree.fd, "", target.fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return fail(f, "readonly path", path);
    return true;
}

bool write_sysctl(int proc_fd, const SysctlOp& s, Failure& f) noexcept {
    const char prefix[] = "/proc/";
    const char* rel = s.path.c_str();
    for (std::size_t i = 0; i + 1 < sizeof prefix; ++i)
        if (rel[i] != prefix[i]) return fail(f, "sysctl", rel, EINVAL);
    // CVE-2025-52881: through the verified handle (child/proc_root.hpp).
    Fd fd(open_proc_file(proc_fd, rel + sizeof prefix - 1));
    if (fd.fd < 0) return fail(f, "sysctl", rel, -fd.fd);
    if (!write_all(fd.fd, s.value.data(), s.value.size())) return fail(f, "sysctl", rel);
    return true;
}

// config-linux.md#rootfs-mount-propagation on the new root, which is a slave of the host's
// mount (setup_rootfs): "shared" then makes it a new peer group of its own, "private" cuts
// it off, "unbindable" is private and cannot be bound; the r* forms apply to every mount
// of the container. Unset, it stays rslave, as in runc. Last, after the masks and the
// console: their binds need a bindable /dev and /proc.
// A read-only tmpfs or /dev is mounted writable so that the nodes, the mount points below
// it and /dev/console can be made; this makes it read-only once everything is in place,
// as runc's finalizeRootfs does. After pivot_root: "/" is the rootfs.
bool readonly_last(const LaunchPlan& plan, Failure& f) noexcept {
    Fd root(-1);
    for (const auto& op : plan.mounts) {
        if (!op.readonly_last) continue;
        if (root.fd < 0 && (root.fd = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) return fail(f, "open", "/");
        Fd top(resolve_in_root(root.fd, op.target.c_str()));
        if (top.fd < 0) return fail(f, "mount target", op.display.c_str(), -top.fd);
        if (!set_attrs(top.fd, op.readonly_last_recursive ? AT_RECURSIVE : 0, MOUNT_ATTR_RDONLY, 0, 0, -1))
            return fail(f, "mount_setattr", op.display.c_str());
    }
    return true;
}

bool apply_root_propagation(const LaunchPlan& plan, Failure& f) noexcept {
    if (!plan.explicit_propagation) return true;
    if (::mount(nullptr, "/", nullptr, plan.root_propagation, nullptr) < 0) return fail(f, "rootfs propagation", "/");
    if (!(plan.root_propagation & MS_REC)) return true;
    // A mount's own propagation option is the more specific: it wins over the r* form.
    Fd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (root.fd < 0) return fail(f, "open", "/");
    // One a later mount covered is no longer reachable (ENOENT, or EINVAL: the path is not
    // a mount's root any more) and is left as it is.
    for (const auto& op : plan.mounts) {
        if (op.propagation == 0) continue;
        Fd top(resolve_in_root(root.fd, op.target.c_str()));
        if (top.fd == -ENOENT) continue;
        if (top.fd < 0) return fail(f, "mount target", op.display.c_str(), -top.fd);
        if (!set_attrs(top.fd, (op.propagation & MS_REC) ? AT_RECURSIVE : 0, 0, 0, op.propagation & ~MS_REC, -1) &&
            errno != EINVAL)
            return fail(f, "mount propagation", op.display.c_str());
    }
    return true;
}

}  // namespace

bool finish_rootfs(const LaunchPlan& plan, Failure& f) noexcept {
    // Sysctls before the masked and read-only paths: /proc/sys is read-only in every
    // engine's spec, and the sysctls are written through it (runc's order too).
    if (!plan.sysctls.empty()) {
        Fd proc(open_proc_root(f));
        if (proc.fd < 0) return false;
        for (const auto& s : plan.sysctls)
            if (!write_sysctl(proc.fd, s, f)) return false;
    }
    int null_fd = -1;
    for (const auto& p : plan.masked_paths) {
        if (!mask_path(p.c_str(), null_fd, f)) {
            if (null_fd >= 0) ::close(null_fd);
            return false;
        }
    }
    if (null_fd >= 0) ::close(null_fd);
    for (const auto& p : plan.readonly_paths)
        if (!readonly_path(p.c_str(), f)) return false;
    if (plan.readonly_root) {
        mount_attr attr{};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (::mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof attr) < 0) return fail(f, "readonly root", "/");
    }
    return readonly_last(plan, f) && apply_root_propagation(plan, f);
}

}  // namespace berth::child
