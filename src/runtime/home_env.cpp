#include "runtime/home_env.hpp"

#include "util/passwd.hpp"
#include "util/text.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace berth::runtime {

namespace {

// A passwd file is small; a huge or endless one (a fifo, /dev/zero) is cut off.
std::string read_capped(int fd) {
    std::string text;
    char buf[4096];
    ssize_t n;
    while (text.size() < (1u << 20) && (n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    return text;
}

// `rel` resolved inside `root`: the rootfs is the bundle's, not yet trusted, so an absolute
// symlink cannot make berth read a host file into the container's env.
std::string read_in_root(const std::string& root, const char* rel) {
    UniqueFd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return "";
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, dir.get(), rel, &how, sizeof how)));
    return fd ? read_capped(fd.get()) : "";
}

}  // namespace

std::string passwd_in_root(const std::string& root) { return read_in_root(root, "etc/passwd"); }

std::string container_passwd(const std::string& rootfs, const std::vector<sys::MountOp>& mounts) {
    for (auto m = mounts.rbegin(); m != mounts.rend(); ++m) {
        if (m->target != "etc/passwd" && m->target != "etc") continue;
        if (m->kind != sys::MountKind::bind) return "";
        // A bind source is the config's own host path, as the mount itself will use it.
        if (m->target == "etc") return read_in_root(m->source, "passwd");
        UniqueFd fd(::open(m->source.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
        return fd ? read_capped(fd.get()) : "";
    }
    return passwd_in_root(rootfs);
}

void add_default_home(std::vector<std::string>& env, const std::string& passwd, unsigned uid) {
    if (std::any_of(env.begin(), env.end(), [](const std::string& e) { return e.rfind("HOME=", 0) == 0; })) return;
    const auto entry = ::berth::passwd::find_uid(passwd, uid);
    env.push_back("HOME=" + (entry && !entry->home.empty() ? entry->home : std::string("/")));
}

}  // namespace berth::runtime
