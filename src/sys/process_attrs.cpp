#include "sys/process_attrs.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/id_list.hpp"

#include <linux/capability.h>
#include <sched.h>
#include <sys/personality.h>

#include <charconv>
#include <string_view>

namespace berth::sys {

void StringArray::seal() {
    pointers.clear();
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
}

cpu_set_t parse_cpu_list(const std::string& list, const char* field) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (unsigned cpu : text::parse_id_list(list, CPU_SETSIZE, field, "CPU")) CPU_SET(cpu, &set);
    return set;
}

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::vector<std::string> exec_candidates(const std::string& arg0, const std::vector<std::string>& env) {
    if (arg0.find('/') != std::string::npos) return {arg0};
    std::string path = kDefaultPath;
    for (const auto& e : env)
        if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
    std::vector<std::string> out;
    std::string_view rest(path);
    for (;;) {
        auto colon = rest.find(':');
        std::string dir(rest.substr(0, colon));
        out.push_back((dir.empty() ? std::string(".") : dir) + "/" + arg0);
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    return out;
}

void plan_scheduler(ProcessPlan& plan, const oci::Scheduler& s) {
    struct Policy {
        std::string_view name;
        std::uint32_t value;
    };
    constexpr Policy kPolicies[] = {{"SCHED_OTHER", SCHED_OTHER}, {"SCHED_FIFO", SCHED_FIFO},
                                    {"SCHED_RR", SCHED_RR},       {"SCHED_BATCH", SCHED_BATCH},
                                    {"SCHED_ISO", 4},             {"SCHED_IDLE", SCHED_IDLE},
                                    {"SCHED_DEADLINE", 6}};
    constexpr Policy kFlags[] = {{"SCHED_FLAG_RESET_ON_FORK", 0x01}, {"SCHED_FLAG_RECLAIM", 0x02},
                                 {"SCHED_FLAG_DL_OVERRUN", 0x04},    {"SCHED_FLAG_KEEP_POLICY", 0x08},
                                 {"SCHED_FLAG_KEEP_PARAMS", 0x10},   {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
                                 {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}};
    plan.has_scheduler = true;
    plan.scheduler.size = sizeof(SchedAttr);
    bool found = false;
    for (const auto& p : kPolicies)
        if (p.name == s.policy) plan.scheduler.sched_policy = p.value, found = true;
    if (!found) throw_error(".process.scheduler.policy: unknown policy \"{}\"", s.policy);
    for (size_t i = 0; i < s.flags.size(); ++i) {
        bool known = false;
        for (const auto& f : kFlags)
            if (f.name == s.flags[i]) plan.scheduler.sched_flags |= f.value, known = true;
        if (!known) throw_error(".process.scheduler.flags[{}]: unknown flag \"{}\"", i, s.flags[i]);
    }
    plan.scheduler.sched_nice = s.nice;
    plan.scheduler.sched_priority = static_cast<std::uint32_t>(s.priority);
    plan.scheduler.sched_runtime = s.runtime;
    plan.scheduler.sched_deadline = s.deadline;
    plan.scheduler.sched_period = s.period;
}

void plan_ioprio(ProcessPlan& plan, const oci::IoPriority& io) {
    int cls = io.io_class == "IOPRIO_CLASS_RT" ? 1 : io.io_class == "IOPRIO_CLASS_BE" ? 2
            : io.io_class == "IOPRIO_CLASS_IDLE" ? 3 : 0;
    if (cls == 0) throw_error(".process.ioPriority.class: unknown class \"{}\"", io.io_class);
    if (io.priority < 0 || io.priority > 7)
        throw_error(".process.ioPriority.priority: {} is outside 0..7", io.priority);
    plan.has_ioprio = true;
    plan.ioprio = (cls << 13) | io.priority;
}

void plan_oom(ProcessPlan& plan, int value) {
    if (value < -1000 || value > 1000) throw_error(".process.oomScoreAdj: {} is outside -1000..1000", value);
    // Whether the kernel allows a lower value depends on oom_score_adj_min (set only by a
    // privileged writer), not on the current value, so the parent writes it and reports
    // a refusal instead of guessing here (see write_oom_score_adj).
    plan.oom_score_adj = value;
}

}  // namespace

ProcessPlan build_process_plan(const oci::Process& process, bool deny_setgroups) {
    ProcessPlan plan;
    if (process.args.empty()) throw_error(".process.args: must not be empty");
    plan.args.strings = process.args;
    plan.args.seal();
    plan.env.strings = process.env;
    plan.env.seal();
    plan.exec_candidates = exec_candidates(process.args[0], process.env);
    plan.cwd = process.cwd.empty() ? "/" : process.cwd;
    plan.uid = process.user.uid;
    plan.gid = process.user.gid;
    plan.additional_gids = process.user.additional_gids;
    plan.set_groups = !deny_setgroups;
    if (process.user.umask) plan.umask = static_cast<mode_t>(*process.user.umask & 0777);
    plan.caps = build_capability_plan(process.capabilities);
    plan.rlimits = build_rlimit_plan(process.rlimits);
    plan.no_new_privs = process.no_new_privileges;
    // The kernel reads the attributes up to a newline; one would cut the label short.
    auto check_label = [](const std::string& label, const char* field) {
        if (label.find_first_of(std::string_view("\n\0", 2)) != std::string::npos)
            throw_error("{}: a label cannot contain a newline or NUL", field);
    };
    if (!process.apparmor_profile.empty()) {
        check_label(process.apparmor_profile, ".process.apparmorProfile");
        plan.apparmor_exec = "exec " + process.apparmor_profile;
    }
    check_label(process.selinux_label, ".process.selinuxLabel");
    plan.selinux_label = process.selinux_label;
    if (process.oom_score_adj) plan_oom(plan, *process.oom_score_adj);
    if (process.scheduler) plan_scheduler(plan, *process.scheduler);
    if (process.io_priority) plan_ioprio(plan, *process.io_priority);
    if (process.exec_cpu_affinity) {
        const auto& a = *process.exec_cpu_affinity;
        if (!a.initial.empty()) {
            plan.affinity_initial = parse_cpu_list(a.initial, ".process.execCPUAffinity.initial");
            plan.has_affinity_initial = true;
        }
        if (!a.final_.empty()) {
            plan.affinity_final = parse_cpu_list(a.final_, ".process.execCPUAffinity.final");
            plan.has_affinity_final = true;
        }
    }
    plan.terminal = process.terminal;
    if (process.console_size) {
        plan.has_console_size = true;
        plan.console_size.ws_row = static_cast<unsigned short>(process.console_size->height);
        plan.console_size.ws_col = static_cast<unsigned short>(process.console_size->width);
    }
    return plan;
}

void write_oom_score_adj(pid_t pid, int value) {
    try {
        fs::write_file(fmt::format("/proc/{}/oom_score_adj", pid), std::to_string(value));
    } catch (const Error& e) {
        if (e.error_number() != EACCES && e.error_number() != EPERM) throw;
        throw_error(".process.oomScoreAdj: the kernel refused {}: lowering it below the minimum set for berth "
                    "needs CAP_SYS_RESOURCE", value);
    }
}

}  // namespace berth::sys
