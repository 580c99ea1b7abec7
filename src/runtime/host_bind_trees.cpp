#include "runtime/host_bind_trees.hpp"

#include "child/protocol.hpp"
#include "sys/mount_attrs.hpp"
#include "util/error.hpp"
#include "util/helper_process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

namespace berth::runtime {
namespace {

using child::kTreesPerMessage;

// What the helper reports: the index (in the marked ops) that failed, and errno.
struct HelperReport {
    std::int32_t index = -1;
    std::int32_t err = 0;
};

bool send_trees(int sync_fd, const int* fds, std::size_t count) {
    child::Message m{};
    m.type = child::MsgType::bind_trees;
    m.value = static_cast<std::int64_t>(count);
    iovec iov{&m, sizeof m};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kTreesPerMessage)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * count);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * count);
    std::memcpy(CMSG_DATA(c), fds, sizeof(int) * count);
    return ::sendmsg(sync_fd, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof m);
}

// The helper's work, inside the init's mount namespace: clone, set attributes, send.
HelperReport clone_and_send(const std::vector<const sys::MountOp*>& ops, int sync_fd) {
    int batch[kTreesPerMessage];
    std::size_t n = 0;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const auto& op = *ops[i];
        int tree = sys::clone_bind_source(op);
        if (tree < 0 || !sys::set_bind_tree_attrs(tree, op, op.idmap_userns_fd))
            return {static_cast<std::int32_t>(i), errno};
        batch[n++] = tree;
        if (n == kTreesPerMessage || i + 1 == ops.size()) {
            if (!send_trees(sync_fd, batch, n)) return {static_cast<std::int32_t>(i), errno};
            for (std::size_t k = 0; k < n; ++k) ::close(batch[k]);
            n = 0;
        }
    }
    return {};
}

bool has_user_namespace(const child::LaunchPlan& plan) {
    return plan.ns.new_user || plan.ns.join_user || !plan.ns.clone_in_user_path.empty();
}

}  // namespace

std::vector<UniqueFd> prepare_shared_bind_trees(child::LaunchPlan& plan) {
    std::vector<UniqueFd> trees;
    // In a user namespace the kernel makes every shared mount a slave anyway.
    if (has_user_namespace(plan) || !plan.explicit_propagation || !(plan.root_propagation & MS_SHARED)) return trees;
    for (auto& op : plan.mounts) {
        if (op.kind != sys::MountKind::bind || op.prepared_tree_fd >= 0 || !(op.propagation & MS_SHARED)) continue;
        UniqueFd tree(sys::clone_bind_source(op));
        if (!tree || !sys::set_bind_tree_attrs(tree.get(), op))
            throw_errno("mount \"{}\": clone bind source \"{}\"", op.display, op.source);
        op.prepared_tree_fd = tree.get();
        trees.push_back(std::move(tree));
    }
    return trees;
}

bool host_bind_trees_apply(const child::LaunchPlan& plan) {
    // Only when the init's mount namespace exists from its clone on (not one it unshares
    // after joining a user namespace): the helper joins it before `go`. setns() into it
    // needs CAP_SYS_ADMIN in berth's own user namespace: an unprivileged berth (rootless,
    // not root anywhere) has no more rights on the sources than the init, which then
    // clones them itself.
    const bool user_ns = plan.ns.new_user || !plan.ns.clone_in_user_path.empty();
    return user_ns && (plan.ns.clone_flags & CLONE_NEWNS) && ::geteuid() == 0;
}

std::vector<UniqueFd> reserve_host_bind_trees(child::LaunchPlan& plan) {
    std::vector<UniqueFd> reserved;
    if (!host_bind_trees_apply(plan)) return reserved;
    for (auto& op : plan.mounts) {
        if (op.kind != sys::MountKind::bind || op.prepared_tree_fd >= 0) continue;
        // A placeholder that is harmless should it ever outlive the hand-over: never a
        // directory of the host (CVE-2024-21626).
        UniqueFd slot(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (!slot) throw_errno("reserve a descriptor for bind \"{}\"", op.display);
        op.prepared_tree_fd = slot.get();
        op.tree_from_host = true;
        reserved.push_back(std::move(slot));
    }
    return reserved;
}

void send_host_bind_trees(const child::LaunchPlan& plan, pid_t init_pid, int sync_fd) {
    std::vector<const sys::MountOp*> ops;
    for (const auto& op : plan.mounts)
        if (op.tree_from_host) ops.push_back(&op);
    if (ops.empty()) return;
    UniqueFd mntns(::open(fmt::format("/proc/{}/ns/mnt", init_pid).c_str(), O_RDONLY | O_CLOEXEC));
    if (!mntns) throw_errno("open the mount namespace of the container init");
    // A process of its own: setns(mnt) also moves the caller's root and cwd.
    auto reported = run_in_helper([&] {
        if (::setns(mntns.get(), CLONE_NEWNS) < 0) return HelperReport{-1, errno};
        return clone_and_send(ops, sync_fd);
    });
    if (!reported) throw_error("bind sources: the helper died");
    const HelperReport r = *reported;
    if (r.err == 0) return;
    if (r.index < 0) throw Error("join the mount namespace of the container init", r.err);
    const auto& op = *ops[static_cast<std::size_t>(r.index)];
    throw Error(fmt::format("mount \"{}\": clone bind source \"{}\"", op.display, op.source), r.err);
}

}  // namespace berth::runtime
