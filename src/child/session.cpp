// Child side: session and stdio ownership of a container process.
#include "child/session.hpp"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

namespace berth::child {

bool new_session(Failure& f) noexcept {
    if (::setsid() < 0) return fail(f, "setsid", "");
    return true;
}

namespace {

// An inode that lives only as long as its open files: chowning it changes nothing on
// the host's filesystems.
bool anonymous_pipe_or_socket(int fd, const struct stat& st) noexcept {
    if (S_ISSOCK(st.st_mode)) return true;
    struct statfs sf{};
    return S_ISFIFO(st.st_mode) && ::fstatfs(fd, &sf) == 0 && sf.f_type == PIPEFS_MAGIC;
}

}  // namespace

bool hand_over_stdio(const sys::ProcessPlan& p, Failure& f) noexcept {
    static const char* const kNames[] = {"stdin", "stdout", "stderr"};
    for (int fd = 0; fd < 3; ++fd) {
        struct stat st{};
        if (::fstat(fd, &st) < 0) {
            if (errno == EBADF) continue;  // the caller closed it
            return fail(f, "fstat", kNames[fd]);
        }
        if (st.st_uid == p.uid || !anonymous_pipe_or_socket(fd, st)) continue;
        if (::fchown(fd, p.uid, static_cast<gid_t>(-1)) < 0 && errno != EPERM && errno != EINVAL && errno != EROFS)
            return fail(f, "chown stdio", kNames[fd]);
    }
    return true;
}

}  // namespace berth::child
