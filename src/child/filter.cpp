#include "child/filter.hpp"

#include "child/protocol.hpp"
#include "sys/seccomp.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace berth::child {
namespace {

// Best effort: when the filter holds this send, the parent takes the fd with pidfd_getfd.
void offer_listener(int sync_fd, int listener) noexcept {
    Message m{};
    m.type = MsgType::seccomp_loaded;
    m.value = listener;
    send_with_fd(sync_fd, &m, sizeof m, listener);
}

}  // namespace

FilterPoint filter_point(const LaunchPlan& plan, bool init) noexcept {
    if (plan.seccomp.program.empty()) return FilterPoint::none;
    if (!plan.process.no_new_privs) return FilterPoint::before_identity;
    if (init && plan.seccomp.needs_listener) return FilterPoint::before_ready;
    return FilterPoint::last;
}

bool load_filter(const LaunchPlan& plan, int sync_fd, Failure& f) noexcept {
    if (!plan.seccomp.needs_listener) {
        int rc = sys::apply_seccomp(plan.seccomp);
        return rc >= 0 || fail(f, "seccomp", "", -rc);
    }
    if (sync_fd < 0) return fail(f, "seccomp", "no parent to take the listener", EPROTO);
    int next = ::fcntl(sync_fd, F_DUPFD_CLOEXEC, 0);
    if (next < 0) return fail(f, "seccomp", "listener fd");
    ::close(next);
    Message m{};
    m.type = MsgType::seccomp_listener;
    m.value = next;
    if (::send(sync_fd, &m, sizeof m, MSG_NOSIGNAL) != sizeof m) return fail(f, "sync", "parent");
    // Nothing may open or close an fd between the announcement and seccomp(2).
    int listener = sys::apply_seccomp(plan.seccomp);
    if (listener < 0) return fail(f, "seccomp", "", -listener);
    // From here on, any syscall may wait for the agent.
    if (listener != next) return fail(f, "seccomp", "listener fd is not the one announced", EPROTO);
    offer_listener(sync_fd, listener);
    return true;
}

}  // namespace berth::child
