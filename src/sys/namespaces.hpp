// Namespaces and id maps. build_namespace_plan() runs in the parent; the child carries
// the plan out in src/child/init.cpp (joins, unshares, time offsets).
#pragma once

#include "oci/config.hpp"

#include <sched.h>

#include <string>
#include <vector>

namespace berth::sys {

struct NamespaceJoin {
    int nstype = 0;    // CLONE_NEW*
    std::string path;  // opened by the child before any setns
};

struct NamespacePlan {
    unsigned long clone_flags = 0;    // new namespaces made by clone3 itself
    unsigned long unshare_flags = 0;  // made by the child after its joins (see below)
    bool new_user = false;
    bool join_user = false;   // a user namespace joined by path
    bool new_pid = false;
    bool new_time = false;    // the child unshares it: offsets can only be written while empty
    bool new_cgroup = false;
    bool new_uts = false;
    bool new_net = false;
    bool new_mount = false;
    // The container has a mount (uts) namespace of its own: a new one, or one joined by
    // path that is not berth's own. Otherwise it inherits the runtime's (config-linux.md
    // #namespaces), and nothing may be mounted (hostname set) there: it is the host's.
    bool own_mount = false;
    bool own_uts = false;
    std::vector<NamespaceJoin> joins;  // the user namespace first
    std::string pid_join_path;         // joined by the parent around clone (pid_for_children)
    // A user namespace joined by path together with a new pid namespace: the init is cloned
    // by a short-lived helper that joined this user namespace first, so that it owns the
    // new pid namespace (and the other new ones); `joins` then leaves it out.
    std::string clone_in_user_path;
    std::string uid_map, gid_map;      // /proc/<pid>/{uid,gid}_map text
    bool deny_setgroups = false;       // a caller without CAP_SETGID maps its own gid (id_mapping.hpp)
    bool map_with_helpers = false;     // newuidmap/newgidmap write the maps (id_mapping.hpp)
    std::string time_offsets;          // /proc/self/timens_offsets text
};

// Throws berth::Error naming the field for a namespace that cannot be honoured
// (a time namespace joined together with offsets, a user namespace without mappings, host
// ids outside the caller's /etc/subuid or /etc/subgid ranges).
NamespacePlan build_namespace_plan(const oci::Config& config);
// Fills the id-map method of a plan with a new user namespace (id_mapping.cpp).
void plan_id_maps(NamespacePlan& plan, const oci::LinuxConfig& lx);

int clone_flag(oci::NamespaceType type);
// The namespace file at `path` is berth's own namespace of that type (the runtime
// namespace), e.g. /proc/1/ns/uts when berth runs on the host. Throws naming `where`
// when `path` cannot be read.
bool is_runtime_namespace(oci::NamespaceType type, const std::string& path, const std::string& where);
// The container gets a namespace of `type` apart from berth's: listed, and new or joined
// from a path that is not berth's own.
bool has_own_namespace(const oci::LinuxConfig& lx, oci::NamespaceType type);
// The text of /proc/<pid>/uid_map or gid_map for these mappings.
std::string format_id_map(const std::vector<oci::IdMapping>& maps);

}  // namespace berth::sys
