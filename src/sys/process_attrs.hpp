// Process attributes of the container init: user, groups, umask, env, args, cwd,
// capabilities, rlimits, no_new_privs, scheduler, I/O priority, personality, CPU
// affinity. build_process_plan() decides everything in the parent; the child applies
// the plan in src/child/process.cpp without allocating.
#pragma once

#include "oci/config.hpp"
#include "sys/capabilities.hpp"
#include "sys/rlimits.hpp"

#include <sched.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace berth::sys {

// The kernel's struct sched_attr (glibc 2.36 has no wrapper).
struct SchedAttr {
    std::uint32_t size;
    std::uint32_t sched_policy;
    std::uint64_t sched_flags;
    std::int32_t sched_nice;
    std::uint32_t sched_priority;
    std::uint64_t sched_runtime;
    std::uint64_t sched_deadline;
    std::uint64_t sched_period;
};

// A NULL-terminated char* array pointing into owned strings, ready for execve.
struct StringArray {
    std::vector<std::string> strings;
    std::vector<char*> pointers;
    void seal();  // (re)builds pointers; call after the last change to strings
};

struct ProcessPlan {
    StringArray args;
    StringArray env;
    std::vector<std::string> exec_candidates;  // args[0] resolved against PATH, in order
    std::string cwd = "/";
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> additional_gids;
    bool set_groups = true;    // false when setgroups is denied (rootless user namespace)
    mode_t umask = 022;
    CapabilityPlan caps;
    std::vector<RlimitOp> rlimits;
    bool no_new_privs = false;
    std::string apparmor_exec;  // "exec <profile>" for the AppArmor exec attribute, or empty
    std::string selinux_label;  // SELinux context of the process (and its new keyring), or empty
    std::optional<int> oom_score_adj;  // written by the parent
    bool has_scheduler = false;
    SchedAttr scheduler{};
    bool has_ioprio = false;
    int ioprio = 0;
    bool has_personality = false;
    unsigned long personality = 0;
    bool has_affinity_initial = false, has_affinity_final = false;
    cpu_set_t affinity_initial{}, affinity_final{};
    bool terminal = false;
    bool has_console_size = false;
    winsize console_size{};
    unsigned preserve_fds = 0;  // fds 3 .. 3+n-1 stay open across execve
};

// Throws berth::Error naming the field: `.process.rlimits[0]: ...`,
// `.process.oomScoreAdj: -500 needs CAP_SYS_RESOURCE, which berth lacks`.
ProcessPlan build_process_plan(const oci::Process& process, bool deny_setgroups);

// Writes /proc/PID/oom_score_adj from the parent. The kernel refuses a value below the
// process's oom_score_adj_min without CAP_SYS_RESOURCE: the error names the field then.
void write_oom_score_adj(pid_t pid, int value);

// "0-3,7" -> a cpu set; throws for a malformed list.
cpu_set_t parse_cpu_list(const std::string& list, const char* field);

}  // namespace berth::sys
