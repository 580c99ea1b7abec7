// User namespace id maps for a caller without root: how they can be written, whether the
// caller may use the host ids they name (/etc/subuid, /etc/subgid), and the writes themselves.
// Parent only; throws berth::Error naming the config field.
//
// The kernel (user_namespaces(7)) lets a process write a map of a child user namespace
// directly only when it has CAP_SETUID/CAP_SETGID in the parent user namespace, or when the
// map is the single line of its own euid/egid (and, for gid_map, setgroups is "deny").
// Anything else goes through the setuid newuidmap/newgidmap of shadow's uidmap package,
// which check /etc/subuid and /etc/subgid, as runc and crun do.
#pragma once

#include "oci/config.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace berth::sys {

struct NamespacePlan;
struct MountOp;

// True when this process is in a user namespace other than the initial one (its uid_map
// is not the identity "0 0 4294967295"), as runc's userns.RunningInUserNS decides.
bool running_in_user_namespace();

// How the maps of a new user namespace are written, decided from the caller's ids.
struct IdMapMethod {
    bool helpers = false;         // newuidmap/newgidmap
    bool deny_setgroups = false;  // setgroups "deny" before gid_map (the kernel needs it)
};
IdMapMethod choose_id_map_method(const oci::LinuxConfig& lx, uid_t euid, gid_t egid);

// One line of /etc/subuid or /etc/subgid that applies to the user.
struct SubIdRange {
    std::uint64_t start = 0;
    std::uint64_t count = 0;
};
// The ranges of `file_text` (subuid(5) format) for the user named `name` or numbered `id`.
std::vector<SubIdRange> parse_subid_ranges(const std::string& file_text, const std::string& name, std::uint64_t id);

// Throws `.linux.uidMappings[1]: host ids 100000-165535 are not in /etc/subuid for user "u"`
// for a mapping that is neither the caller's own id nor inside its ranges. `own` is the
// caller's euid or egid, `field` ".linux.uidMappings", `file` the subid file's path.
void check_subid_ranges(const std::vector<oci::IdMapping>& maps, const std::vector<SubIdRange>& ranges,
                        std::uint64_t own, const std::string& field, const std::string& file,
                        const std::string& user);

// Writes /proc/<pid>/{setgroups,uid_map,gid_map} for the plan, directly or with the helpers.
void write_id_maps(pid_t pid, const NamespacePlan& ns);

// devpts refuses (EINVAL) a gid= its user namespace does not map: drop that option from
// the devpts mounts of a container with a new user namespace mapped by `gid_maps`, as crun
// does; the ptys are then owned by the namespace's root group. Pure.
void drop_unmapped_devpts_gid(std::vector<MountOp>& ops, const std::vector<oci::IdMapping>& gid_maps);

// True when /proc/<pid>/setgroups says "deny": processes joining that user namespace
// (exec) may not call setgroups either.
bool setgroups_denied(pid_t pid);

}  // namespace berth::sys
