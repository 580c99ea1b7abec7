#include "child/fds.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace berth::child {
namespace {

// "123" -> 123; -1 for anything else ("." and "..").
int parse_fd(const char* name) noexcept {
    if (name[0] == '\0') return -1;
    long v = 0;
    for (const char* p = name; *p != '\0'; ++p) {
        if (*p < '0' || *p > '9' || v > 0x7fffffff / 10) return -1;
        v = v * 10 + (*p - '0');
    }
    return static_cast<int>(v);
}

bool cloexec_listed_fds(int first, Failure& f) noexcept {
    int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return fail(f, "close inherited fds", "/proc/self/fd");
    alignas(dirent64) char buf[4096];
    for (;;) {
        long n = ::syscall(SYS_getdents64, dir, buf, sizeof buf);
        if (n < 0) {
            int err = errno;
            ::close(dir);
            return fail(f, "close inherited fds", "/proc/self/fd", err);
        }
        if (n == 0) break;
        for (long at = 0; at < n;) {
            const auto* e = reinterpret_cast<const dirent64*>(buf + at);
            at += e->d_reclen;
            int fd = parse_fd(e->d_name);
            if (fd < first || fd == dir) continue;
            if (::fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF) {
                int err = errno;
                ::close(dir);
                return fail(f, "close inherited fds", "fcntl", err);
            }
        }
    }
    ::close(dir);
    return true;
}

}  // namespace

bool cloexec_inherited_fds(unsigned preserve_fds, Failure& f) noexcept {
    unsigned first = 3 + preserve_fds;
    for (unsigned i = 0; i < preserve_fds; ++i) ::fcntl(3 + static_cast<int>(i), F_SETFD, 0);
    if (::syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return true;
    return cloexec_listed_fds(static_cast<int>(first), f);
}

}  // namespace berth::child
