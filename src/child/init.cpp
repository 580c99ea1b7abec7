// The container init, from clone to execve. A flat list of named steps; each failure
// is one Message{error} to the parent, then _exit. No allocation, no exceptions.
#include "child/fds.hpp"
#include "child/filter.hpp"
#include "child/finish.hpp"
#include "child/launch_plan.hpp"
#include "child/loopback.hpp"
#include "child/lsm_label.hpp"
#include "child/process.hpp"
#include "child/protocol.hpp"
#include "child/rootfs.hpp"
#include "child/session.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace berth::child {

namespace {


bool send_message(int sync_fd, MsgType type, Failure& f) noexcept {
    Message m{};
    m.type = type;
    return ::send(sync_fd, &m, sizeof m, MSG_NOSIGNAL) == sizeof m || fail(f, "sync", "parent");
}

bool wait_message(int sync_fd, MsgType type, Message& m, Failure& f) noexcept {
    ssize_t n = ::recv(sync_fd, &m, sizeof m, 0);
    if (n != static_cast<ssize_t>(sizeof m) || m.type != type) return fail(f, "sync", "parent", n == 0 ? EPIPE : EPROTO);
    return true;
}

// The bind trees the parent cloned from the host side (runtime/host_bind_trees.hpp), in
// plan order, each put at the fd number its op reserved.
bool receive_bind_trees(const LaunchPlan& plan, int sync_fd, Failure& f) noexcept {
    int fds[kTreesPerMessage];
    std::size_t have = 0, used = 0;
    for (const auto& op : plan.mounts) {
        if (!op.tree_from_host) continue;
        if (used == have) {
            Message m{};
            iovec iov{&m, sizeof m};
            alignas(cmsghdr) char control[CMSG_SPACE(sizeof fds)] = {};
            msghdr msg{};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            ssize_t n = ::recvmsg(sync_fd, &msg, MSG_CMSG_CLOEXEC);
            cmsghdr* c = CMSG_FIRSTHDR(&msg);
            if (n != static_cast<ssize_t>(sizeof m) || m.type != MsgType::bind_trees || c == nullptr ||
                c->cmsg_type != SCM_RIGHTS || m.value <= 0 || m.value > static_cast<std::int64_t>(kTreesPerMessage) ||
                c->cmsg_len != CMSG_LEN(sizeof(int) * static_cast<std::size_t>(m.value)))
                return fail(f, "sync", "bind trees", n == 0 ? EPIPE : EPROTO);
            __builtin_memcpy(fds, CMSG_DATA(c), sizeof(int) * static_cast<std::size_t>(m.value));
            have = static_cast<std::size_t>(m.value);
            used = 0;
        }
        int fd = fds[used++];
        if (::dup3(fd, op.prepared_tree_fd, O_CLOEXEC) < 0) return fail(f, "bind tree", op.display.c_str());
        ::close(fd);
    }
    return true;
}

// Files berth creates (devices, mount targets) need ids mapped in the user namespace.
bool become_namespace_root(Failure& f) noexcept {
    if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0) return fail(f, "become user namespace root", "");
    return true;
}

bool join_namespaces(const LaunchPlan& plan, Failure& f) noexcept {
    const auto& ns = plan.ns;
    int fds[16];
    std::size_t count = ns.joins.size() < 16 ? ns.joins.size() : 16;
    // Open every path first: after joining a mount namespace the others may not resolve.
    for (std::size_t i = 0; i < count; ++i) {
        fds[i] = ::open(ns.joins[i].path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) return fail(f, "open namespace", ns.joins[i].path.c_str());
    }
    for (std::size_t i = 0; i < count; ++i) {
        if (::setns(fds[i], ns.joins[i].nstype) < 0) return fail(f, "setns", ns.joins[i].path.c_str());
        ::close(fds[i]);
        if (ns.joins[i].nstype == CLONE_NEWUSER && !become_namespace_root(f)) return false;
        // The new namespaces are made right after joining the user namespace (first),
        // so that namespace owns them.
        if (i == 0 && ns.unshare_flags != 0 && ::unshare(static_cast<int>(ns.unshare_flags)) < 0)
            return fail(f, "unshare", "");
    }
    if (count == 0 && ns.unshare_flags != 0 && ::unshare(static_cast<int>(ns.unshare_flags)) < 0)
        return fail(f, "unshare", "");
    return true;
}

bool setup_namespaces(const LaunchPlan& plan, std::int64_t host_pid, Failure& f) noexcept {
    // The parent wrote the maps (or the init was cloned inside the joined namespace): become
    // the namespace's root for what follows; berth's own ids may not be mapped there.
    if ((plan.ns.new_user || !plan.ns.clone_in_user_path.empty()) && !become_namespace_root(f)) return false;
    if (!join_namespaces(plan, f)) return false;
    if (plan.ns.new_time) {
        if (::unshare(CLONE_NEWTIME) < 0) return fail(f, "unshare", "time namespace");
        if (!plan.ns.time_offsets.empty()) {
            int fd = ::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
            if (fd < 0 || !write_all(fd, plan.ns.time_offsets.data(), plan.ns.time_offsets.size()))
                return fail(f, "write time offsets", "/proc/self/timens_offsets");
            ::close(fd);
        }
    }
    if (plan.ns.new_net && !bring_up_loopback(f)) return false;
    if (plan.set_hostname && ::sethostname(plan.hostname.data(), plan.hostname.size()) < 0)
        return fail(f, "sethostname", plan.hostname.c_str());
    if (plan.set_domainname && ::setdomainname(plan.domainname.data(), plan.domainname.size()) < 0)
        return fail(f, "setdomainname", plan.domainname.c_str());
    return join_session_keyring(plan, host_pid, true, f);
}


// runc's reOpenDevNull: a stdio fd that is the host's /dev/null (engines pass it for stdin)
// is replaced by the container's own /dev/null, once inside the rootfs. CRIU cannot dump a
// file of a mount outside the container's mount namespace ("Can't lookup mount"), and the
// container needs no handle on a host mount. Only the null device itself is swapped: an
// image's /dev/null that is anything else is left alone.
bool reopen_dev_null(Failure& f) noexcept {
    int null_fd = ::open("/dev/null", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (null_fd < 0) return true;  // no /dev/null in this rootfs: nothing to swap in
    struct stat null_st{};
    bool ok = ::fstat(null_fd, &null_st) == 0 && S_ISCHR(null_st.st_mode) && null_st.st_rdev == makedev(1, 3);
    for (int fd = 0; ok && fd < 3; ++fd) {
        struct stat st{};
        if (::fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != null_st.st_rdev) continue;
        if (st.st_dev == null_st.st_dev && st.st_ino == null_st.st_ino) continue;  // already ours
        if (::dup2(null_fd, fd) < 0) {
            ::close(null_fd);
            return fail(f, "reopen /dev/null", "");
        }
    }
    ::close(null_fd);
    return true;
}

bool wait_for_create_hooks(const LaunchPlan& plan, int sync_fd, Failure& f) noexcept {
    if (!plan.stop_after_mounts) return true;
    // prestart/createRuntime/createContainer hooks run now, before pivot_root.
    Message m{};
    if (!send_message(sync_fd, MsgType::mounts_done, f) || !wait_message(sync_fd, MsgType::hooks_done, m, f))
        return false;
    if (plan.dumpable_for_hooks) ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return true;
}

// The runtime's mount namespace (none of the container's own): nothing is mounted, so
// the order differs. Sysctls go through the runtime's /proc (which is the container's
// too) and the pty comes from the runtime's /dev/pts before the root changes; the
// console is not bound (a mount). Then only chroot, as runc and crun do.
bool enter_root_without_mount_ns(const LaunchPlan& plan, int sync_fd, Failure& f) noexcept {
    if (!finish_rootfs(plan, f) || !wait_for_create_hooks(plan, sync_fd, f)) return false;
    if (plan.process.terminal && !setup_terminal(plan, f)) return false;
    if (::chroot(plan.rootfs.c_str()) < 0) return fail(f, "chroot", plan.rootfs.c_str());
    if (::chdir("/") < 0) return fail(f, "chdir", "/");
    if (!plan.cwd_in_rootfs.empty()) {
        int root = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        int cwd = root < 0 ? -errno : ensure_in_root(root, plan.cwd_in_rootfs.c_str(), true);
        if (root >= 0) ::close(root);
        if (cwd < 0) return fail(f, "mkdir cwd", plan.cwd_in_rootfs.c_str(), -cwd);
        ::close(cwd);
    }
    if (::chdir(plan.process.cwd.c_str()) < 0) return fail(f, "chdir", plan.process.cwd.c_str());
    return true;
}

bool prepare_filesystem(const LaunchPlan& plan, int sync_fd, OldRootDetach& detach, Failure& f) noexcept {
    if (!plan.ns.own_mount) return enter_root_without_mount_ns(plan, sync_fd, f);
    int root_fd = -1;
    bool ok = setup_rootfs(plan, root_fd, f);
    if (root_fd >= 0) ::close(root_fd);
    if (!ok || !wait_for_create_hooks(plan, sync_fd, f)) return false;
    if (!enter_rootfs(plan, detach, f)) return false;
    if (!reopen_dev_null(f)) return false;
    // The init leads its own session already (new_session, right after `go`; CRIU
    // refuses a session leader outside the container's pid namespace).
    if (plan.process.terminal && !setup_terminal(plan, f)) return false;
    if (!finish_rootfs(plan, f)) return false;
    if (::chdir(plan.process.cwd.c_str()) < 0) return fail(f, "chdir", plan.process.cwd.c_str());
    return true;
}

// Blocks until `start` opens exec.fifo for reading. Returns the write end: the byte is
// written after the startContainer hooks, and the fd (CLOEXEC) closes at execve, which
// is how `start` knows the process was executed before it runs the poststart hooks.
int wait_for_start(const LaunchPlan& plan, Failure& f) noexcept {
    int fd = ::openat(plan.state_dir_fd, "exec.fifo", O_WRONLY | O_CLOEXEC);
    ::close(plan.state_dir_fd);
    if (fd < 0) fail(f, "open exec fifo", "exec.fifo");
    return fd;
}


}  // namespace

void container_init(const LaunchPlan& plan, int sync_fd) noexcept {
    Failure f;
    Message go{};
    // Dies with berth until create is done; non-dumpable until execve so nothing in the
    // container can ptrace it or open its /proc files (fds, exe) meanwhile.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    // Except in a new user namespace until `go`: a parent without root writes its maps
    // through /proc/<pid>, which a non-dumpable process owns as the host's root. Until
    // `go` the init runs only berth's code and nothing of the container exists yet.
    if (!plan.ns.new_user) ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // A shared open file description keeps an flock: drop our copy of the parent's lock.
    if (plan.lock_fd >= 0) ::close(plan.lock_fd);
    ::umask(0);
    struct sigaction ign{};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, nullptr);
    if (!receive_bind_trees(plan, sync_fd, f)) report_and_exit(sync_fd, f);
    if (!wait_message(sync_fd, MsgType::go, go, f)) report_and_exit(sync_fd, f);
    // Into the container's cgroups before anything else: before the init allocates
    // anything that a controller accounts for (the mounts' kernel memory, the pids it
    // forks for hooks), before it unshares the cgroup namespace (rooted where it then is),
    // and long before it execs the container's process. After `go` rather than before,
    // so that a failure here is reported on a socket the parent reads.
    if (!join_cgroups(plan, f)) report_and_exit(sync_fd, f);
    // A parent without root stats and joins /proc/<init>/ns/* for the createContainer
    // hooks; the kernel refuses that for a non-dumpable process whose memory was made
    // outside the user namespace (until execve). Nothing of the container runs before
    // those hooks are done either, so the init turns non-dumpable just after them.
    if (!plan.dumpable_for_hooks) ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (!new_session(f)) report_and_exit(sync_fd, f);
    const auto& p = plan.process;
    if (!cloexec_inherited_fds(p.preserve_fds, f)) report_and_exit(sync_fd, f);
    if (p.has_affinity_initial && ::sched_setaffinity(0, sizeof p.affinity_initial, &p.affinity_initial) < 0)
        report_and_exit(sync_fd, (fail(f, "sched_setaffinity", "initial"), f));
    if (!setup_namespaces(plan, go.value, f)) report_and_exit(sync_fd, f);
    report_step(plan, sync_fd, "namespaces");
    OldRootDetach detach;
    if (!prepare_filesystem(plan, sync_fd, detach, f)) report_and_exit(sync_fd, f);
    report_step(plan, sync_fd, "rootfs");
    if (!apply_limits(plan, f)) report_and_exit(sync_fd, f);
    if (!apply_exec_labels(plan.process, f)) report_and_exit(sync_fd, f);
    if (!hand_over_stdio(p, f)) report_and_exit(sync_fd, f);
    // From the filter on, only syscalls every profile allows (child/filter.hpp).
    FilterPoint filter = filter_point(plan, true);
    if (filter == FilterPoint::before_identity && !load_filter(plan, sync_fd, f)) report_and_exit(sync_fd, f);
    if (!apply_identity(plan, f)) report_and_exit(sync_fd, f);
    report_step(plan, sync_fd, "process attributes");
    int index = find_executable(plan, f);
    if (index < 0) report_and_exit(sync_fd, f);
    if (filter == FilterPoint::before_ready && !load_filter(plan, sync_fd, f)) report_and_exit(sync_fd, f);
    ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    if (!send_message(sync_fd, MsgType::ready, f)) report_and_exit(sync_fd, f);
    ::close(sync_fd);
    sync_fd = -1;
    int fifo = wait_for_start(plan, f);
    if (fifo < 0) report_and_exit(sync_fd, f);
    if (!run_start_hooks(plan, go.value, f)) report_and_exit(sync_fd, f);
    if (!write_all(fifo, "0", 1)) report_and_exit(sync_fd, (fail(f, "write exec fifo", "exec.fifo"), f));
    exec_process(plan, index, sync_fd, filter == FilterPoint::last);
}

}  // namespace berth::child
