// Readers for the "linux" section of config.json (runtime-spec config-linux.md).
#include "oci/parse.hpp"
#include "oci/parse_reader.hpp"

#include <array>

namespace berth::oci::detail {

namespace {

constexpr std::array<std::string_view, 4> kDeviceTypes = {"c", "b", "u", "p"};
constexpr std::array<std::string_view, 3> kCgroupDeviceTypes = {"a", "c", "b"};
constexpr std::array<std::string_view, 2> kClocks = {"monotonic", "boottime"};
// config-linux.md#rootfs-mount-propagation lists the first four; the recursive forms
// are what runc and crun also accept, and mean the same for a single rootfs mount.
constexpr std::array<std::string_view, 8> kPropagations = {
    "shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable",
};
constexpr std::array<std::string_view, 7> kMempolicyModes = {
    "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
    "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",
};
constexpr std::array<std::string_view, 3> kMempolicyFlags = {
    "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES",
};
constexpr std::array<std::string_view, 2> kPersonalityDomains = {"LINUX", "LINUX32"};
constexpr std::array<std::string_view, 9> kSeccompActions = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",        "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",
};
constexpr std::array<std::string_view, 7> kSeccompOperators = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
    "SCMP_CMP_MASKED_EQ",
};
constexpr std::array<std::string_view, 23> kSeccompArchs = {
    "SCMP_ARCH_X86",       "SCMP_ARCH_X86_64",  "SCMP_ARCH_X32",      "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",   "SCMP_ARCH_MIPS",    "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",     "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",      "SCMP_ARCH_SH",      "SCMP_ARCH_SHEB",
};
constexpr std::array<std::string_view, 4> kSeccompFlags = {
    "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

const EnumSet kSeccompActionSet{kSeccompActions, "seccomp action"};

// config-linux.md#seccomp: "Some actions like SCMP_ACT_ERRNO and SCMP_ACT_TRACE allow
// to specify the errno code to return. When the action doesn't support an errno, the
// runtime MUST print and error and fail."
void check_errno_action(Reader& r, std::string_view key, const std::string& action) {
    if (action != "SCMP_ACT_ERRNO" && action != "SCMP_ACT_TRACE") {
        auto segment = r.at(key);
        r.fail("not allowed with action {}", quote(action));
    }
}

}  // namespace

// runtime-spec config-linux.md#namespaces
void read_value(Reader& r, Value& v, Namespace& out) {
    r.expect(v, Value::Kind::object);
    std::string type;
    r.req(v, "type", type);
    auto parsed = namespace_type_from_string(type);
    if (!parsed) {
        auto segment = r.at("type");
        r.fail("unknown namespace type {}", quote(type));
    }
    out.type = *parsed;
    if (r.opt(v, "path", out.path)) {
        auto segment = r.at("path");
        check_absolute(r, out.path);
    }
}

// runtime-spec config-linux.md#offset-for-time-namespace
void read_value(Reader& r, Value& v, TimeOffset& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "secs", out.secs);
    // time_namespaces(7): the kernel rejects a nanosecond offset of a second or more.
    if (r.opt(v, "nanosecs", out.nanosecs) && out.nanosecs >= 1'000'000'000U) {
        auto segment = r.at("nanosecs");
        r.fail("value {} out of range 0..999999999", out.nanosecs);
    }
}

// runtime-spec config-linux.md#devices
void read_value(Reader& r, Value& v, Device& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "type", out.type, EnumSet{kDeviceTypes, "device type"});
    r.req(v, "path", out.path);
    {
        auto segment = r.at("path");
        check_absolute(r, out.path);
    }
    // "major, minor (int64, REQUIRED unless type is p)"
    if (out.type == "p") {
        r.opt(v, "major", out.major);
        r.opt(v, "minor", out.minor);
    } else {
        r.req(v, "major", out.major);
        r.req(v, "minor", out.minor);
    }
    r.opt(v, "fileMode", out.file_mode);
    r.opt(v, "uid", out.uid);
    r.opt(v, "gid", out.gid);
}

// runtime-spec config-linux.md#network-devices
void read_value(Reader& r, Value& v, NetDevice& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "name", out.name);
}

// runtime-spec config-linux.md#allowed-device-list
void read_value(Reader& r, Value& v, DeviceCgroupRule& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "allow", out.allow);
    r.opt(v, "type", out.type, EnumSet{kCgroupDeviceTypes, "device type"});
    r.opt(v, "major", out.major);
    r.opt(v, "minor", out.minor);
    if (r.opt(v, "access", out.access) &&
        out.access.find_first_not_of("rwm") != std::string::npos) {
        auto segment = r.at("access");
        r.fail("{} is not a combination of r, w and m", quote(out.access));
    }
}

// runtime-spec config-linux.md#memory
void read_value(Reader& r, Value& v, Memory& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "limit", out.limit);
    r.opt(v, "reservation", out.reservation);
    r.opt(v, "swap", out.swap);
    r.opt(v, "kernel", out.kernel);
    r.opt(v, "kernelTCP", out.kernel_tcp);
    r.opt(v, "swappiness", out.swappiness);
    r.opt(v, "disableOOMKiller", out.disable_oom_killer);
    r.opt(v, "useHierarchy", out.use_hierarchy);
    r.opt(v, "checkBeforeUpdate", out.check_before_update);
}

// runtime-spec config-linux.md#cpu
void read_value(Reader& r, Value& v, Cpu& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "shares", out.shares);
    r.opt(v, "quota", out.quota);
    r.opt(v, "burst", out.burst);
    r.opt(v, "period", out.period);
    r.opt(v, "realtimeRuntime", out.realtime_runtime);
    r.opt(v, "realtimePeriod", out.realtime_period);
    r.opt(v, "cpus", out.cpus);
    r.opt(v, "mems", out.mems);
    r.opt(v, "idle", out.idle);
}

void read_value(Reader& r, Value& v, Pids& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "limit", out.limit);
}

// runtime-spec config-linux.md#block-io
void read_value(Reader& r, Value& v, WeightDevice& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "major", out.major);
    r.req(v, "minor", out.minor);
    r.opt(v, "weight", out.weight);
    r.opt(v, "leafWeight", out.leaf_weight);
}

void read_value(Reader& r, Value& v, ThrottleDevice& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "major", out.major);
    r.req(v, "minor", out.minor);
    r.req(v, "rate", out.rate);
}

void read_value(Reader& r, Value& v, BlockIo& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "weight", out.weight);
    r.opt(v, "leafWeight", out.leaf_weight);
    r.opt(v, "weightDevice", out.weight_device);
    r.opt(v, "throttleReadBpsDevice", out.throttle_read_bps_device);
    r.opt(v, "throttleWriteBpsDevice", out.throttle_write_bps_device);
    r.opt(v, "throttleReadIOPSDevice", out.throttle_read_iops_device);
    r.opt(v, "throttleWriteIOPSDevice", out.throttle_write_iops_device);
}

void read_value(Reader& r, Value& v, HugepageLimit& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "pageSize", out.page_size);
    r.req(v, "limit", out.limit);
}

void read_value(Reader& r, Value& v, InterfacePriority& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "name", out.name);
    r.req(v, "priority", out.priority);
}

void read_value(Reader& r, Value& v, Network& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "classID", out.class_id);
    r.opt(v, "priorities", out.priorities);
}

// runtime-spec config-linux.md#rdma: "You MUST specify at least one of the hcaHandles
// or hcaObjects in a given entry".
void read_value(Reader& r, Value& v, Rdma& out) {
    r.expect(v, Value::Kind::object);
    bool handles = r.opt(v, "hcaHandles", out.hca_handles);
    bool objects = r.opt(v, "hcaObjects", out.hca_objects);
    if (!handles && !objects) {
        r.fail("needs hcaHandles or hcaObjects");
    }
}

// runtime-spec config-linux.md#control-groups
void read_value(Reader& r, Value& v, Resources& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "devices", out.devices);
    r.opt(v, "memory", out.memory);
    r.opt(v, "cpu", out.cpu);
    r.opt(v, "pids", out.pids);
    r.opt(v, "blockIO", out.block_io);
    r.opt(v, "hugepageLimits", out.hugepage_limits);
    r.opt(v, "network", out.network);
    r.opt(v, "rdma", out.rdma);
    r.opt(v, "unified", out.unified);
}

// runtime-spec config-linux.md#intelrdt
void read_value(Reader& r, Value& v, IntelRdt& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "closID", out.clos_id);
    r.opt(v, "l3CacheSchema", out.l3_cache_schema);
    if (r.opt(v, "memBwSchema", out.mem_bw_schema) &&
        (!out.mem_bw_schema.starts_with("MB:") || out.mem_bw_schema.find('\n') != std::string::npos)) {
        auto segment = r.at("memBwSchema");
        r.fail("must start with \"MB:\" and be one line");
    }
    r.opt(v, "schemata", out.schemata);
    for (std::size_t i = 0; i < out.schemata.size(); ++i) {
        if (out.schemata[i].find('\n') != std::string::npos) {
            auto s1 = r.at("schemata");
            auto s2 = r.at(i);
            r.fail("must not contain a newline");
        }
    }
    r.opt(v, "enableMonitoring", out.enable_monitoring);
}

// runtime-spec config-linux.md#memory-policy
void read_value(Reader& r, Value& v, MemoryPolicy& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "mode", out.mode, EnumSet{kMempolicyModes, "memory policy mode"});
    r.opt(v, "nodes", out.nodes);
    r.opt(v, "flags", out.flags, EnumSet{kMempolicyFlags, "memory policy flag"});
    // set_mempolicy(2): DEFAULT and LOCAL take no nodes; BIND, INTERLEAVE (plain and
    // weighted) and PREFERRED_MANY need at least one. PREFERRED takes either.
    bool no_nodes = out.mode == "MPOL_DEFAULT" || out.mode == "MPOL_LOCAL";
    bool needs_nodes = !no_nodes && out.mode != "MPOL_PREFERRED";
    if ((no_nodes && !out.nodes.empty()) || (needs_nodes && out.nodes.empty())) {
        auto segment = r.at("nodes");
        r.fail("{} with {}", no_nodes ? "must be empty" : "must not be empty", quote(out.mode));
    }
}

// runtime-spec config-linux.md#seccomp
void read_value(Reader& r, Value& v, SeccompArg& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "index", out.index);
    // Six syscall arguments exist (seccomp_data.args[6]).
    if (out.index >= 6) {
        auto segment = r.at("index");
        r.fail("value {} out of range 0..5", out.index);
    }
    r.req(v, "value", out.value);
    r.opt(v, "valueTwo", out.value_two);
    r.req(v, "op", out.op, EnumSet{kSeccompOperators, "seccomp operator"});
}

void read_value(Reader& r, Value& v, SeccompSyscall& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "names", out.names);
    if (out.names.empty()) {
        auto segment = r.at("names");
        r.fail("must contain at least one entry");
    }
    for (std::size_t i = 0; i < out.names.size(); ++i) {
        if (out.names[i].empty()) {
            auto s1 = r.at("names");
            auto s2 = r.at(i);
            r.fail("must not be empty");
        }
    }
    r.req(v, "action", out.action, kSeccompActionSet);
    if (r.opt(v, "errnoRet", out.errno_ret)) {
        check_errno_action(r, "errnoRet", out.action);
    }
    r.opt(v, "args", out.args);
}

void read_value(Reader& r, Value& v, Seccomp& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "defaultAction", out.default_action, kSeccompActionSet);
    if (r.opt(v, "defaultErrnoRet", out.default_errno_ret)) {
        check_errno_action(r, "defaultErrnoRet", out.default_action);
    }
    r.opt(v, "architectures", out.architectures, EnumSet{kSeccompArchs, "seccomp architecture"});
    r.opt(v, "flags", out.flags, EnumSet{kSeccompFlags, "seccomp flag"});
    r.opt(v, "listenerPath", out.listener_path);
    r.opt(v, "listenerMetadata", out.listener_metadata);
    r.opt(v, "syscalls", out.syscalls);
    // "listenerMetadata ... MUST NOT be set if listenerPath is not set."
    if (!out.listener_metadata.empty() && out.listener_path.empty()) {
        auto segment = r.at("listenerMetadata");
        r.fail("requires listenerPath");
    }
    // The runtime must hand the notify fd to listenerPath; without one it cannot.
    bool notify = out.default_action == "SCMP_ACT_NOTIFY";
    for (const SeccompSyscall& call : out.syscalls) {
        notify = notify || call.action == "SCMP_ACT_NOTIFY";
    }
    if (notify && out.listener_path.empty()) {
        auto segment = r.at("listenerPath");
        r.fail("required when SCMP_ACT_NOTIFY is used");
    }
}

// runtime-spec config-linux.md#personality: "Currently no flag values are supported."
void read_value(Reader& r, Value& v, Personality& out) {
    r.expect(v, Value::Kind::object);
    r.req(v, "domain", out.domain, EnumSet{kPersonalityDomains, "personality domain"});
    r.opt(v, "flags", out.flags, EnumSet{{}, "personality flag"});
}

namespace {

// config-linux.md#namespaces: "If a namespaces field contains duplicated namespaces
// with same type, the runtime MUST generate an error."
void check_unique_namespaces(Reader& r, const std::vector<Namespace>& namespaces) {
    unsigned seen = 0;
    for (std::size_t i = 0; i < namespaces.size(); ++i) {
        unsigned bit = 1U << static_cast<unsigned>(namespaces[i].type);
        if ((seen & bit) != 0) {
            auto s1 = r.at("namespaces");
            auto s2 = r.at(i);
            auto s3 = r.at("type");
            r.fail("duplicate namespace type {}", quote(to_string(namespaces[i].type)));
        }
        seen |= bit;
    }
}

// Settings that only mean something inside a namespace the config does not ask for.
void check_namespace_needs(Reader& r, const LinuxConfig& out) {
    auto need = [&](bool present, std::string_view key, NamespaceType type) {
        if (present && !out.has_namespace(type)) {
            auto segment = r.at(key);
            r.fail("requires a {} namespace", to_string(type));
        }
    };
    need(!out.uid_mappings.empty(), "uidMappings", NamespaceType::user);
    need(!out.gid_mappings.empty(), "gidMappings", NamespaceType::user);
    need(!out.time_offsets.empty(), "timeOffsets", NamespaceType::time);
    need(!out.net_devices.empty(), "netDevices", NamespaceType::network);
}

void check_clocks(Reader& r, const std::map<std::string, TimeOffset>& offsets) {
    const EnumSet clocks{kClocks, "clock"};
    for (const auto& [clock, offset] : offsets) {
        auto s1 = r.at("timeOffsets");
        auto s2 = r.at(clock);
        r.check_enum(clock, clocks);
    }
}

}  // namespace

// runtime-spec config-linux.md
void read_value(Reader& r, Value& v, LinuxConfig& out) {
    r.expect(v, Value::Kind::object);
    r.opt(v, "namespaces", out.namespaces);
    check_unique_namespaces(r, out.namespaces);
    r.opt(v, "uidMappings", out.uid_mappings);
    r.opt(v, "gidMappings", out.gid_mappings);
    r.opt(v, "timeOffsets", out.time_offsets);
    check_clocks(r, out.time_offsets);
    r.opt(v, "devices", out.devices);
    r.opt(v, "netDevices", out.net_devices);
    check_namespace_needs(r, out);
    r.opt(v, "cgroupsPath", out.cgroups_path);
    r.opt(v, "resources", out.resources);
    r.opt(v, "intelRdt", out.intel_rdt);
    r.opt(v, "memoryPolicy", out.memory_policy);
    r.opt(v, "sysctl", out.sysctl);
    r.opt(v, "seccomp", out.seccomp);
    r.opt(v, "rootfsPropagation", out.rootfs_propagation, EnumSet{kPropagations, "propagation"});
    r.opt(v, "maskedPaths", out.masked_paths);
    r.opt(v, "readonlyPaths", out.readonly_paths);
    {
        auto segment = r.at("maskedPaths");
        check_absolute(r, out.masked_paths);
    }
    {
        auto segment = r.at("readonlyPaths");
        check_absolute(r, out.readonly_paths);
    }
    r.opt(v, "mountLabel", out.mount_label);
    r.opt(v, "personality", out.personality);
}

}  // namespace berth::oci::detail

namespace berth::oci {

Resources parse_resources(std::string_view text, std::string_view source) {
    json::Value doc = json::parse(text, source);
    detail::Reader reader(source);
    Resources resources;
    detail::read_value(reader, doc, resources);
    return resources;
}

}  // namespace berth::oci
