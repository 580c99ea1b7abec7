#include "runtime/home_env.hpp"

#include "util/text.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace berth::runtime {

namespace {

// The rootfs is the bundle's, not yet trusted: resolve /etc/passwd inside it, so an
// absolute symlink cannot make berth read a host file into the container's env.
std::string read_passwd(const std::string& rootfs) {
    UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return "";
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, root.get(), "etc/passwd", &how, sizeof how)));
    if (!fd) return "";
    std::string text;
    char buf[4096];
    ssize_t n;
    // A passwd file is small; a huge or endless one (a fifo, /dev/zero) is cut off.
    while (text.size() < (1u << 20) && (n = ::read(fd.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    return text;
}

}  // namespace

void add_default_home(std::vector<std::string>& env, const std::string& rootfs, unsigned uid) {
    if (std::any_of(env.begin(), env.end(), [](const std::string& e) { return e.rfind("HOME=", 0) == 0; })) return;
    std::string home = "/";
    // name:password:uid:gid:gecos:home:shell
    for (const auto& line : text::split(read_passwd(rootfs), '\n')) {
        const auto fields = text::split(line, ':');
        if (fields.size() >= 6 && fields[2] == std::to_string(uid) && !fields[5].empty()) {
            home = fields[5];
            break;
        }
    }
    env.push_back("HOME=" + home);
}

}  // namespace berth::runtime
