// The attack (CVE-2019-5736): a process in the container gets at berth's executable
// through /proc/<pid>/exe of a berth process it can see: the exec'd process whose
// entrypoint is `#!/proc/self/exe` (the kernel then runs berth itself inside the
// container, dumpable, as the container's own process), or the init or an exec child
// before its execve (non-dumpable, so only with CAP_SYS_PTRACE). It opens the link, even
// O_PATH, waits for the process to exit, and reopens /proc/self/fd/N for writing.
//
// Either image defeats the reopen:
// - A read-only bind of the binary made with open_tree(OPEN_TREE_CLONE) and
//   mount_setattr(MOUNT_ATTR_RDONLY), exec'd through its fd and never attached: the
//   write gets EROFS, and nothing can clear the flag. The fd closes on exec, which
//   dissolves the mount's anonymous namespace; mount_setattr then refuses a mount that is
//   not mounted, remount (mount(2) MS_REMOUNT) one outside the caller's namespace, and
//   open_tree will not clone it (fs/namespace.c: is_mounted, check_mnt, may_copy_tree).
//   No mount is left anywhere. It costs ~40 us; the memfd copy costs ~0.9 ms and the
//   second exec faults its pages in from fresh shmem.
// - A sealed memfd copy (F_SEAL_WRITE): the fallback where open_tree is refused.
// What the bind does not isolate, and the copy does, is the page cache: the bind shares
// the host binary's pages, so a kernel bug that writes a read-only file's page cache
// (Dirty Pipe, CVE-2022-0847) could reach the host binary through it. runc 1.2 (its
// read-only overlayfs) and crun (a read-only bind) take the same trade.
#include "sys/sealed_exe.hpp"

#include "util/error.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace berth::sys {

namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
constexpr char kMemfdName[] = "berth";
constexpr char kMemfdLink[] = "/memfd:berth ";

bool is_sealed_memfd() {
    UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!self) throw_errno("open /proc/self/exe");
    int seals = ::fcntl(self.get(), F_GET_SEALS);
    return seals >= 0 && (seals & kSeals) == kSeals;
}

// The kernel names a file that is the root of a mount attached to no namespace "/"
// (d_path of a detached mount is relative to its root); an attached file can never be
// "/", which is the root directory.
bool is_protected() {
    char link[sizeof kMemfdLink - 1];
    ssize_t n = ::readlink("/proc/self/exe", link, sizeof link);
    if (n == 1 && link[0] == '/') {
        struct statvfs st{};
        return ::statvfs("/proc/self/exe", &st) == 0 && (st.f_flag & ST_RDONLY) != 0;
    }
    if (n == static_cast<ssize_t>(sizeof link) && std::memcmp(link, kMemfdLink, sizeof link) == 0)
        return is_sealed_memfd();
    return false;
}

// A detached read-only bind of the running binary, or an empty fd when the kernel or the
// caller's privileges refuse one.
UniqueFd read_only_bind() {
    UniqueFd tree(static_cast<int>(::open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
    if (!tree) return tree;
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) return {};
    return tree;
}

UniqueFd sealed_copy() {
    UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!self) throw_errno("open /proc/self/exe");
    struct stat st{};
    if (::fstat(self.get(), &st) < 0) throw_errno("stat /proc/self/exe");
    UniqueFd copy(::memfd_create(kMemfdName, MFD_ALLOW_SEALING | MFD_CLOEXEC));
    if (!copy) throw_errno("memfd_create");
    for (off_t done = 0; done < st.st_size;) {
        ssize_t n = ::sendfile(copy.get(), self.get(), &done, static_cast<size_t>(st.st_size - done));
        if (n < 0 && errno != EINTR) throw_errno("copy /proc/self/exe to memfd");
        if (n == 0) throw_error("copy /proc/self/exe to memfd: short read");
    }
    if (::fcntl(copy.get(), F_ADD_SEALS, kSeals) < 0) throw_errno("seal memfd");
    return copy;
}

}  // namespace

void ensure_sealed_exe(char** argv) {
    if (is_protected()) return;
    if (UniqueFd bind = read_only_bind()) {
        ::syscall(SYS_execveat, bind.get(), "", argv, environ, AT_EMPTY_PATH);
        // Still here: something refused to exec a file on a detached mount (an LSM policy
        // that wants a connected path); the copy has none.
    }
    UniqueFd copy = sealed_copy();
    ::syscall(SYS_execveat, copy.get(), "", argv, environ, AT_EMPTY_PATH);
    throw_errno("re-execute berth from a sealed copy");
}

}  // namespace berth::sys
