// Malformed config.json documents: each is rejected with one line naming the JSON path
// and the reason. Most cases patch one value of a small valid document.
#include "oci/json.hpp"
#include "oci/parse.hpp"
#include "test_util.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

namespace berth::oci {
namespace {

constexpr const char* kBase = R"({
  "ociVersion": "1.0.2",
  "root": {"path": "rootfs"},
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
  "process": {
    "user": {"uid": 0, "gid": 0},
    "args": ["sh"],
    "cwd": "/",
    "capabilities": {"bounding": ["CAP_KILL"]},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
  },
  "hooks": {"prestart": [{"path": "/bin/true"}]},
  "annotations": {"com.example.key": "v"},
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}],
    "resources": {"devices": [{"allow": false, "access": "rwm"}]},
    "seccomp": {
      "defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
                    "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]
    }
  }
})";

// One malformed document: kBase with `value` (raw JSON) set at the '/'-separated
// `path`, or the member at `path` removed when value is nullptr. With an empty path,
// `value` is the whole document.
struct Case {
    const char* path;
    const char* value;
    const char* error;  // the expected message after "config.json: "
    const char* path2 = nullptr;  // an optional second patch, applied first
    const char* value2 = nullptr;
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
    return os << (*c.path != 0 ? c.path : "<document>") << " = " << (c.value != nullptr ? c.value : "<deleted>");
}

json::Value* step(json::Value& v, const std::string& seg, bool create) {
    if (v.kind == json::Value::Kind::array) {
        std::size_t i = std::stoul(seg);
        if (i == v.items.size() && create) {
            v.items.emplace_back();
        }
        return &v.items.at(i);
    }
    if (json::Value* found = v.find(seg)) {
        return found;
    }
    if (!create) {
        throw std::runtime_error("no member " + seg);
    }
    v.kind = json::Value::Kind::object;
    return &v.members.emplace_back(seg, json::Value{}).second;
}

void patch(json::Value& doc, const char* path, const char* value) {
    std::vector<std::string> segs;
    std::string_view p = path;
    for (std::size_t slash; (slash = p.find('/')) != std::string_view::npos; p.remove_prefix(slash + 1)) {
        segs.emplace_back(p.substr(0, slash));
    }
    segs.emplace_back(p);
    json::Value* parent = &doc;
    for (std::size_t i = 0; i + 1 < segs.size(); ++i) {
        parent = step(*parent, segs[i], true);
    }
    if (value != nullptr) {
        *step(*parent, segs.back(), true) = json::parse(value);
    } else if (parent->kind == json::Value::Kind::array) {
        parent->items.erase(parent->items.begin() + std::stol(segs.back()));
    } else {
        std::erase_if(parent->members, [&](const auto& m) { return m.first == segs.back(); });
    }
}

std::string patched(const Case& c) {
    if (*c.path == 0) {
        return c.value;
    }
    json::Value doc = json::parse(kBase);
    if (c.path2 != nullptr) {
        patch(doc, c.path2, c.value2);
    }
    patch(doc, c.path, c.value);
    json::Writer w;
    w.value(doc);
    return w.str();
}

const std::string kHugeString = [] {
    std::string s(1 << 20, 'x');
    s.front() = s.back() = '"';
    return s;
}();
const std::string kHugeNumber = std::string(1000, '9');
const std::string kDeep = std::string(101, '[') + std::string(101, ']');
const std::string kDeepObject = [] {
    std::string s;
    for (int i = 0; i < 120; ++i) {
        s += "{\"a\":";
    }
    return s + "1" + std::string(120, '}');
}();

const Case kCases[] = {
    // Syntax: line and column of the offending byte.
    {"", "", "line 1, column 1: empty document"},
    {"", " \n\t ", "line 1, column 1: empty document"},
    {"", "{", "line 1, column 2: premature EOF"},
    {"", "{\"ociVersion\": \"1.0.0\",}", "line 1, column 24: invalid object key (must be a string)"},
    {"", "{\n  \"ociVersion\": \"1.0.0\"\n  \"root\": {}\n}", "line 3, column 3: after key and value, inside map, I expect ',' or '}'"},
    {"", "{\"ociVersion\": \"1.0.0\"} x", "line 1, column 25: trailing garbage"},
    {"", "{\"a\": 1} {\"b\": 2}", "line 1, column 10: trailing garbage"},
    {"", "// comment\n{}", "line 1, column 1: probable comment found in input text, comments are not enabled"},
    {"", "{\"ociVersion\": \"1.0\xff\"}", "line 1, column 20: invalid bytes in UTF8 string"},
    {"", "{\"ociVersion\": '1.0.0'}", "line 1, column 16: invalid char in json text"},
    {"", "{\"a\": tru}", "line 1, column 10: invalid string in json text"},
    {"", "{\"a\": 01}", "line 1, column 8: after key and value, inside map, I expect ',' or '}'"},
    {"", kDeep.c_str(), "line 1, column 101: nesting deeper than 100 levels"},
    {"", kDeepObject.c_str(), "line 1, column 501: nesting deeper than 100 levels"},
    {"", "[]", ".: expected object, got array"},
    {"", "\"1.0.0\"", ".: expected object, got string"},
    {"", "null", ".: expected object, got null"},
    // Wrong types.
    {"ociVersion", "1", ".ociVersion: expected string, got number"},
    {"root", "\"rootfs\"", ".root: expected object, got string"},
    {"root/readonly", "\"yes\"", ".root.readonly: expected boolean, got string"},
    {"mounts", "{}", ".mounts: expected array, got object"},
    {"mounts/0", "\"/proc\"", ".mounts[0]: expected object, got string"},
    {"mounts/0/options", "\"ro\"", ".mounts[0].options: expected array, got string"},
    {"process/args", "\"sh\"", ".process.args: expected array, got string"},
    {"process/args/1", "5", ".process.args[1]: expected string, got number"},
    {"process/env", "{}", ".process.env: expected array, got object"},
    {"process/terminal", "1", ".process.terminal: expected boolean, got number"},
    {"process/user/uid", "\"0\"", ".process.user.uid: expected integer, got string"},
    {"process/user/additionalGids", "[1, true]", ".process.user.additionalGids[1]: expected integer, got boolean"},
    {"annotations/com.example.key", "1", ".annotations[\"com.example.key\"]: expected string, got number"},
    {"annotations/plain_key", "[]", ".annotations.plain_key: expected string, got array"},
    {"annotations", "[]", ".annotations: expected object, got array"},
    {"linux", "[]", ".linux: expected object, got array"},
    {"linux/sysctl/kernel.msgmax", "8192", ".linux.sysctl[\"kernel.msgmax\"]: expected string, got number"},
    {"linux/resources/memory/limit", "\"1G\"", ".linux.resources.memory.limit: expected integer, got string"},
    {"linux/resources/memory/disableOOMKiller", "0", ".linux.resources.memory.disableOOMKiller: expected boolean, got number"},
    // Missing required fields.
    {"ociVersion", nullptr, ".ociVersion: missing required field"},
    {"ociVersion", "null", ".ociVersion: missing required field"},
    {"root/path", nullptr, ".root.path: missing required field"},
    {"process/cwd", nullptr, ".process.cwd: missing required field"},
    {"process/args", nullptr, ".process.args: missing required field"},
    {"process/user/gid", nullptr, ".process.user.gid: missing required field"},
    {"process/consoleSize", "{\"height\": 1}", ".process.consoleSize.width: missing required field"},
    {"process/rlimits/0/hard", nullptr, ".process.rlimits[0].hard: missing required field"},
    {"process/rlimits/0/type", nullptr, ".process.rlimits[0].type: missing required field"},
    {"process/scheduler", "{\"nice\": 1}", ".process.scheduler.policy: missing required field"},
    {"process/ioPriority", "{\"class\": \"IOPRIO_CLASS_BE\"}", ".process.ioPriority.priority: missing required field"},
    {"mounts/0/destination", nullptr, ".mounts[0].destination: missing required field"},
    {"hooks/prestart/0/path", nullptr, ".hooks.prestart[0].path: missing required field"},
    {"linux/namespaces/1/type", nullptr, ".linux.namespaces[1].type: missing required field"},
    {"linux/devices", "[{\"type\": \"c\", \"path\": \"/dev/x\", \"major\": 1}]", ".linux.devices[0].minor: missing required field"},
    {"linux/devices", "[{\"path\": \"/dev/x\"}]", ".linux.devices[0].type: missing required field"},
    {"linux/devices", "[{\"type\": \"b\", \"major\": 1, \"minor\": 2}]", ".linux.devices[0].path: missing required field"},
    {"linux/seccomp/defaultAction", nullptr, ".linux.seccomp.defaultAction: missing required field"},
    {"linux/seccomp/syscalls/0/names", nullptr, ".linux.seccomp.syscalls[0].names: missing required field"},
    {"linux/seccomp/syscalls/0/action", nullptr, ".linux.seccomp.syscalls[0].action: missing required field"},
    {"linux/seccomp/syscalls/0/args/0/op", nullptr, ".linux.seccomp.syscalls[0].args[0].op: missing required field"},
    {"linux/seccomp/syscalls/0/args/0/index", nullptr, ".linux.seccomp.syscalls[0].args[0].index: missing required field"},
    {"linux/seccomp/syscalls/0/args/0/value", nullptr, ".linux.seccomp.syscalls[0].args[0].value: missing required field"},
    {"linux/resources/devices/0/allow", nullptr, ".linux.resources.devices[0].allow: missing required field"},
    {"linux/resources/hugepageLimits", "[{\"pageSize\": \"2MB\"}]", ".linux.resources.hugepageLimits[0].limit: missing required field"},
    {"linux/resources/network/priorities", "[{\"priority\": 1}]", ".linux.resources.network.priorities[0].name: missing required field"},
    {"linux/resources/blockIO/weightDevice", "[{\"minor\": 0}]", ".linux.resources.blockIO.weightDevice[0].major: missing required field"},
    {"linux/resources/blockIO/throttleReadBpsDevice", "[{\"major\": 8, \"minor\": 0}]", ".linux.resources.blockIO.throttleReadBpsDevice[0].rate: missing required field"},
    {"linux/resources/rdma/mlx5_1", "{}", ".linux.resources.rdma.mlx5_1: needs hcaHandles or hcaObjects"},
    {"linux/memoryPolicy", "{\"nodes\": \"0\"}", ".linux.memoryPolicy.mode: missing required field"},
    {"linux/personality", "{}", ".linux.personality.domain: missing required field"},
    // Unknown enum values.
    {"linux/namespaces/2/type", "\"foo\"", ".linux.namespaces[2].type: unknown namespace type \"foo\""},
    {"linux/namespaces/2/type", "\"net\"", ".linux.namespaces[2].type: unknown namespace type \"net\""},
    {"process/rlimits/0/type", "\"RLIMIT_FOO\"", ".process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
    {"process/capabilities/bounding/1", "\"CAP_FOO\"", ".process.capabilities.bounding[1]: unknown capability \"CAP_FOO\""},
    {"process/capabilities/ambient", "[\"chown\"]", ".process.capabilities.ambient[0]: unknown capability \"chown\""},
    {"process/scheduler", "{\"policy\": \"SCHED_NORMAL\"}", ".process.scheduler.policy: unknown scheduler policy \"SCHED_NORMAL\""},
    {"process/scheduler", "{\"policy\": \"SCHED_RR\", \"flags\": [\"SCHED_FLAG_X\"]}", ".process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_X\""},
    {"process/ioPriority", "{\"class\": \"IOPRIO_CLASS_NONE\", \"priority\": 0}", ".process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\""},
    {"linux/seccomp/defaultAction", "\"SCMP_ACT_FOO\"", ".linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\""},
    {"linux/seccomp/syscalls/0/action", "\"allow\"", ".linux.seccomp.syscalls[0].action: unknown seccomp action \"allow\""},
    {"linux/seccomp/syscalls/0/args/0/op", "\"SCMP_CMP_FOO\"", ".linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_FOO\""},
    {"linux/seccomp/architectures", "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_VAX\"]", ".linux.seccomp.architectures[1]: unknown seccomp architecture \"SCMP_ARCH_VAX\""},
    {"linux/seccomp/flags", "[\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]", ".linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\""},
    {"linux/rootfsPropagation", "\"rec\"", ".linux.rootfsPropagation: unknown propagation \"rec\""},
    {"linux/memoryPolicy", "{\"mode\": \"MPOL_FOO\"}", ".linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_FOO\""},
    {"linux/memoryPolicy", "{\"mode\": \"MPOL_LOCAL\", \"flags\": [\"MPOL_F_X\"]}", ".linux.memoryPolicy.flags[0]: unknown memory policy flag \"MPOL_F_X\""},
    {"linux/personality", "{\"domain\": \"LINUX64\"}", ".linux.personality.domain: unknown personality domain \"LINUX64\""},
    {"linux/personality", "{\"domain\": \"LINUX\", \"flags\": [\"ADDR_NO_RANDOMIZE\"]}", ".linux.personality.flags[0]: unknown personality flag \"ADDR_NO_RANDOMIZE\""},
    {"linux/devices", "[{\"type\": \"x\", \"path\": \"/dev/x\"}]", ".linux.devices[0].type: unknown device type \"x\""},
    {"linux/resources/devices/0/type", "\"u\"", ".linux.resources.devices[0].type: unknown device type \"u\""},
    {"linux/resources/devices/0/access", "\"rwx\"", ".linux.resources.devices[0].access: \"rwx\" is not a combination of r, w and m"},
    // Integer ranges, read exactly from the source text.
    {"process/user/uid", "4294967296", ".process.user.uid: value 4294967296 out of range for uint32"},
    {"process/user/uid", "-1", ".process.user.uid: value -1 out of range for uint32"},
    {"process/user/uid", "1.5", ".process.user.uid: expected integer, got 1.5"},
    {"process/user/uid", "1e3", ".process.user.uid: expected integer, got 1e3"},
    {"process/user/uid", "0.0", ".process.user.uid: expected integer, got 0.0"},
    {"process/rlimits/0/hard", "18446744073709551616", ".process.rlimits[0].hard: value 18446744073709551616 out of range for uint64"},
    {"process/rlimits/0/soft", "-18446744073709551615", ".process.rlimits[0].soft: value -18446744073709551615 out of range for uint64"},
    {"process/oomScoreAdj", "2147483648", ".process.oomScoreAdj: value 2147483648 out of range for int32"},
    {"process/oomScoreAdj", "-2147483649", ".process.oomScoreAdj: value -2147483649 out of range for int32"},
    {"process/ioPriority", "{\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 8}", ".process.ioPriority.priority: value 8 out of range 0..7"},
    {"linux/devices", "[{\"type\": \"c\", \"path\": \"/dev/x\", \"major\": 9223372036854775808, \"minor\": 0}]", ".linux.devices[0].major: value 9223372036854775808 out of range for int64"},
    {"linux/resources/blockIO/weight", "65536", ".linux.resources.blockIO.weight: value 65536 out of range for uint16"},
    {"linux/resources/memory/swappiness", "-1", ".linux.resources.memory.swappiness: value -1 out of range for uint64"},
    {"linux/resources/pids/limit", kHugeNumber.c_str(), ".linux.resources.pids.limit: value 9999999999999999999999999999999999999999999999999999999999999999... out of range for int64"},
    {"linux/seccomp/syscalls/0/args/0/index", "6", ".linux.seccomp.syscalls[0].args[0].index: value 6 out of range 0..5"},
    {"hooks/prestart/0/timeout", "0", ".hooks.prestart[0].timeout: must be greater than zero"},
    {"hooks/prestart/0/timeout", "-5", ".hooks.prestart[0].timeout: must be greater than zero"},
    {"hooks/poststop", "[{\"path\": \"/x\", \"timeout\": 2.5}]", ".hooks.poststop[0].timeout: expected integer, got 2.5"},
    // Versions.
    {"ociVersion", "\"2.0.0\"", ".ociVersion: unsupported version \"2.0.0\": berth supports runtime-spec 1.x"},
    {"ociVersion", "\"0.5.0\"", ".ociVersion: unsupported version \"0.5.0\": berth supports runtime-spec 1.x"},
    {"ociVersion", "\"1.0\"", ".ociVersion: \"1.0\" is not a SemVer 2.0.0 version"},
    {"ociVersion", "\"01.0.0\"", ".ociVersion: \"01.0.0\" is not a SemVer 2.0.0 version"},
    {"ociVersion", "\"1.0.0-\"", ".ociVersion: \"1.0.0-\" is not a SemVer 2.0.0 version"},
    {"ociVersion", "\"garbage\"", ".ociVersion: \"garbage\" is not a SemVer 2.0.0 version"},
    {"ociVersion", "\"\"", ".ociVersion: \"\" is not a SemVer 2.0.0 version"},
    // Paths and other single-field rules.
    {"process/cwd", "\"home\"", ".process.cwd: \"home\" is not an absolute path"},
    {"process/args", "[]", ".process.args: must contain at least one entry"},
    {"hooks/createRuntime", "[{\"path\": \"bin/hook\"}]", ".hooks.createRuntime[0].path: \"bin/hook\" is not an absolute path"},
    {"linux/namespaces/2/path", "\"netns/a\"", ".linux.namespaces[2].path: \"netns/a\" is not an absolute path"},
    {"linux/maskedPaths", "[\"/proc/kcore\", \"proc/keys\"]", ".linux.maskedPaths[1]: \"proc/keys\" is not an absolute path"},
    {"linux/readonlyPaths", "[\"sys\"]", ".linux.readonlyPaths[0]: \"sys\" is not an absolute path"},
    {"linux/devices", "[{\"type\": \"p\", \"path\": \"fifo\"}]", ".linux.devices[0].path: \"fifo\" is not an absolute path"},
    {"root/path", "\"\"", ".root.path: must not be empty"},
    {"mounts/0/destination", "\"\"", ".mounts[0].destination: must not be empty"},
    {"linux/seccomp/syscalls/0/names", "[]", ".linux.seccomp.syscalls[0].names: must contain at least one entry"},
    {"linux/seccomp/syscalls/0/names", "[\"read\", \"\"]", ".linux.seccomp.syscalls[0].names[1]: must not be empty"},
    {"linux/timeOffsets", "{\"realtime\": {\"secs\": 1}}", ".linux.timeOffsets.realtime: unknown clock \"realtime\"", "linux/namespaces/3", "{\"type\": \"time\"}"},
    {"linux/timeOffsets", "{\"boottime\": {\"nanosecs\": 1000000000}}", ".linux.timeOffsets.boottime.nanosecs: value 1000000000 out of range 0..999999999", "linux/namespaces/3", "{\"type\": \"time\"}"},
    {"linux/timeOffsets", "{\"boottime\": {\"secs\": 9223372036854775808}}", ".linux.timeOffsets.boottime.secs: value 9223372036854775808 out of range for int64", "linux/namespaces/3", "{\"type\": \"time\"}"},
    {"linux/intelRdt", "{\"memBwSchema\": \"L3:0=1\"}", ".linux.intelRdt.memBwSchema: must start with \"MB:\" and be one line"},
    {"linux/intelRdt", "{\"schemata\": [\"L3:0=1\\nMB:0=2\"]}", ".linux.intelRdt.schemata[0]: must not contain a newline"},
    {"linux/memoryPolicy", "{\"mode\": \"MPOL_BIND\"}", ".linux.memoryPolicy.nodes: must not be empty with \"MPOL_BIND\""},
    {"linux/memoryPolicy", "{\"mode\": \"MPOL_DEFAULT\", \"nodes\": \"0\"}", ".linux.memoryPolicy.nodes: must be empty with \"MPOL_DEFAULT\""},
    {"annotations/", "\"v\"", ".annotations[\"\"]: key must not be empty"},
    {"annotations/a\"b\nc", "1", ".annotations[\"a\\\"b\\nc\"]: expected string, got number"},
    {"linux/namespaces/2/type", kHugeString.c_str(), ".linux.namespaces[2].type: unknown namespace type \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"..."},
    {"process/args/0", "\"a\\u0000b\"", ".process.args[0]: string contains a NUL character"},
    // Rules across fields.
    {"linux/namespaces/3", "{\"type\": \"pid\"}", ".linux.namespaces[3].type: duplicate namespace type \"pid\""},
    {"linux/namespaces/3", "{\"type\": \"network\", \"path\": \"/proc/1/ns/net\"}", ".linux.namespaces[3].type: duplicate namespace type \"network\""},
    {"linux/uidMappings", "[{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]", ".linux.uidMappings: requires a user namespace"},
    {"linux/gidMappings", "[{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]", ".linux.gidMappings: requires a user namespace"},
    {"linux/timeOffsets", "{\"monotonic\": {\"secs\": 1}}", ".linux.timeOffsets: requires a time namespace"},
    {"linux/netDevices", "{\"eth0\": {}}", ".linux.netDevices: requires a network namespace", "linux/namespaces/2", nullptr},
    {"linux/netDevices", "{\"\": {}}", ".linux.netDevices[\"\"]: key must not be empty"},
    {"linux/netDevices/eth0", "{\"name\": 1}", ".linux.netDevices.eth0.name: expected string, got number"},
    {"process/rlimits/1", "{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": 1}", ".process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\""},
    {"mounts/0/uidMappings", "[{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]", ".mounts[0].gidMappings: required when uidMappings is set"},
    {"mounts/0/gidMappings", "[{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]", ".mounts[0].uidMappings: required when gidMappings is set"},
    {"linux/seccomp/syscalls/0/action", "\"SCMP_ACT_NOTIFY\"", ".linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used"},
    {"linux/seccomp/defaultAction", "\"SCMP_ACT_NOTIFY\"", ".linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used"},
    {"linux/seccomp/listenerMetadata", "\"meta\"", ".linux.seccomp.listenerMetadata: requires listenerPath"},
    {"linux/seccomp/syscalls/1", "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}", ".linux.seccomp.syscalls[1].errnoRet: not allowed with action \"SCMP_ACT_ALLOW\""},
    {"linux/seccomp/syscalls/1", "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"errnoRet\": 1}", ".linux.seccomp.syscalls[1].errnoRet: not allowed with action \"SCMP_ACT_KILL\""},
    {"linux/seccomp/defaultErrnoRet", "1", ".linux.seccomp.defaultErrnoRet: not allowed with action \"SCMP_ACT_ALLOW\""},
};

BOOST_AUTO_TEST_SUITE(config_errors)

BOOST_DATA_TEST_CASE(malformed_config_is_rejected_with_path_and_reason, boost::unit_test::data::make(kCases), c) {
    std::string text = patched(c);
    BOOST_TEST(test::error_of([&] { parse_config(text); }) == std::string("config.json: ") + c.error);
}

BOOST_AUTO_TEST_CASE(there_are_many_cases) {
    BOOST_TEST(std::size(kCases) >= 60U);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::oci
