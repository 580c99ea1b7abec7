// mask-procfs [--proc-root R] --gpu BUS... [--caps PATH...]: the container's
// /proc/driver/nvidia shows only its GPUs (libnvidia-container's mount_procfs). A
// read-only tmpfs covers it with copies of version and registry, and of params with
// "ModifyDeviceFiles: 0" (so the driver inside never recreates device nodes), plus
// read-only binds of the selected gpus/<bus> directories from <R>/proc/driver/nvidia
// and of each capabilities/PATH (a MIG device's gpu<m>/mig/gi<g>/access and
// .../ci<c>/access; "." for the whole directory, with MIG config or monitor).
//
// Additive: if the target is already this tmpfs (another CDI device's hook ran first),
// only the missing GPU directories are added. Before covering anything the target is
// checked to be procfs (or our tmpfs), never a symlink or a bind of something else.
#include "hook_common.hpp"
#include "hook_rootfs.hpp"

#include "hooks/nvidia/files.hpp"
#include "util/error.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>

namespace berth::hook {
namespace {

constexpr const char* kTarget = "/proc/driver/nvidia";

long fs_type(int fd) {
    struct statfs st{};
    if (::fstatfs(fd, &st) != 0) throw_errno("statfs '{}'", kTarget);
    return static_cast<long>(st.f_type);
}

void write_copy(int dir, const char* name, std::string text) {
    int fd = ::openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (fd < 0) throw_errno("create '{}/{}'", kTarget, name);
    UniqueFd f(fd);
    if (::write(f.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw_errno("write '{}/{}'", kTarget, name);
}

std::string without_device_file_changes(std::string params) {
    for (size_t at = params.find("ModifyDeviceFiles: 1"); at != std::string::npos;
         at = params.find("ModifyDeviceFiles: 1", at))
        params[at + 19] = '0';
    return params;
}

// The mask: its tmpfs mount root (mount_setattr wants a mount root) and the
// directory that is /proc/driver/nvidia (the same, or "nvidia" in it).
struct Mask {
    UniqueFd mount;
    UniqueFd dir;
};

// Mounts the tmpfs on the target and fills it. With a fake proc root on a host without the driver, the kernel
// has no /proc/driver/nvidia to cover, so the tmpfs covers /proc/driver instead.
Mask new_mask(const Container& c, const std::string& source) {
    std::optional<UniqueFd> target = open_in_root(c.root.get(), kTarget, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    bool whole_driver_dir = false;
    if (!target) {
        target = open_in_root(c.root.get(), "/proc/driver", O_PATH | O_DIRECTORY | O_NOFOLLOW);
        if (!target || source == "/proc/driver/nvidia") throw_error("'{}' missing in the container", kTarget);
        whole_driver_dir = true;
    }
    if (fs_type(target->get()) != PROC_SUPER_MAGIC)
        throw_error("'{}' in the container is not procfs: refused", whole_driver_dir ? "/proc/driver" : kTarget);
    UniqueFd tmp = new_tmpfs(0555, kTarget);
    attach(tmp.get(), target->get(), kTarget);
    UniqueFd dir;
    if (whole_driver_dir) {
        if (::mkdirat(tmp.get(), "nvidia", 0555) != 0) throw_errno("mkdir '{}'", kTarget);
        dir = UniqueFd(::openat(tmp.get(), "nvidia", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    } else {
        dir = UniqueFd(::openat(tmp.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    if (!dir) throw_errno("open '{}'", kTarget);
    if (auto params = nvidia::read_file_if_exists(source + "/params", 1u << 20))
        write_copy(dir.get(), "params", without_device_file_changes(*params));
    for (const char* name : {"version", "registry"})
        if (auto text = nvidia::read_file_if_exists(source + "/" + name, 1u << 20))
            write_copy(dir.get(), name, *text);
    if (::mkdirat(dir.get(), "gpus", 0555) != 0) throw_errno("mkdir '{}/gpus'", kTarget);
    return {std::move(tmp), std::move(dir)};
}

void add_gpu(int dir, const std::string& source, const std::string& bus) {
    if (bus.empty() || bus.find('/') != std::string::npos || bus == "." || bus == "..")
        throw_error("invalid GPU bus id '{}'", bus);
    std::string what = std::string(kTarget) + "/gpus/" + bus;
    int gpus = ::openat(dir, "gpus", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (gpus < 0) throw_errno("open '{}/gpus'", kTarget);
    UniqueFd gpus_fd(gpus);
    if (::mkdirat(gpus, bus.c_str(), 0555) != 0) {
        if (errno == EEXIST) return;  // added by an earlier hook
        throw_errno("mkdir '{}'", what);
    }
    UniqueFd tree = clone_host_tree(source + "/gpus/" + bus,
                                    {MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC});
    UniqueFd target(::openat(gpus, bus.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!target) throw_errno("open '{}'", what);
    attach(tree.get(), target.get(), what);
}

// "." or a relative path whose components are names (no "", ".", ".."): it must stay
// below capabilities/ in the source and in the mask.
bool valid_caps_path(std::string_view rel) {
    if (rel == ".") return true;
    if (rel.empty() || rel.front() == '/' || rel.back() == '/') return false;
    for (size_t at = 0; at <= rel.size();) {
        size_t end = std::min(rel.find('/', at), rel.size());
        std::string_view part = rel.substr(at, end - at);
        if (part.empty() || part == "." || part == "..") return false;
        at = end + 1;
    }
    return true;
}

// Binds <source>/capabilities/<rel> read-only at the same place in the mask, as
// libnvidia-container's MIG mounts do; "." is the whole capabilities directory. The
// mask starts without capabilities/, so an entry already there is an earlier hook's bind.
void add_caps(int dir, const std::string& source, const std::string& rel) {
    if (!valid_caps_path(rel)) throw_error("invalid --caps path '{}'", rel);
    bool whole = rel == ".";
    std::string in_mask = whole ? "/capabilities" : "/capabilities/" + rel;
    std::string what = std::string(kTarget) + in_mask;
    std::string host = source + in_mask;
    struct stat st{};
    if (::stat(host.c_str(), &st) != 0) throw_errno("stat '{}'", host);
    if (std::optional<UniqueFd> there = open_in_root(dir, in_mask, O_PATH | O_NOFOLLOW)) {
        // Individual access files may be there already; the whole directory covers them.
        if (!whole || fs_type(there->get()) == PROC_SUPER_MAGIC) return;
    }
    UniqueFd target = make_mountpoint(dir, in_mask, S_ISDIR(st.st_mode));
    UniqueFd tree = clone_host_tree(host, {MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC});
    attach(tree.get(), target.get(), what);
}

}  // namespace

void mask_procfs(const Container& c, const Args& args) {
    std::string proc_root = "/";
    std::vector<std::string> gpus, caps;
    for (const auto& [name, value] : parse_options(args, {"--proc-root", "--gpu", "--caps"})) {
        if (name == "--proc-root") proc_root = value;
        if (name == "--gpu") gpus.push_back(value);
        if (name == "--caps") caps.push_back(value);
    }
    if (!proc_root.starts_with('/')) throw_error("--proc-root '{}' must be an absolute path", proc_root);
    std::string source = nvidia::under_root(proc_root, kTarget);
    std::optional<UniqueFd> existing = open_in_root(c.root.get(), kTarget, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    Mask mask;
    if (existing && fs_type(existing->get()) == TMPFS_MAGIC) {
        // Ours, from an earlier hook: add to it. Its mount root is the directory
        // itself or, with a fake proc root, /proc/driver.
        mask.dir = std::move(*existing);
        struct statx stx{};
        if (::statx(mask.dir.get(), "", AT_EMPTY_PATH, 0, &stx) != 0) throw_errno("statx '{}'", kTarget);
        bool root = (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
        mask.mount = root ? UniqueFd(::openat(mask.dir.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC))
                          : std::move(*open_in_root(c.root.get(), "/proc/driver", O_PATH | O_DIRECTORY | O_NOFOLLOW));
        set_mount_attr(mask.mount.get(), 0, MOUNT_ATTR_RDONLY, kTarget);
    } else {
        mask = new_mask(c, source);
    }
    for (const std::string& bus : gpus) add_gpu(mask.dir.get(), source, bus);
    for (const std::string& rel : caps) add_caps(mask.dir.get(), source, rel);
    set_mount_attr(mask.mount.get(), MOUNT_ATTR_RDONLY, 0, kTarget);
}

}  // namespace berth::hook
