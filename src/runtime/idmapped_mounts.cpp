#include "runtime/idmapped_mounts.hpp"

#include "runtime/host_bind_trees.hpp"
#include "sys/mount_attrs.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <map>
#include <utility>

namespace berth::runtime {
namespace {

// A child cloned straight into a new user namespace waits on a pipe while berth writes the
// maps and opens /proc/<pid>/ns/user; the namespace lives on through that fd.
UniqueFd make_user_namespace(const std::string& uid_map, const std::string& gid_map) {
    int hold[2];
    if (::pipe2(hold, O_CLOEXEC) < 0) throw_errno("idmap mount: pipe");
    UniqueFd hold_read(hold[0]), hold_write(hold[1]);
    const long pid = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0) throw_errno("idmap mount: clone a user namespace");
    if (pid == 0) {
        ::close(hold_write.get());  // else the read below never sees end of file
        char byte;
        (void)!::read(hold_read.get(), &byte, 1);  // returns when berth closes its end
        ::_exit(0);
    }
    hold_read.reset();
    auto reap = [&] {
        hold_write.reset();
        while (::waitpid(static_cast<pid_t>(pid), nullptr, 0) < 0 && errno == EINTR) {
        }
    };
    try {
        const std::string proc = fmt::format("/proc/{}", pid);
        fs::write_file(proc + "/uid_map", uid_map);
        // Without CAP_SETGID (rootless) the kernel takes a gid_map only after setgroups
        // "deny"; nothing runs in this namespace that would call setgroups.
        fs::write_file(proc + "/setgroups", "deny");
        fs::write_file(proc + "/gid_map", gid_map);
        UniqueFd ns(::open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
        if (!ns) throw_errno("idmap mount: open the user namespace");
        reap();
        return ns;
    } catch (...) {
        reap();
        throw;
    }
}

}  // namespace

std::vector<UniqueFd> prepare_idmapped_mounts(child::LaunchPlan& plan) {
    std::vector<UniqueFd> trees;
    std::map<std::pair<std::string, std::string>, UniqueFd> namespaces;
    for (auto& op : plan.mounts) {
        if (!op.idmap) continue;
        try {
            auto& ns = namespaces[{op.idmap_uid_map, op.idmap_gid_map}];
            if (!ns) ns = make_user_namespace(op.idmap_uid_map, op.idmap_gid_map);
            op.idmap_userns_fd = ns.get();
            // In a user namespace the helper clones it in the init's mount namespace, where
            // the host's read-only and covered mounts stay locked (runtime/host_bind_trees.hpp);
            // a tree cloned here would carry no lock.
            if (host_bind_trees_apply(plan)) continue;
            UniqueFd tree(::open_tree(AT_FDCWD, op.source.c_str(),
                                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (op.recursive ? AT_RECURSIVE : 0)));
            if (!tree && errno == EPERM && ::geteuid() != 0)
                // Not even the kernel of the user's own user namespace idmaps a host
                // filesystem: it wants CAP_SYS_ADMIN where the filesystem was mounted.
                // runc 1.1.5 ignores the mapping instead; crun 1.8.1 fails writing gid_map.
                throw_error("uidMappings: an idmapped bind of \"{}\" needs root (CAP_SYS_ADMIN over its "
                            "filesystem); without root, map ids with the container's own user namespace",
                            op.source);
            if (!tree) throw_errno("open_tree \"{}\"", op.source);
            if (!sys::set_bind_tree_attrs(tree.get(), op, ns.get())) throw_errno("mount_setattr \"{}\"", op.source);
            op.prepared_tree_fd = tree.get();
            trees.push_back(std::move(tree));
        } catch (const Error& e) {
            throw e.with_context(fmt::format("idmap mount \"{}\"", op.display));
        }
    }
    for (auto& [maps, ns] : namespaces) trees.push_back(std::move(ns));  // kept for the helper
    return trees;
}

}  // namespace berth::runtime
