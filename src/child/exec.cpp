// `berth exec`, from clone to execve: a flat list of named steps; each failure is one
// Message{error} to the parent, then _exit. No allocation, no exceptions.
#include "child/exec.hpp"

#include "child/fds.hpp"
#include "child/filter.hpp"
#include "child/finish.hpp"
#include "child/lsm_label.hpp"
#include "child/process.hpp"
#include "child/protocol.hpp"
#include "child/session.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace berth::child {

namespace {


bool wait_go(int sync_fd, Failure& f) noexcept {
    Message m{};
    ssize_t n = ::recv(sync_fd, &m, sizeof m, 0);
    if (n != static_cast<ssize_t>(sizeof m) || m.type != MsgType::go)
        return fail(f, "sync", "parent", n == 0 ? EPIPE : EPROTO);
    return true;
}

bool join_namespaces(const ExecPlan& plan, Failure& f) noexcept {
    // The user namespace first: the others are owned by it, so joining them needs the
    // capabilities it grants. Joining the mount namespace also sets root and cwd to
    // the container's root (setns(2)).
    for (std::size_t i = 0; i < plan.ns_count; ++i) {
        if (::setns(plan.ns[i].fd, plan.ns[i].nstype) < 0) return fail(f, "setns", "");
        ::close(plan.ns[i].fd);
    }
    return true;
}


}  // namespace

void exec_child(const ExecPlan& plan, int sync_fd) noexcept {
    Failure f;
    const LaunchPlan& lp = plan.launch;
    const auto& p = lp.process;
    // Dies with berth until execve; non-dumpable so nothing in the container can
    // ptrace it or open its /proc files while it still holds berth's fds.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    struct sigaction ign{};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, nullptr);
    if (!wait_go(sync_fd, f)) report_and_exit(sync_fd, f);
    // Into the container's v1 cgroups first (the parent cloned it into the cgroup2 one),
    // before it joins the cgroup namespace or allocates anything a controller accounts for.
    if (!join_cgroups(lp, f)) report_and_exit(sync_fd, f);
    if (!new_session(f)) report_and_exit(sync_fd, f);
    if (!cloexec_inherited_fds(p.preserve_fds, f)) report_and_exit(sync_fd, f);
    if (p.has_affinity_initial && ::sched_setaffinity(0, sizeof p.affinity_initial, &p.affinity_initial) < 0)
        report_and_exit(sync_fd, (fail(f, "sched_setaffinity", "initial"), f));
    if (!join_namespaces(plan, f)) report_and_exit(sync_fd, f);
    if (plan.root_fd >= 0 && (::fchdir(plan.root_fd) < 0 || ::chroot(".") < 0))
        report_and_exit(sync_fd, (fail(f, "chroot", "the container's root"), f));
    if (!join_session_keyring(lp, plan.init_pid, false, f)) report_and_exit(sync_fd, f);
    report_step(lp, sync_fd, "namespaces");
    if (p.terminal && !setup_terminal(lp, f)) report_and_exit(sync_fd, f);
    if (::chdir(p.cwd.c_str()) < 0) report_and_exit(sync_fd, (fail(f, "chdir", p.cwd.c_str()), f));
    if (!apply_limits(lp, f)) report_and_exit(sync_fd, f);
    if (!apply_exec_labels(lp.process, f)) report_and_exit(sync_fd, f);
    if (!hand_over_stdio(p, f)) report_and_exit(sync_fd, f);
    // From the filter on, only syscalls every profile allows (child/filter.hpp).
    FilterPoint filter = filter_point(lp, false);
    if (filter == FilterPoint::before_identity && !load_filter(lp, sync_fd, f)) report_and_exit(sync_fd, f);
    if (!apply_identity(lp, f)) report_and_exit(sync_fd, f);
    report_step(lp, sync_fd, "process attributes");
    int index = find_executable(lp, f);
    if (index < 0) report_and_exit(sync_fd, f);
    exec_process(lp, index, sync_fd, filter == FilterPoint::last);
}

}  // namespace berth::child
