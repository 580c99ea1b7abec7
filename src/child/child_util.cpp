// Child side: path resolution inside the rootfs. Runs between clone and execve.
#include "child/child_util.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

namespace berth::child {

bool write_all(int fd, const char* data, std::size_t len) noexcept {
    while (len > 0) {
        ssize_t n = ::write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += n;
        len -= static_cast<std::size_t>(n);
    }
    return true;
}

bool send_with_fd(int sock, const void* data, std::size_t len, int fd) noexcept {
    iovec iov{const_cast<void*>(data), len};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    __builtin_memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    return ::sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0;
}

int resolve_in_root(int root_fd, const char* rel, int extra_flags) noexcept {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(O_PATH | O_CLOEXEC | extra_flags);
    // RESOLVE_IN_ROOT: ".." and absolute symlinks stop at the rootfs, so a malicious
    // link such as rootfs/x -> /etc lands on rootfs/etc, never the host's.
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, root_fd, rel[0] == '\0' ? "." : rel, &how, sizeof how);
    return fd < 0 ? -errno : static_cast<int>(fd);
}

namespace {

// Creates `name` below `parent`: a directory, or an empty file. 0 or -errno; EEXIST when
// something (possibly a dangling symlink) is already there.
int create_component(int parent, const char* name, bool file) noexcept {
    int rc = file ? ::openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644)
                  : ::mkdirat(parent, name, 0755);
    if (rc < 0) return -errno;
    if (file) ::close(rc);
    return 0;
}

// The path to walk after the component buf[start, end) turned out to be a symlink whose
// target is missing: the target (absolute ones from the root, relative ones from the
// link's directory) followed by what came after the link. In `out`; false if too long.
bool splice_link(const char* buf, std::size_t start, std::size_t end, std::size_t len, const char* target,
                 std::size_t target_len, char* out) noexcept {
    std::size_t n = 0;
    auto put = [&](const char* s, std::size_t k) {
        if (n + k >= PATH_MAX) return false;
        for (std::size_t i = 0; i < k; ++i) out[n++] = s[i];
        return true;
    };
    bool ok = target[0] == '/' ? put(target + 1, target_len - 1) : put(buf, start) && put(target, target_len);
    if (ok && end < len) ok = put("/", 1) && put(buf + end + 1, len - end - 1);
    out[n] = '\0';
    return ok;
}

}  // namespace

int ensure_in_root(int root_fd, const char* rel, bool dir) noexcept {
    int fd = resolve_in_root(root_fd, rel);
    if (fd >= 0 || fd != -ENOENT) return fd;
    char buf[PATH_MAX], spliced[PATH_MAX];
    std::size_t len = cstr_len(rel);
    if (len >= sizeof buf) return -ENAMETOOLONG;
    copy_cstr(buf, sizeof buf, rel);
    // Walk the components: resolve each prefix in the root; create the first missing one
    // below its (already resolved, in-root) parent, then continue. A component that is a
    // symlink to a missing path is replaced by its target and the walk starts over, so
    // what gets made is where the kernel would resolve the link with RESOLVE_IN_ROOT,
    // never outside the rootfs. 40 links at most, as the kernel allows.
    int links = 0;
    int parent = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    if (parent < 0) return -errno;
    std::size_t start = 0;
    while (start < len) {
        std::size_t end = start;
        while (end < len && buf[end] != '/') ++end;
        bool last = end >= len;
        char saved = buf[end];
        buf[end] = '\0';
        if (end > start) {
            int next = resolve_in_root(root_fd, buf);
            if (next == -ENOENT) {
                int rc = create_component(parent, buf + start, last && !dir);
                char target[PATH_MAX];
                ssize_t tlen = rc == -EEXIST ? ::readlinkat(parent, buf + start, target, sizeof target - 1) : -1;
                if (tlen > 0) {
                    buf[end] = saved;
                    if (++links > 40) rc = -ELOOP;
                    else if (!splice_link(buf, start, end, len, target, static_cast<std::size_t>(tlen), spliced))
                        rc = -ENAMETOOLONG;
                    else {
                        ::close(parent);
                        copy_cstr(buf, sizeof buf, spliced);
                        len = cstr_len(buf);
                        start = 0;
                        parent = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
                        if (parent < 0) return -errno;
                        continue;
                    }
                }
                if (rc < 0 && rc != -EEXIST) {
                    ::close(parent);
                    return rc;
                }
                next = resolve_in_root(root_fd, buf);
            }
            if (next < 0) {
                ::close(parent);
                return next;
            }
            ::close(parent);
            parent = next;
        }
        buf[end] = saved;
        start = end + 1;
    }
    return parent;
}

int parent_in_root(int root_fd, const char* rel, std::size_t& name_offset) noexcept {
    char buf[PATH_MAX];
    std::size_t len = cstr_len(rel);
    if (len >= sizeof buf) return -ENAMETOOLONG;
    copy_cstr(buf, sizeof buf, rel);
    std::size_t slash = len;
    while (slash > 0 && buf[slash - 1] != '/') --slash;
    name_offset = slash;
    if (slash == 0) {
        int fd = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
        return fd < 0 ? -errno : fd;
    }
    buf[slash - 1] = '\0';
    return ensure_in_root(root_fd, buf, true);
}

}  // namespace berth::child
