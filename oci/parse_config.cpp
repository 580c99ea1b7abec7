// config.json and process.json readers: the platform-independent part of config.md.
// The "linux" section is read in parse_linux.cpp.
#include "oci/names.hpp"
#include "oci/parse.hpp"
#include "oci/parse_reader.hpp"

#include <array>
#include <set>

namespace berth::oci {

namespace detail {

namespace {

// runtime-spec config.md#linux-process
constexpr std::array<std::string_view, 7> kSchedPolicies = {
    "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
};
constexpr std::array<std::string_view, 7> kSchedFlags = {
    "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",        "SCHED_FLAG_DL_OVERRUN",
    "SCHED_FLAG_KEEP_POLICY",    "SCHED_FLAG_KEEP_PARAMS",    "SCHED_FLAG_UTIL_CLAMP_MIN",
    "SCHED_FLAG_UTIL_CLAMP_MAX",
};
constexpr std::array<std::string_view, 3> kIoPrioClasses = {
    "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE",
};

const EnumSet kCapabilitySet{capability_names(), "capability"};
const EnumSet kRlimitSet{rlimit_names(), "rlimit"};

}  // namespace

// runtime-spec config-linux.md#user-namespace-mappings
void read_value(Reader& r, Value& v, IdMapping& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "containerID", out.container_id);
    r.req(v, "hostID", out.host_id);
    r.req(v, "size", out.size);
}

// runtime-spec config.md#root
void read_value(Reader& r, Value& v, Root& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "path", out.path);
    if (out.path.empty()) {
        auto segment = r.at("path");
        r.fail("must not be empty");
    }
    r.opt(v, "readonly", out.readonly);
}

// runtime-spec config.md#mounts. A relative destination is deprecated but allowed on
// Linux (interpreted relative to "/"), so it is not rejected here.
void read_value(Reader& r, Value& v, Mount& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "destination", out.destination);
    if (out.destination.empty()) {
        auto segment = r.at("destination");
        r.fail("must not be empty");
    }
    r.opt(v, "type", out.type);
    r.opt(v, "source", out.source);
    r.opt(v, "options", out.options);
    bool uids = r.opt(v, "uidMappings", out.uid_mappings);
    bool gids = r.opt(v, "gidMappings", out.gid_mappings);
    // config.md#posix-platform-mounts: each "MUST be specified along with" the other.
    if (uids != gids) {
        auto segment = r.at(uids ? "gidMappings" : "uidMappings");
        r.fail("required when {} is set", uids ? "uidMappings" : "gidMappings");
    }
}

void read_value(Reader& r, Value& v, ConsoleSize& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "height", out.height);
    r.req(v, "width", out.width);
}

// runtime-spec config.md#posix-platform-user
void read_value(Reader& r, Value& v, User& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "uid", out.uid);
    r.req(v, "gid", out.gid);
    r.opt(v, "umask", out.umask);
    r.opt(v, "additionalGids", out.additional_gids);
}

// runtime-spec config.md#linux-process. Names unknown to Linux are errors; names the
// running kernel lacks are the capabilities module's business (a warning, per spec).
void read_value(Reader& r, Value& v, Capabilities& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "bounding", out.bounding, kCapabilitySet);
    r.opt(v, "effective", out.effective, kCapabilitySet);
    r.opt(v, "inheritable", out.inheritable, kCapabilitySet);
    r.opt(v, "permitted", out.permitted, kCapabilitySet);
    r.opt(v, "ambient", out.ambient, kCapabilitySet);
}

// runtime-spec config.md#posix-process
void read_value(Reader& r, Value& v, Rlimit& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "type", out.type, kRlimitSet);
    r.req(v, "soft", out.soft);
    r.req(v, "hard", out.hard);
}

void read_value(Reader& r, Value& v, Scheduler& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "policy", out.policy, EnumSet{kSchedPolicies, "scheduler policy"});
    r.opt(v, "nice", out.nice);
    r.opt(v, "priority", out.priority);
    r.opt(v, "flags", out.flags, EnumSet{kSchedFlags, "scheduler flag"});
    r.opt(v, "runtime", out.runtime);
    r.opt(v, "deadline", out.deadline);
    r.opt(v, "period", out.period);
}

void read_value(Reader& r, Value& v, IoPriority& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "class", out.io_class, EnumSet{kIoPrioClasses, "I/O priority class"});
    r.req(v, "priority", out.priority);
    if (out.priority < 0 || out.priority > 7) {
        auto segment = r.at("priority");
        r.fail("value {} out of range 0..7", out.priority);
    }
}

void read_value(Reader& r, Value& v, CpuAffinity& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "initial", out.initial);
    r.opt(v, "final", out.final_);
}

namespace {

// config.md#posix-process: "If rlimits contains duplicated entries with same type,
// the runtime MUST generate an error."
void check_unique_rlimits(Reader& r, const std::vector<Rlimit>& rlimits) {
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < rlimits.size(); ++i) {
        if (!seen.insert(rlimits[i].type).second) {
            auto s1 = r.at("rlimits");
            auto s2 = r.at(i);
            auto s3 = r.at("type");
            r.fail("duplicate rlimit {}", quote(rlimits[i].type));
        }
    }
}

}  // namespace

// runtime-spec config.md#process
void read_value(Reader& r, Value& v, Process& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "terminal", out.terminal);
    r.opt(v, "consoleSize", out.console_size);
    r.opt(v, "user", out.user);
    // "at least one entry is REQUIRED (non-Windows)"
    r.req(v, "args", out.args);
    if (out.args.empty()) {
        auto segment = r.at("args");
        r.fail("must contain at least one entry");
    }
    r.opt(v, "commandLine", out.command_line);
    r.opt(v, "env", out.env);
    r.req(v, "cwd", out.cwd);
    {
        auto segment = r.at("cwd");
        check_absolute(r, out.cwd);
    }
    r.opt(v, "capabilities", out.capabilities);
    r.opt(v, "rlimits", out.rlimits);
    check_unique_rlimits(r, out.rlimits);
    r.opt(v, "noNewPrivileges", out.no_new_privileges);
    r.opt(v, "apparmorProfile", out.apparmor_profile);
    r.opt(v, "oomScoreAdj", out.oom_score_adj);
    r.opt(v, "scheduler", out.scheduler);
    r.opt(v, "selinuxLabel", out.selinux_label);
    r.opt(v, "ioPriority", out.io_priority);
    r.opt(v, "execCPUAffinity", out.exec_cpu_affinity);
}

// runtime-spec config.md#posix-platform-hooks
void read_value(Reader& r, Value& v, Hook& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "path", out.path);
    {
        auto segment = r.at("path");
        check_absolute(r, out.path);
    }
    r.opt(v, "args", out.args);
    out.env_given = r.opt(v, "env", out.env);
    if (r.opt(v, "timeout", out.timeout) && *out.timeout <= 0) {
        auto segment = r.at("timeout");
        r.fail("must be greater than zero");
    }
}

void read_value(Reader& r, Value& v, Hooks& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "prestart", out.prestart);
    r.opt(v, "createRuntime", out.create_runtime);
    r.opt(v, "createContainer", out.create_container);
    r.opt(v, "startContainer", out.start_container);
    r.opt(v, "poststart", out.poststart);
    r.opt(v, "poststop", out.poststop);
}

namespace {

void read_config(Reader& r, Value& v, Config& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "ociVersion", out.oci_version);
    {
        auto segment = r.at("ociVersion");
        check_oci_version(r, out.oci_version);
    }
    r.opt(v, "root", out.root);
    r.opt(v, "mounts", out.mounts);
    r.opt(v, "process", out.process);
    r.opt(v, "hostname", out.hostname);
    r.opt(v, "domainname", out.domainname);
    r.opt(v, "hooks", out.hooks);
    r.opt(v, "annotations", out.annotations);
    r.opt(v, "linux", out.linux_);
}

}  // namespace

}  // namespace detail

Config parse_config(std::string_view text, std::string_view source) {
    json::Value doc = json::parse(text, source);
    detail::Reader reader(source);
    Config config;
    detail::read_config(reader, doc, config);
    return config;
}

Process parse_process(std::string_view text, std::string_view source) {
    json::Value doc = json::parse(text, source);
    detail::Reader reader(source);
    Process process;
    detail::read_value(reader, doc, process);
    return process;
}

}  // namespace berth::oci
