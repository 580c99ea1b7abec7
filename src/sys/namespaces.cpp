#include "sys/namespaces.hpp"

#include "util/error.hpp"

#include <fmt/format.h>

#include <sys/stat.h>

namespace berth::sys {

int clone_flag(oci::NamespaceType type) {
    switch (type) {
        case oci::NamespaceType::pid: return CLONE_NEWPID;
        case oci::NamespaceType::network: return CLONE_NEWNET;
        case oci::NamespaceType::mount: return CLONE_NEWNS;
        case oci::NamespaceType::ipc: return CLONE_NEWIPC;
        case oci::NamespaceType::uts: return CLONE_NEWUTS;
        case oci::NamespaceType::user: return CLONE_NEWUSER;
        case oci::NamespaceType::cgroup: return CLONE_NEWCGROUP;
        case oci::NamespaceType::time: return CLONE_NEWTIME;
    }
    return 0;
}

std::string format_id_map(const std::vector<oci::IdMapping>& maps) {
    std::string out;
    for (const auto& m : maps) out += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
    return out;
}

namespace {

const char* proc_ns_name(oci::NamespaceType type) {
    switch (type) {
        case oci::NamespaceType::pid: return "pid";
        case oci::NamespaceType::network: return "net";
        case oci::NamespaceType::mount: return "mnt";
        case oci::NamespaceType::ipc: return "ipc";
        case oci::NamespaceType::uts: return "uts";
        case oci::NamespaceType::user: return "user";
        case oci::NamespaceType::cgroup: return "cgroup";
        case oci::NamespaceType::time: return "time";
    }
    return "";
}

}  // namespace

bool is_runtime_namespace(oci::NamespaceType type, const std::string& path, const std::string& where) {
    struct stat theirs{}, ours{};
    if (::stat(path.c_str(), &theirs) < 0) throw Error(fmt::format("{}: namespace \"{}\"", where, path), errno);
    std::string self = fmt::format("/proc/self/ns/{}", proc_ns_name(type));
    if (::stat(self.c_str(), &ours) < 0) throw Error(fmt::format("{}: \"{}\"", where, self), errno);
    return theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

bool has_own_namespace(const oci::LinuxConfig& lx, oci::NamespaceType type) {
    for (size_t i = 0; i < lx.namespaces.size(); ++i) {
        const auto& ns = lx.namespaces[i];
        if (ns.type != type) continue;
        return ns.path.empty() || !is_runtime_namespace(type, ns.path, fmt::format(".linux.namespaces[{}].path", i));
    }
    return false;
}

namespace {

void mark_new(NamespacePlan& plan, int flag) {
    switch (flag) {
        case CLONE_NEWUSER: plan.new_user = true; break;
        case CLONE_NEWPID: plan.new_pid = true; break;
        case CLONE_NEWTIME: plan.new_time = true; break;
        case CLONE_NEWCGROUP: plan.new_cgroup = true; break;
        case CLONE_NEWUTS: plan.new_uts = true; break;
        case CLONE_NEWNET: plan.new_net = true; break;
        case CLONE_NEWNS: plan.new_mount = true; break;
        default: break;
    }
}

}  // namespace

NamespacePlan build_namespace_plan(const oci::Config& config) {
    NamespacePlan plan;
    if (!config.linux_) return plan;
    const auto& lx = *config.linux_;
    unsigned long new_flags = 0;
    bool join_user = false;
    plan.own_mount = has_own_namespace(lx, oci::NamespaceType::mount);
    plan.own_uts = has_own_namespace(lx, oci::NamespaceType::uts);
    for (size_t i = 0; i < lx.namespaces.size(); ++i) {
        const auto& ns = lx.namespaces[i];
        int flag = clone_flag(ns.type);
        // Joining berth's own mount namespace is inheriting it: no setns (which would
        // also move the init's root and cwd), and the same rules as an unlisted one.
        if (ns.type == oci::NamespaceType::mount && !ns.path.empty() && !plan.own_mount) continue;
        if (ns.path.empty()) {
            new_flags |= static_cast<unsigned long>(flag);
            mark_new(plan, flag);
        } else if (ns.type == oci::NamespaceType::pid) {
            plan.pid_join_path = ns.path;
        } else {
            // setns into a user namespace must come first: the other joins and the new
            // namespaces are then owned by it.
            NamespaceJoin join{flag, ns.path};
            if (ns.type == oci::NamespaceType::user) {
                plan.joins.insert(plan.joins.begin(), join);
                join_user = plan.join_user = true;
            } else {
                plan.joins.push_back(join);
            }
        }
    }
    if (plan.new_user) {
        if (lx.uid_mappings.empty() || lx.gid_mappings.empty())
            throw_error(".linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
        plan.uid_map = format_id_map(lx.uid_mappings);
        plan.gid_map = format_id_map(lx.gid_mappings);
        plan_id_maps(plan, lx);
    }
    if (!lx.time_offsets.empty()) {
        if (!plan.new_time) throw_error(".linux.timeOffsets: needs a new time namespace");
        for (const auto& [clock, off] : lx.time_offsets)
            plan.time_offsets += fmt::format("{} {} {}\n", clock, off.secs, off.nanosecs);
    }
    // The time namespace is unshared by the child: the offsets must be written before
    // any process is inside, and the kernel moves the init in at execve.
    new_flags &= ~static_cast<unsigned long>(CLONE_NEWTIME);
    // unshare(CLONE_NEWPID) after setns(user) moves only later children: the init would stay
    // in the caller's pid namespace and could not mount /proc. So a helper joins the user
    // namespace and clones the init with every new namespace (runtime/create.cpp).
    if (join_user && (new_flags & CLONE_NEWPID)) {
        plan.clone_in_user_path = plan.joins.front().path;
        plan.joins.erase(plan.joins.begin());
        plan.clone_flags = new_flags;
    } else if (join_user) {
        plan.unshare_flags = new_flags;  // created after setns(user), owned by that namespace
    } else {
        plan.clone_flags = new_flags;
    }
    return plan;
}

}  // namespace berth::sys
