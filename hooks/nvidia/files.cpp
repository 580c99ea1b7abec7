#include "hooks/nvidia/files.hpp"

#include "util/error.hpp"
#include "util/unique_fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

namespace berth::nvidia {

std::optional<std::string> read_file_if_exists(const std::string& path, std::size_t max_size) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw_errno("open \"{}\"", path);
    }
    std::string data;
    char buf[65536];
    while (true) {
        // procfs files report size 0, so read to EOF rather than trusting fstat.
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read \"{}\"", path);
        }
        if (n == 0) break;
        if (data.size() + static_cast<size_t>(n) > max_size)
            throw_error("read \"{}\": larger than {} bytes", path, max_size);
        data.append(buf, static_cast<size_t>(n));
    }
    return data;
}

std::string under_root(std::string_view root, std::string_view path) {
    while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
    if (root == "/" || root.empty()) return std::string(path);
    std::string out(root);
    if (!path.starts_with('/')) out += '/';
    out += path;
    return out;
}

std::optional<std::string> resolve_in_root(const std::string& root, std::string_view path) {
    UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw_errno("open \"{}\"", root);
    }
    struct open_how how {};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    std::string rel(path);
    long fd = ::syscall(SYS_openat2, root_fd.get(), rel.c_str(), &how, sizeof how);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV) return std::nullopt;
        throw_errno("resolve \"{}\" in \"{}\"", path, root);
    }
    UniqueFd target(static_cast<int>(fd));
    // The fd's path as the kernel names it: the real location, under root.
    std::string link = "/proc/self/fd/" + std::to_string(target.get());
    char buf[4096];
    ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
    if (n < 0 || static_cast<size_t>(n) >= sizeof buf) throw_errno("readlink \"{}\"", link);
    return std::string(buf, static_cast<size_t>(n));
}

std::optional<struct stat> lstat_if_exists(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) return st;
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw_errno("stat \"{}\"", path);
}

std::optional<std::vector<std::string>> list_dir(const std::string& path) {
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
    if (!dir) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw_errno("open directory \"{}\"", path);
    }
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir.get())) {
        std::string_view name = entry->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string_view base_name(std::string_view path) {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace berth::nvidia
