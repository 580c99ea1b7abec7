#include "hook_rootfs.hpp"

#include "util/error.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace berth::hook {
namespace {

long raw_openat2(int dir, const char* path, int flags, std::uint64_t resolve) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.resolve = resolve;
    return ::syscall(SYS_openat2, dir, path, &how, sizeof how);
}

std::string relative(std::string_view path) {
    while (path.starts_with('/')) path.remove_prefix(1);
    return path.empty() ? std::string(".") : std::string(path);
}

std::vector<std::string> components(std::string_view path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        if (j > i && path.substr(i, j - i) != ".") out.emplace_back(path.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

}  // namespace

std::optional<UniqueFd> open_in_root(int root, std::string_view path, int flags) {
    std::string rel = relative(path);
    long fd = raw_openat2(root, rel.c_str(), flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd < 0 && errno == ENOENT) return std::nullopt;
    if (fd < 0) throw_errno("open '{}' in the rootfs", path);
    return UniqueFd(static_cast<int>(fd));
}

std::pair<std::string, std::string> split_parent(std::string_view path) {
    std::vector<std::string> parts = components(path);
    if (parts.empty() || parts.back() == "..") throw_error("invalid container path '{}'", path);
    std::string parent;
    for (size_t i = 0; i + 1 < parts.size(); ++i) parent += "/" + parts[i];
    return {parent.empty() ? "/" : parent, parts.back()};
}

UniqueFd make_dirs_in_root(int root, std::string_view dir, mode_t mode) {
    std::string sofar;
    std::optional<UniqueFd> fd = open_in_root(root, "/", O_PATH | O_DIRECTORY);
    for (const std::string& part : components(dir)) {
        std::string next = sofar + "/" + part;
        std::optional<UniqueFd> child = open_in_root(root, next, O_PATH | O_DIRECTORY);
        if (!child) {
            // Created below the fd just resolved: the name is one component, so no
            // symlink can redirect it; a dangling symlink there makes mkdirat fail.
            if (::mkdirat(fd->get(), part.c_str(), mode) != 0 && errno != EEXIST)
                throw_errno("mkdir '{}' in the rootfs", next);
            child = open_in_root(root, next, O_PATH | O_DIRECTORY);
            if (!child) throw_error("mkdir '{}' in the rootfs: a dangling symlink is in the way", next);
        }
        fd = std::move(child);
        sofar = next;
    }
    return std::move(*fd);
}

void refuse_escaping_symlinks(int root, std::string_view dir) {
    std::vector<std::string> sofar;  // the lexical position, from the rootfs top
    for (const std::string& part : components(dir)) {
        if (part == "..") {
            if (!sofar.empty()) sofar.pop_back();
            continue;
        }
        std::string at;
        for (const std::string& p : sofar) at += "/" + p;
        at += "/" + part;
        std::optional<UniqueFd> fd = open_in_root(root, at, O_PATH | O_NOFOLLOW);
        if (!fd) return;  // missing: created later, inside the rootfs
        struct stat st{};
        if (::fstat(fd->get(), &st) != 0) throw_errno("stat '{}' in the rootfs", at);
        if (!S_ISLNK(st.st_mode)) {
            sofar.push_back(part);
            continue;
        }
        std::array<char, 4096> buf{};
        ssize_t n = ::readlinkat(fd->get(), "", buf.data(), buf.size() - 1);
        if (n < 0) throw_errno("readlink '{}' in the rootfs", at);
        std::string_view target(buf.data(), static_cast<size_t>(n));
        if (target.starts_with('/'))
            throw_error("'{}' in the image is a symlink to '{}' outside the rootfs: refused", at, target);
        long depth = static_cast<long>(sofar.size());
        for (const std::string& t : components(target)) {
            depth += t == ".." ? -1 : 1;
            if (depth < 0)
                throw_error("'{}' in the image is a symlink to '{}' outside the rootfs: refused", at, target);
        }
        sofar.push_back(part);  // a link inside: the lexical check continues below it
    }
}

UniqueFd make_mountpoint(int root, std::string_view path, bool directory) {
    auto [parent_path, name] = split_parent(path);
    UniqueFd parent = make_dirs_in_root(root, parent_path);
    if (directory) {
        if (::mkdirat(parent.get(), name.c_str(), 0755) != 0 && errno != EEXIST)
            throw_errno("mkdir '{}' in the rootfs", path);
    } else {
        int fd = ::openat(parent.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0)
            ::close(fd);
        else if (errno != EEXIST)
            throw_errno("create '{}' in the rootfs", path);
    }
    int fd = ::openat(parent.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw_errno("open '{}' in the rootfs", path);
    UniqueFd target(fd);
    struct stat st{};
    if (::fstat(target.get(), &st) != 0) throw_errno("stat '{}' in the rootfs", path);
    if (S_ISLNK(st.st_mode)) throw_error("mount point '{}' in the image is a symlink: refused", path);
    if (directory != S_ISDIR(st.st_mode))
        throw_error("mount point '{}' in the image is {}", path, directory ? "not a directory" : "a directory");
    return target;
}

MountFlags mount_flags(const std::vector<std::string>& options) {
    MountFlags f;
    for (const std::string& o : options) {
        if (o == "ro") f.attr |= MOUNT_ATTR_RDONLY;
        else if (o == "nosuid") f.attr |= MOUNT_ATTR_NOSUID;
        else if (o == "nodev") f.attr |= MOUNT_ATTR_NODEV;
        else if (o == "noexec") f.attr |= MOUNT_ATTR_NOEXEC;
        else if (o == "rbind") f.recursive = true;
    }
    return f;
}

UniqueFd clone_host_tree(const std::string& host_path, const MountFlags& flags) {
    unsigned int how = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (flags.recursive ? AT_RECURSIVE : 0u);
    int fd = ::open_tree(AT_FDCWD, host_path.c_str(), how);
    if (fd < 0) throw_errno("open_tree '{}'", host_path);
    UniqueFd tree(fd);
    if (flags.attr != 0) set_mount_attr(tree.get(), flags.attr, 0, host_path);
    return tree;
}

void attach(int tree, int target, std::string_view what) {
    if (::move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
        throw_errno("mount '{}'", what);
}

void set_mount_attr(int fd, std::uint64_t set, std::uint64_t clear, std::string_view what) {
    mount_attr attr{};
    attr.attr_set = set;
    attr.attr_clr = clear;
    if (::mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
        throw_errno("set mount attributes of '{}'", what);
}

UniqueFd new_tmpfs(mode_t mode, std::string_view what) {
    int fs = ::fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) throw_errno("fsopen tmpfs for '{}'", what);
    UniqueFd fs_fd(fs);
    std::string mode_text = std::to_string(mode >> 6) + std::to_string((mode >> 3) & 7) + std::to_string(mode & 7);
    if (::fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode_text.c_str(), 0) != 0 ||
        ::fsconfig(fs, FSCONFIG_SET_STRING, "size", "4m", 0) != 0 ||
        ::fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
        throw_errno("configure tmpfs for '{}'", what);
    int mnt = ::fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (mnt < 0) throw_errno("fsmount tmpfs for '{}'", what);
    return UniqueFd(mnt);
}

}  // namespace berth::hook
