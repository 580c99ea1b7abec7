// config.json and process.json writers. Every field of the model is written unless it
// holds its "absent" value (empty string or container, unset optional, false), so
// parse_config(to_json(c)) == c for every c that parse_config() can return.
#include "oci/json.hpp"
#include "oci/parse.hpp"

#include <concepts>

namespace berth::oci {

namespace {

using json::Writer;

void write_value(Writer& w, const std::string& s) { w.string(s); }
void write_value(Writer& w, bool b) { w.boolean(b); }

template <std::integral T>
    requires(!std::same_as<T, bool>)
void write_value(Writer& w, T v) {
    if constexpr (std::is_signed_v<T>) {
        w.integer(v);
    } else {
        w.unsigned_integer(v);
    }
}

// Declared up front: the templates below find them by ordinary lookup.
void write_value(Writer& w, const IdMapping& v);
void write_value(Writer& w, const Root& v);
void write_value(Writer& w, const Mount& v);
void write_value(Writer& w, const ConsoleSize& v);
void write_value(Writer& w, const User& v);
void write_value(Writer& w, const Capabilities& v);
void write_value(Writer& w, const Rlimit& v);
void write_value(Writer& w, const Scheduler& v);
void write_value(Writer& w, const IoPriority& v);
void write_value(Writer& w, const CpuAffinity& v);
void write_value(Writer& w, const Process& v);
void write_value(Writer& w, const Hook& v);
void write_value(Writer& w, const Hooks& v);
void write_value(Writer& w, const Namespace& v);
void write_value(Writer& w, const TimeOffset& v);
void write_value(Writer& w, const Device& v);
void write_value(Writer& w, const NetDevice& v);
void write_value(Writer& w, const DeviceCgroupRule& v);
void write_value(Writer& w, const Memory& v);
void write_value(Writer& w, const Cpu& v);
void write_value(Writer& w, const Pids& v);
void write_value(Writer& w, const WeightDevice& v);
void write_value(Writer& w, const ThrottleDevice& v);
void write_value(Writer& w, const BlockIo& v);
void write_value(Writer& w, const HugepageLimit& v);
void write_value(Writer& w, const InterfacePriority& v);
void write_value(Writer& w, const Network& v);
void write_value(Writer& w, const Rdma& v);
void write_value(Writer& w, const Resources& v);
void write_value(Writer& w, const IntelRdt& v);
void write_value(Writer& w, const MemoryPolicy& v);
void write_value(Writer& w, const SeccompArg& v);
void write_value(Writer& w, const SeccompSyscall& v);
void write_value(Writer& w, const Seccomp& v);
void write_value(Writer& w, const Personality& v);
void write_value(Writer& w, const LinuxConfig& v);
void write_value(Writer& w, const Config& v);

template <typename T>
void write_value(Writer& w, const std::vector<T>& list) {
    w.begin_array();
    for (const T& item : list) {
        write_value(w, item);
    }
    w.end_array();
}

template <typename T>
void write_value(Writer& w, const std::map<std::string, T>& map) {
    w.begin_object();
    for (const auto& [key, item] : map) {
        w.key(key);
        write_value(w, item);
    }
    w.end_object();
}

// Always written: required members.
template <typename T>
void put(Writer& w, std::string_view key, const T& v) {
    w.key(key);
    write_value(w, v);
}

template <typename T>
void put(Writer& w, std::string_view key, const std::optional<T>& v) {
    if (v) {
        put(w, key, *v);
    }
}

// Skipped when empty: strings, lists and maps whose absence means the same.
template <typename T>
    requires requires(const T& t) { t.empty(); }
void put_nonempty(Writer& w, std::string_view key, const T& v) {
    if (!v.empty()) {
        put(w, key, v);
    }
}

void put_true(Writer& w, std::string_view key, bool v) {
    if (v) {
        put(w, key, v);
    }
}

void write_value(Writer& w, const IdMapping& m) {
    w.begin_object();
    put(w, "containerID", m.container_id);
    put(w, "hostID", m.host_id);
    put(w, "size", m.size);
    w.end_object();
}

void write_value(Writer& w, const Root& root) {
    w.begin_object();
    put(w, "path", root.path);
    put_true(w, "readonly", root.readonly);
    w.end_object();
}

void write_value(Writer& w, const Mount& m) {
    w.begin_object();
    put(w, "destination", m.destination);
    put_nonempty(w, "type", m.type);
    put_nonempty(w, "source", m.source);
    put_nonempty(w, "options", m.options);
    put_nonempty(w, "uidMappings", m.uid_mappings);
    put_nonempty(w, "gidMappings", m.gid_mappings);
    w.end_object();
}

void write_value(Writer& w, const ConsoleSize& c) {
    w.begin_object();
    put(w, "height", c.height);
    put(w, "width", c.width);
    w.end_object();
}

void write_value(Writer& w, const User& u) {
    w.begin_object();
    put(w, "uid", u.uid);
    put(w, "gid", u.gid);
    put(w, "umask", u.umask);
    put_nonempty(w, "additionalGids", u.additional_gids);
    w.end_object();
}

void write_value(Writer& w, const Capabilities& c) {
    w.begin_object();
    put_nonempty(w, "bounding", c.bounding);
    put_nonempty(w, "effective", c.effective);
    put_nonempty(w, "inheritable", c.inheritable);
    put_nonempty(w, "permitted", c.permitted);
    put_nonempty(w, "ambient", c.ambient);
    w.end_object();
}

void write_value(Writer& w, const Rlimit& r) {
    w.begin_object();
    put(w, "type", r.type);
    put(w, "hard", r.hard);
    put(w, "soft", r.soft);
    w.end_object();
}

void write_value(Writer& w, const Scheduler& s) {
    w.begin_object();
    put(w, "policy", s.policy);
    put(w, "nice", s.nice);
    put(w, "priority", s.priority);
    put_nonempty(w, "flags", s.flags);
    put(w, "runtime", s.runtime);
    put(w, "deadline", s.deadline);
    put(w, "period", s.period);
    w.end_object();
}

void write_value(Writer& w, const IoPriority& p) {
    w.begin_object();
    put(w, "class", p.io_class);
    put(w, "priority", p.priority);
    w.end_object();
}

void write_value(Writer& w, const CpuAffinity& a) {
    w.begin_object();
    put_nonempty(w, "initial", a.initial);
    put_nonempty(w, "final", a.final_);
    w.end_object();
}

void write_value(Writer& w, const Process& p) {
    w.begin_object();
    put_true(w, "terminal", p.terminal);
    put(w, "consoleSize", p.console_size);
    put(w, "user", p.user);
    put(w, "args", p.args);
    put_nonempty(w, "commandLine", p.command_line);
    put_nonempty(w, "env", p.env);
    put(w, "cwd", p.cwd);
    put(w, "capabilities", p.capabilities);
    put_nonempty(w, "rlimits", p.rlimits);
    put_true(w, "noNewPrivileges", p.no_new_privileges);
    put_nonempty(w, "apparmorProfile", p.apparmor_profile);
    put(w, "oomScoreAdj", p.oom_score_adj);
    put(w, "scheduler", p.scheduler);
    put_nonempty(w, "selinuxLabel", p.selinux_label);
    put(w, "ioPriority", p.io_priority);
    put(w, "execCPUAffinity", p.exec_cpu_affinity);
    w.end_object();
}

void write_value(Writer& w, const Hook& h) {
    w.begin_object();
    put(w, "path", h.path);
    put_nonempty(w, "args", h.args);
    if (h.has_env()) put(w, "env", h.env);
    put(w, "timeout", h.timeout);
    w.end_object();
}

void write_value(Writer& w, const Hooks& h) {
    w.begin_object();
    put_nonempty(w, "prestart", h.prestart);
    put_nonempty(w, "createRuntime", h.create_runtime);
    put_nonempty(w, "createContainer", h.create_container);
    put_nonempty(w, "startContainer", h.start_container);
    put_nonempty(w, "poststart", h.poststart);
    put_nonempty(w, "poststop", h.poststop);
    w.end_object();
}

void write_value(Writer& w, const Namespace& n) {
    w.begin_object();
    w.key("type").string(to_string(n.type));
    put_nonempty(w, "path", n.path);
    w.end_object();
}

void write_value(Writer& w, const TimeOffset& t) {
    w.begin_object();
    put(w, "secs", t.secs);
    put(w, "nanosecs", t.nanosecs);
    w.end_object();
}

void write_value(Writer& w, const Device& d) {
    w.begin_object();
    put(w, "path", d.path);
    put(w, "type", d.type);
    put(w, "major", d.major);
    put(w, "minor", d.minor);
    put(w, "fileMode", d.file_mode);
    put(w, "uid", d.uid);
    put(w, "gid", d.gid);
    w.end_object();
}

void write_value(Writer& w, const NetDevice& d) {
    w.begin_object();
    put_nonempty(w, "name", d.name);
    w.end_object();
}

void write_value(Writer& w, const DeviceCgroupRule& d) {
    w.begin_object();
    put(w, "allow", d.allow);
    put_nonempty(w, "type", d.type);
    put(w, "major", d.major);
    put(w, "minor", d.minor);
    put_nonempty(w, "access", d.access);
    w.end_object();
}

void write_value(Writer& w, const Memory& m) {
    w.begin_object();
    put(w, "limit", m.limit);
    put(w, "reservation", m.reservation);
    put(w, "swap", m.swap);
    put(w, "kernel", m.kernel);
    put(w, "kernelTCP", m.kernel_tcp);
    put(w, "swappiness", m.swappiness);
    put(w, "disableOOMKiller", m.disable_oom_killer);
    put(w, "useHierarchy", m.use_hierarchy);
    put(w, "checkBeforeUpdate", m.check_before_update);
    w.end_object();
}

void write_value(Writer& w, const Cpu& c) {
    w.begin_object();
    put(w, "shares", c.shares);
    put(w, "quota", c.quota);
    put(w, "burst", c.burst);
    put(w, "period", c.period);
    put(w, "realtimeRuntime", c.realtime_runtime);
    put(w, "realtimePeriod", c.realtime_period);
    put_nonempty(w, "cpus", c.cpus);
    put_nonempty(w, "mems", c.mems);
    put(w, "idle", c.idle);
    w.end_object();
}

void write_value(Writer& w, const Pids& p) {
    w.begin_object();
    put(w, "limit", p.limit);
    w.end_object();
}

void write_value(Writer& w, const WeightDevice& d) {
    w.begin_object();
    put(w, "major", d.major);
    put(w, "minor", d.minor);
    put(w, "weight", d.weight);
    put(w, "leafWeight", d.leaf_weight);
    w.end_object();
}

void write_value(Writer& w, const ThrottleDevice& d) {
    w.begin_object();
    put(w, "major", d.major);
    put(w, "minor", d.minor);
    put(w, "rate", d.rate);
    w.end_object();
}

void write_value(Writer& w, const BlockIo& b) {
    w.begin_object();
    put(w, "weight", b.weight);
    put(w, "leafWeight", b.leaf_weight);
    put_nonempty(w, "weightDevice", b.weight_device);
    put_nonempty(w, "throttleReadBpsDevice", b.throttle_read_bps_device);
    put_nonempty(w, "throttleWriteBpsDevice", b.throttle_write_bps_device);
    put_nonempty(w, "throttleReadIOPSDevice", b.throttle_read_iops_device);
    put_nonempty(w, "throttleWriteIOPSDevice", b.throttle_write_iops_device);
    w.end_object();
}

void write_value(Writer& w, const HugepageLimit& h) {
    w.begin_object();
    put(w, "pageSize", h.page_size);
    put(w, "limit", h.limit);
    w.end_object();
}

void write_value(Writer& w, const InterfacePriority& p) {
    w.begin_object();
    put(w, "name", p.name);
    put(w, "priority", p.priority);
    w.end_object();
}

void write_value(Writer& w, const Network& n) {
    w.begin_object();
    put(w, "classID", n.class_id);
    put_nonempty(w, "priorities", n.priorities);
    w.end_object();
}

void write_value(Writer& w, const Rdma& rdma) {
    w.begin_object();
    put(w, "hcaHandles", rdma.hca_handles);
    put(w, "hcaObjects", rdma.hca_objects);
    w.end_object();
}

void write_value(Writer& w, const Resources& r) {
    w.begin_object();
    put_nonempty(w, "devices", r.devices);
    put(w, "memory", r.memory);
    put(w, "cpu", r.cpu);
    put(w, "pids", r.pids);
    put(w, "blockIO", r.block_io);
    put_nonempty(w, "hugepageLimits", r.hugepage_limits);
    put(w, "network", r.network);
    put_nonempty(w, "rdma", r.rdma);
    put_nonempty(w, "unified", r.unified);
    w.end_object();
}

void write_value(Writer& w, const IntelRdt& i) {
    w.begin_object();
    put_nonempty(w, "closID", i.clos_id);
    put_nonempty(w, "schemata", i.schemata);
    put_nonempty(w, "l3CacheSchema", i.l3_cache_schema);
    put_nonempty(w, "memBwSchema", i.mem_bw_schema);
    put_true(w, "enableMonitoring", i.enable_monitoring);
    w.end_object();
}

void write_value(Writer& w, const MemoryPolicy& m) {
    w.begin_object();
    put(w, "mode", m.mode);
    put_nonempty(w, "nodes", m.nodes);
    put_nonempty(w, "flags", m.flags);
    w.end_object();
}

void write_value(Writer& w, const SeccompArg& a) {
    w.begin_object();
    put(w, "index", a.index);
    put(w, "value", a.value);
    if (a.value_two != 0) {
        put(w, "valueTwo", a.value_two);
    }
    put(w, "op", a.op);
    w.end_object();
}

void write_value(Writer& w, const SeccompSyscall& s) {
    w.begin_object();
    put(w, "names", s.names);
    put(w, "action", s.action);
    put(w, "errnoRet", s.errno_ret);
    put_nonempty(w, "args", s.args);
    w.end_object();
}

void write_value(Writer& w, const Seccomp& s) {
    w.begin_object();
    put(w, "defaultAction", s.default_action);
    put(w, "defaultErrnoRet", s.default_errno_ret);
    put_nonempty(w, "architectures", s.architectures);
    put_nonempty(w, "flags", s.flags);
    put_nonempty(w, "listenerPath", s.listener_path);
    put_nonempty(w, "listenerMetadata", s.listener_metadata);
    put_nonempty(w, "syscalls", s.syscalls);
    w.end_object();
}

void write_value(Writer& w, const Personality& p) {
    w.begin_object();
    put(w, "domain", p.domain);
    put_nonempty(w, "flags", p.flags);
    w.end_object();
}

void write_value(Writer& w, const LinuxConfig& l) {
    w.begin_object();
    put_nonempty(w, "namespaces", l.namespaces);
    put_nonempty(w, "uidMappings", l.uid_mappings);
    put_nonempty(w, "gidMappings", l.gid_mappings);
    put_nonempty(w, "timeOffsets", l.time_offsets);
    put_nonempty(w, "devices", l.devices);
    put_nonempty(w, "netDevices", l.net_devices);
    put_nonempty(w, "cgroupsPath", l.cgroups_path);
    put(w, "resources", l.resources);
    put(w, "intelRdt", l.intel_rdt);
    put(w, "memoryPolicy", l.memory_policy);
    put_nonempty(w, "sysctl", l.sysctl);
    put(w, "seccomp", l.seccomp);
    put_nonempty(w, "rootfsPropagation", l.rootfs_propagation);
    put_nonempty(w, "maskedPaths", l.masked_paths);
    put_nonempty(w, "readonlyPaths", l.readonly_paths);
    put_nonempty(w, "mountLabel", l.mount_label);
    put(w, "personality", l.personality);
    w.end_object();
}

void write_value(Writer& w, const Config& c) {
    w.begin_object();
    put(w, "ociVersion", c.oci_version);
    put(w, "process", c.process);
    put(w, "root", c.root);
    put_nonempty(w, "hostname", c.hostname);
    put_nonempty(w, "domainname", c.domainname);
    put_nonempty(w, "mounts", c.mounts);
    put(w, "hooks", c.hooks);
    put_nonempty(w, "annotations", c.annotations);
    put(w, "linux", c.linux_);
    w.end_object();
}

}  // namespace

std::string to_json(const Config& config, bool pretty) {
    Writer w(pretty);
    write_value(w, config);
    return w.str();
}

std::string to_json(const Process& process, bool pretty) {
    Writer w(pretty);
    write_value(w, process);
    return w.str();
}

}  // namespace berth::oci
