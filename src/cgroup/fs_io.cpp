#include "cgroup/fs_io.hpp"

#include "util/error.hpp"
#include "util/unique_fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string_view>
#include <thread>

namespace berth::cgroup::fsio {

namespace {

constexpr std::string_view kCgroupRoot = "/sys/fs/cgroup/";

// /sys/fs/cgroup, opened once per process and never closed before exit (CLOEXEC: a
// container init drops it at execve). It cannot go away while berth runs: a mount point
// (cgroup2 on a unified host) or a tmpfs whose entries are the hierarchies' mount points.
int cgroup_root() {
    static const UniqueFd root(::open("/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC));
    return root.get();
}

struct At {
    int dirfd;
    const char* path;
};

// Where `path` resolves from: /sys/fs/cgroup's fd and the rest, or AT_FDCWD and `path`.
At at(const std::string& path) {
    if (!std::string_view(path).starts_with(kCgroupRoot)) return {AT_FDCWD, path.c_str()};
    int root = cgroup_root();
    if (root < 0) return {AT_FDCWD, path.c_str()};
    return {root, path.c_str() + kCgroupRoot.size()};
}

}  // namespace

int open(const std::string& path, int flags, mode_t mode) {
    At a = at(path);
    return ::openat(a.dirfd, a.path, flags, mode);
}

int mkdir(const std::string& path, mode_t mode) {
    At a = at(path);
    return ::mkdirat(a.dirfd, a.path, mode);
}

int rmdir(const std::string& path) {
    At a = at(path);
    return ::unlinkat(a.dirfd, a.path, AT_REMOVEDIR);
}

int access(const std::string& path, int mode) {
    At a = at(path);
    return ::faccessat(a.dirfd, a.path, mode, 0);
}

DIR* opendir(const std::string& path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    DIR* d = ::fdopendir(fd);
    if (!d) {
        int err = errno;
        ::close(fd);
        errno = err;
    }
    return d;
}

bool exists(const std::string& path) {
    struct stat st {};
    At a = at(path);
    return ::fstatat(a.dirfd, a.path, &st, 0) == 0;
}

std::optional<std::string> read_if_exists(const std::string& path) {
    UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("read \"{}\"", path);
    }
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read \"{}\"", path);
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

std::string read(const std::string& path) {
    auto s = read_if_exists(path);
    if (!s) {
        errno = ENOENT;
        throw_errno("read \"{}\"", path);
    }
    return *s;
}

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t\n");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\n");
    return s.substr(b, e - b + 1);
}

void write(const std::string& dir, const std::string& file, const std::string& value, bool create) {
    const std::string path = dir + "/" + file;
    const int flags = O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0);
    UniqueFd fd(open(path, flags, 0644));
    if (!fd) throw_errno("write \"{}\" = \"{}\"", file, value);
    // One write: the kernel parses each write(2) to a control file as one command.
    ssize_t n;
    do {
        n = ::write(fd.get(), value.data(), value.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw_errno("write \"{}\" = \"{}\"", file, value);
    if (static_cast<std::size_t>(n) != value.size()) {
        errno = EIO;
        throw_errno("write \"{}\" = \"{}\": short write", file, value);
    }
}

bool mkdir_one(const std::string& path) {
    if (mkdir(path, 0755) == 0) return true;
    if (errno != EEXIST) throw_errno("create cgroup \"{}\"", path);
    return false;
}

namespace {

void remove_tree(const std::string& path, bool emulated) {
    // A cgroup without sub-cgroups (a container's, nearly always) goes in one rmdir: its
    // control files are no obstacle. Otherwise (EBUSY; ENOTEMPTY in a test's tree) the walk.
    if (rmdir(path) == 0 || errno == ENOENT) return;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(path), ::closedir);
    if (!dir) {
        if (errno == ENOENT) return;
        throw_errno("remove cgroup \"{}\"", path);
    }
    while (const dirent* e = ::readdir(dir.get())) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        const std::string child = path + "/" + name;
        if (e->d_type == DT_DIR) {
            remove_tree(child, emulated);
        } else if (emulated) {
            ::unlink(child.c_str());
        }
    }
    dir.reset();
    // Sub-cgroups first: rmdir of a cgroup that still has children fails with EBUSY.
    for (int attempt = 0;; ++attempt) {
        if (rmdir(path) == 0 || errno == ENOENT) return;
        // EBUSY: tasks still leaving after a kill; most are gone within a millisecond.
        if (errno != EBUSY || attempt == 13) throw_errno("remove cgroup \"{}\"", path);
        std::this_thread::sleep_for(std::chrono::milliseconds(attempt < 4 ? 1 : 10 << std::min(attempt - 4, 4)));
    }
}

}  // namespace

void remove_cgroup(const std::string& path, bool emulated) { remove_tree(path, emulated); }

std::vector<pid_t> read_pids_recursive(const std::string& dir) {
    std::vector<pid_t> out;
    auto text = read_if_exists(dir + "/cgroup.procs");
    if (!text) return out;
    std::size_t pos = 0;
    while (pos < text->size()) {
        const auto nl = text->find('\n', pos);
        const std::string line = text->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (!line.empty()) out.push_back(static_cast<pid_t>(std::stol(line)));
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir), ::closedir);
    if (!d) return out;
    while (const dirent* e = ::readdir(d.get())) {
        const std::string name = e->d_name;
        if (e->d_type != DT_DIR || name == "." || name == "..") continue;
        auto sub = read_pids_recursive(dir + "/" + name);
        out.insert(out.end(), sub.begin(), sub.end());
    }
    return out;
}

}  // namespace berth::cgroup::fsio
