#include "child/finish.hpp"

#include "child/filter.hpp"
#include "child/protocol.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace berth::child {

[[noreturn]] void report_and_exit(int sync_fd, const Failure& f) noexcept {
    Message m{};
    m.type = MsgType::error;
    m.err = f.err;
    copy_cstr(m.stage, sizeof m.stage, f.stage);
    copy_cstr(m.detail, sizeof m.detail, f.detail);
    if (::send(sync_fd, &m, sizeof m, MSG_NOSIGNAL) < 0) {
        // The parent is gone (after `ready`): the caller's stderr is all that is left.
        static const char prefix[] = "berth: container process: ";
        write_all(2, prefix, sizeof prefix - 1);
        write_all(2, m.stage, cstr_len(m.stage));
        write_all(2, " \"", 2);
        write_all(2, m.detail, cstr_len(m.detail));
        write_all(2, "\": ", 3);
        // strerrordesc_np reads a static table: no locale, no allocation.
        const char* why = ::strerrordesc_np(m.err);
        if (why) write_all(2, why, cstr_len(why));
        write_all(2, "\n", 1);
    }
    ::_exit(f.err == ENOENT ? 127 : 126);
}

[[noreturn]] void exec_process(const LaunchPlan& plan, int index, int sync_fd, bool load_filter_here) noexcept {
    Failure f;
    const auto& p = plan.process;
    if (p.has_affinity_final && ::sched_setaffinity(0, sizeof p.affinity_final, &p.affinity_final) < 0)
        report_and_exit(sync_fd, (fail(f, "sched_setaffinity", "final"), f));
    // Only stdio and the preserved fds survive execve: the rest were made CLOEXEC right
    // after clone (child/fds.hpp), and everything opened since is O_CLOEXEC.
    struct sigaction dfl{};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // The parent-death signal survives execve unless credentials change: clear it, or a
    // detached exec'd process (`exec -d`, as conmon runs every exec) dies when berth exits.
    ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    if (load_filter_here && !load_filter(plan, sync_fd, f)) report_and_exit(sync_fd, f);
    ::execve(p.exec_candidates[static_cast<std::size_t>(index)].c_str(), p.args.pointers.data(), p.env.pointers.data());
    report_and_exit(sync_fd, (fail(f, "exec", p.exec_candidates[static_cast<std::size_t>(index)].c_str()), f));
}

}  // namespace berth::child
