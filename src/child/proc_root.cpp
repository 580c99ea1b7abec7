#include "child/proc_root.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace berth::child {

namespace {
constexpr ino_t kProcRootIno = 1;  // the root inode of every proc superblock
}

int open_proc_root(Failure& f) noexcept {
    int fd = ::open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fail(f, "open proc", "/proc"), -1;
    struct statfs sfs{};
    struct stat st{};
    if (::fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC || ::fstat(fd, &st) < 0 || st.st_ino != kProcRootIno) {
        ::close(fd);
        return fail(f, "open proc: not the root of a proc filesystem", "/proc", EXDEV), -1;
    }
    return fd;
}

int open_proc_file(int proc_fd, const char* rel) noexcept {
    open_how how{};
    how.flags = O_WRONLY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, proc_fd, rel, &how, sizeof how);
    return fd < 0 ? -errno : static_cast<int>(fd);
}

}  // namespace berth::child
