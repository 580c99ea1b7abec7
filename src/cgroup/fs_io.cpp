#include "cgroup/fs_io.hpp"

#include "util/error.hpp"
#include "util/unique_fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

namespace berth::cgroup::fsio {

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::optional<std::string> read_if_exists(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
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
    UniqueFd fd(::open(path.c_str(), flags, 0644));
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
    if (::mkdir(path.c_str(), 0755) == 0) return true;
    if (errno != EEXIST) throw_errno("create cgroup \"{}\"", path);
    return false;
}

namespace {

void remove_tree(const std::string& path, bool emulated) {
    // A cgroup without sub-cgroups (a container's, nearly always) goes in one rmdir: its
    // control files are no obstacle. Otherwise (EBUSY; ENOTEMPTY in a test's tree) the walk.
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
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
        if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return;
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
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
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
