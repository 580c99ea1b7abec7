// Child side: see old_root.hpp.
#include "child/old_root.hpp"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace berth::child {

namespace {

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif
constexpr long kStatmount = 457;  // the same number on every architecture (asm-generic)
constexpr std::uint64_t kStatmountSbBasic = 0x1;

struct MntIdReq {
    std::uint32_t size;
    std::uint32_t spare;
    std::uint64_t mnt_id;
    std::uint64_t param;
};

// One init, one detach: the thread's stack lives in the init's own (copied) memory.
alignas(64) char g_stack[16384];

#if defined(__x86_64__)
// The thread shares the init's TLS (no CLONE_SETTLS): a raw syscall, so that errno is not
// touched under the init's feet.
long raw_umount_detach() noexcept {
    long rc;
    const char* dot = ".";
    register long flags asm("rsi") = MNT_DETACH;
    asm volatile("syscall" : "=a"(rc) : "0"(static_cast<long>(SYS_umount2)), "D"(dot), "r"(flags) : "rcx", "r11", "memory");
    return rc;
}

int detach_thread(void* arg) noexcept {
    auto* d = static_cast<OldRootDetach*>(arg);
    long rc = raw_umount_detach();
    d->err = rc < 0 ? static_cast<int>(-rc) : 0;
    d->done = 1;
    return 0;
}
#endif

// 1: the mount is in our namespace, 0: it is not, -1: statmount cannot tell.
int mount_present(std::uint64_t id) noexcept {
    MntIdReq req{sizeof(MntIdReq), 0, id, kStatmountSbBasic};
    alignas(8) char buf[512];
    if (::syscall(kStatmount, &req, buf, sizeof buf, 0) == 0) return 1;
    return errno == ENOENT ? 0 : -1;
}

}  // namespace

bool start_old_root_detach(int old_root_fd, OldRootDetach& d, Failure& f) noexcept {
#if defined(__x86_64__)
    struct statx stx{};
    if (::statx(old_root_fd, "", AT_EMPTY_PATH, STATX_MNT_ID_UNIQUE, &stx) == 0 && (stx.stx_mask & STATX_MNT_ID_UNIQUE) &&
        mount_present(stx.stx_mnt_id) == 1) {
        d.mnt_id = stx.stx_mnt_id;
        // No CLONE_FS: the thread keeps the old root as its cwd while the init leaves it.
        constexpr int flags = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_FILES | CLONE_SYSVSEM |
                              CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
        // On the init's own CPU: it runs there as soon as the init blocks or yields (at
        // the latest in wait_old_root_detached), not whenever another CPU is free.
        cpu_set_t all, here;
        const int cpu = ::sched_getcpu();
        const bool pin = cpu >= 0 && ::sched_getaffinity(0, sizeof all, &all) == 0;
        if (pin) {
            CPU_ZERO(&here);
            CPU_SET(cpu, &here);
            ::sched_setaffinity(0, sizeof here, &here);
        }
        int tid = ::clone(detach_thread, g_stack + sizeof g_stack, flags, &d, &d.tid, nullptr, &d.tid);
        if (pin) ::sched_setaffinity(0, sizeof all, &all);
        if (tid > 0) {
            d.started = true;
            return true;
        }
    }
#else
    (void)old_root_fd;
#endif
    if (::umount2(".", MNT_DETACH) < 0) return fail(f, "unmount old root", "/");
    return true;
}

bool wait_old_root_detached(OldRootDetach& d, Failure& f) noexcept {
    if (!d.started) return true;
    for (;;) {
        if (d.done) break;
        int present = mount_present(d.mnt_id);
        if (present == 0) return true;
        if (present < 0) {  // cannot tell: the thread's end tells
            for (int tid = d.tid; tid != 0; tid = d.tid)
                ::syscall(SYS_futex, &d.tid, FUTEX_WAIT, tid, nullptr, nullptr, 0);
            break;
        }
        ::sched_yield();
    }
    if (d.err != 0) return fail(f, "unmount old root", "/", d.err);
    return true;
}

}  // namespace berth::child
