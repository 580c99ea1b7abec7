#include "child/host_kernel_fs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

namespace berth::child {

namespace {

constexpr std::size_t kLineMax = 16384;  // a mount point of PATH_MAX, escaped, fits
constexpr int kMaxCovered = 64;
constexpr int kMaxPasses = 4096;

// One line of /proc/self/mountinfo: the mount id, the mount point (unescaped) and
// the filesystem type.
struct MountLine {
    long id = -1;
    char point[4096 + 1] = {};
    char fstype[64] = {};
};

bool equal(const char* a, const char* b) noexcept {
    while (*a != '\0' && *a == *b) ++a, ++b;
    return *a == *b;
}

// `path` is `dir` or below it (both clean absolute paths).
bool at_or_below(const char* path, const char* dir) noexcept {
    if (equal(dir, "/")) return true;
    while (*dir != '\0' && *dir == *path) ++dir, ++path;
    return *dir == '\0' && (*path == '\0' || *path == '/');
}

// Copies a space-terminated field, undoing the kernel's octal escapes (\040 and so on).
const char* copy_field(const char* in, char* out, std::size_t cap) noexcept {
    std::size_t n = 0;
    while (*in != '\0' && *in != ' ' && *in != '\n') {
        char c = *in++;
        if (c == '\\' && in[0] >= '0' && in[0] <= '3' && in[1] >= '0' && in[1] <= '7' && in[2] >= '0' && in[2] <= '7') {
            c = static_cast<char>((in[0] - '0') * 64 + (in[1] - '0') * 8 + (in[2] - '0'));
            in += 3;
        }
        if (n + 1 < cap) out[n++] = c;
    }
    out[n] = '\0';
    return in;
}

const char* skip_field(const char* in) noexcept {
    while (*in != '\0' && *in != ' ' && *in != '\n') ++in;
    return *in == ' ' ? in + 1 : in;
}

bool parse_line(const char* line, MountLine& m) noexcept {
    m.id = 0;
    const char* p = line;
    if (*p < '0' || *p > '9') return false;
    while (*p >= '0' && *p <= '9') m.id = m.id * 10 + (*p++ - '0');
    if (*p++ != ' ') return false;
    for (int i = 0; i < 3; ++i) p = skip_field(p);  // parent id, major:minor, root
    p = copy_field(p, m.point, sizeof m.point);
    for (; *p != '\0' && *p != '\n'; ++p)
        if (p[0] == ' ' && p[1] == '-' && p[2] == ' ') break;
    if (*p != ' ') return false;
    copy_field(p + 3, m.fstype, sizeof m.fstype);
    return true;
}

bool covered(const long* ids, int count, long id) noexcept {
    for (int i = 0; i < count; ++i)
        if (ids[i] == id) return true;
    return false;
}

// Finds the last proc or sysfs mount outside `rootfs` not yet covered (the last: a
// submount is listed after its parent, and must be covered before the parent hides it).
// 1 found, 0 none, -1 error (f set).
int next_candidate(int fd, const char* rootfs, const long* done, int done_count, MountLine& out, Failure& f) noexcept {
    if (::lseek(fd, 0, SEEK_SET) < 0) return fail(f, "no-pivot: read mountinfo", "/proc/self/mountinfo"), -1;
    static char buf[kLineMax];
    static MountLine line;
    std::size_t have = 0;
    int result = 0;
    for (;;) {
        ssize_t n = ::read(fd, buf + have, sizeof buf - 1 - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            result = (fail(f, "no-pivot: read mountinfo", "/proc/self/mountinfo"), -1);
            break;
        }
        have += static_cast<std::size_t>(n);
        buf[have] = '\0';
        std::size_t start = 0;
        for (std::size_t i = 0; i < have; ++i) {
            if (buf[i] != '\n') continue;
            buf[i] = '\0';
            if (parse_line(buf + start, line) && (equal(line.fstype, "proc") || equal(line.fstype, "sysfs")) &&
                !at_or_below(line.point, rootfs) && !covered(done, done_count, line.id)) {
                out = line;
                result = 1;
            }
            start = i + 1;
        }
        if (n == 0) break;
        if (start == 0 && have == sizeof buf - 1) {
            result = (fail(f, "no-pivot: mountinfo line too long", "/proc/self/mountinfo", ENAMETOOLONG), -1);
            break;
        }
        __builtin_memmove(buf, buf + start, have - start);
        have -= start;
    }
    // The rootfs below a proc or sysfs mount cannot be kept apart from it.
    if (result == 1 && at_or_below(rootfs, out.point)) return fail(f, "no-pivot: the rootfs is below", out.point, EINVAL), -1;
    return result;
}

// Each pass acts on one mount and reads mountinfo again: detaching a mount drops its
// submounts, and the kernel's table is not read while it changes.
bool hide_all(int fd, const char* rootfs, Failure& f) noexcept {
    static MountLine m;
    long done[kMaxCovered];
    int done_count = 0;
    for (int pass = 0; pass < kMaxPasses; ++pass) {
        int found = next_candidate(fd, rootfs, done, done_count, m, f);
        if (found < 0) return false;
        if (found == 0) return true;
        // The unmount must not propagate to the host (rootfsPropagation may be shared).
        if (::mount(nullptr, m.point, nullptr, MS_SLAVE | MS_REC, nullptr) < 0 && errno != ENOENT)
            return fail(f, "no-pivot: make slave", m.point);
        if (::umount2(m.point, MNT_DETACH | UMOUNT_NOFOLLOW) == 0) continue;
        if (errno != EINVAL && errno != EPERM && errno != ENOENT) return fail(f, "no-pivot: unmount", m.point);
        if (done_count == kMaxCovered) return fail(f, "no-pivot: too many host mounts to cover", m.point, E2BIG);
        // Hidden already (below a covered mount): unreachable, and never reached again here.
        if (errno == ENOENT) {
            done[done_count++] = m.id;
            continue;
        }
        // Locked by a user namespace: cover it, which also makes it not fully visible.
        if (::mount("tmpfs", m.point, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0") < 0)
            return fail(f, "no-pivot: cover", m.point);
        done[done_count++] = m.id;
    }
    return fail(f, "no-pivot: host mounts keep changing", "/proc/self/mountinfo", EAGAIN);
}

}  // namespace

bool hide_host_kernel_fs(const char* rootfs, Failure& f) noexcept {
    // Opened once: the host's /proc it is read through may be the first to go.
    int fd = ::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(f, "no-pivot: open mountinfo", "/proc/self/mountinfo");
    bool ok = hide_all(fd, rootfs, f);
    ::close(fd);
    return ok;
}

}  // namespace berth::child
