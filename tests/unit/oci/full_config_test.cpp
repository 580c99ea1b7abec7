// fixtures/full_config.json sets every field of the config model: each one is read
// into the right member, and the whole survives to_json() and a second parse.
#include "oci/parse.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <limits>

namespace berth::oci {
namespace {

using Strings = std::vector<std::string>;

const Config& full() {
    static const Config config = parse_config(test::read_fixture("full_config.json"));
    return config;
}

BOOST_AUTO_TEST_SUITE(full_config)

BOOST_AUTO_TEST_CASE(top_level_fields_are_read) {
    const Config& c = full();
    BOOST_TEST(c.oci_version == "1.3.0");
    BOOST_REQUIRE(c.root);
    BOOST_TEST(c.root->path == "rootfs");
    BOOST_TEST(c.root->readonly);
    BOOST_TEST(c.hostname == "slartibartfast");
    BOOST_TEST(c.domainname == "foobarbaz.test");
    BOOST_TEST(c.annotations.size() == 3U);
    BOOST_TEST(c.annotations.at("com.example.key1") == "value1");
    BOOST_TEST(c.annotations.at("org.opencontainers.image.os") == "linux");
    BOOST_TEST(c.annotations.at("empty") == "");
}

BOOST_AUTO_TEST_CASE(mounts_are_read_in_order) {
    const Config& c = full();
    BOOST_REQUIRE(c.mounts.size() == 2U);
    BOOST_TEST(c.mounts[0].destination == "/proc");
    BOOST_TEST(c.mounts[0].type == "proc");
    BOOST_TEST(c.mounts[0].source == "proc");
    BOOST_TEST(c.mounts[0].options.empty());
    const Mount& m = c.mounts[1];
    BOOST_TEST(m.destination == "/data");
    BOOST_TEST(m.type == "none");
    BOOST_TEST(m.source == "/volumes/data");
    BOOST_TEST(m.options == (Strings{"rbind", "ridmap", "rw"}), boost::test_tools::per_element());
    BOOST_TEST((m.uid_mappings == std::vector<IdMapping>{{0, 100000, 65536}}));
    BOOST_TEST((m.gid_mappings == std::vector<IdMapping>{{0, 200000, 65537}}));
}

BOOST_AUTO_TEST_CASE(process_fields_are_read) {
    BOOST_REQUIRE(full().process);
    const Process& p = *full().process;
    BOOST_TEST(p.terminal);
    BOOST_REQUIRE(p.console_size);
    BOOST_TEST(p.console_size->height == 25U);
    BOOST_TEST(p.console_size->width == 80U);
    BOOST_TEST(p.user.uid == 1000U);
    BOOST_TEST(p.user.gid == 1001U);
    BOOST_TEST(p.user.umask == std::optional<std::uint32_t>(18));
    BOOST_TEST((p.user.additional_gids == std::vector<std::uint32_t>{5, 6, 4294967295U}));
    BOOST_TEST(p.args == (Strings{"/bin/sh", "-c", "echo \"h\xc3\xa9llo\"\tworld\n"}),
               boost::test_tools::per_element());
    BOOST_TEST(p.command_line == "sh.exe -c echo");
    BOOST_TEST(p.env == (Strings{"PATH=/usr/bin:/bin", "TERM=xterm"}), boost::test_tools::per_element());
    BOOST_TEST(p.cwd == "/home/user");
    BOOST_TEST(p.no_new_privileges);
    BOOST_TEST(p.apparmor_profile == "acme_secure_profile");
    BOOST_TEST(p.oom_score_adj == std::optional<std::int32_t>(-1000));
    BOOST_TEST(p.selinux_label == "system_u:system_r:svirt_lxc_net_t:s0:c124,c675");
    BOOST_REQUIRE(p.io_priority);
    BOOST_TEST(p.io_priority->io_class == "IOPRIO_CLASS_IDLE");
    BOOST_TEST(p.io_priority->priority == 7);
    BOOST_REQUIRE(p.exec_cpu_affinity);
    BOOST_TEST(p.exec_cpu_affinity->initial == "7");
    BOOST_TEST(p.exec_cpu_affinity->final_ == "0-3,7");
}

BOOST_AUTO_TEST_CASE(capabilities_rlimits_and_scheduler_are_read) {
    const Process& p = *full().process;
    BOOST_REQUIRE(p.capabilities);
    BOOST_TEST(p.capabilities->bounding == (Strings{"CAP_CHOWN", "CAP_PERFMON"}),
               boost::test_tools::per_element());
    BOOST_TEST(p.capabilities->effective == Strings{"CAP_BPF"}, boost::test_tools::per_element());
    BOOST_TEST(p.capabilities->inheritable == Strings{"CAP_KILL"}, boost::test_tools::per_element());
    BOOST_TEST(p.capabilities->permitted == (Strings{"CAP_CHECKPOINT_RESTORE", "CAP_NET_BIND_SERVICE"}),
               boost::test_tools::per_element());
    BOOST_TEST(p.capabilities->ambient == Strings{"CAP_NET_RAW"}, boost::test_tools::per_element());
    BOOST_REQUIRE(p.rlimits.size() == 2U);
    BOOST_TEST(p.rlimits[0].type == "RLIMIT_NOFILE");
    BOOST_TEST(p.rlimits[0].hard == std::numeric_limits<std::uint64_t>::max());
    BOOST_TEST(p.rlimits[0].soft == 1024U);
    BOOST_TEST((p.rlimits[1] == Rlimit{"RLIMIT_CORE", 0, 0}));
    BOOST_REQUIRE(p.scheduler);
    const Scheduler& s = *p.scheduler;
    BOOST_TEST(s.policy == "SCHED_DEADLINE");
    BOOST_TEST(s.nice == -20);
    BOOST_TEST(s.priority == 99);
    BOOST_TEST(s.flags == (Strings{"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_UTIL_CLAMP_MAX"}),
               boost::test_tools::per_element());
    BOOST_TEST(s.runtime == 10000000U);
    BOOST_TEST(s.deadline == 20000000U);
    BOOST_TEST(s.period == 30000000U);
}

BOOST_AUTO_TEST_CASE(hooks_are_read) {
    BOOST_REQUIRE(full().hooks);
    const Hooks& h = *full().hooks;
    BOOST_TEST((h.prestart == std::vector<Hook>{{"/usr/bin/prestart", {"prestart", "a"}, {"K=V"}, 1}}));
    BOOST_TEST((h.create_runtime == std::vector<Hook>{{"/usr/bin/create-runtime", {}, {}, 2}}));
    BOOST_TEST((h.create_container == std::vector<Hook>{{"/usr/bin/create-container", {"cc"}, {}, {}}}));
    BOOST_TEST((h.start_container ==
                std::vector<Hook>{{"/usr/bin/start-container", {}, {"A=1", "B=2"}, {}}}));
    BOOST_TEST((h.poststart == std::vector<Hook>{{"/usr/bin/poststart", {}, {}, 5}}));
    BOOST_TEST((h.poststop ==
                std::vector<Hook>{{"/usr/sbin/cleanup.sh", {"cleanup.sh", "-f"}, {}, 2147483647}}));
}

BOOST_AUTO_TEST_CASE(linux_namespaces_mappings_and_devices_are_read) {
    BOOST_REQUIRE(full().linux_);
    const LinuxConfig& l = *full().linux_;
    BOOST_REQUIRE(l.namespaces.size() == 8U);
    BOOST_TEST((l.namespaces[1] == Namespace{NamespaceType::network, "/var/run/netns/neta"}));
    for (auto type : {NamespaceType::pid, NamespaceType::network, NamespaceType::mount, NamespaceType::ipc,
                      NamespaceType::uts, NamespaceType::user, NamespaceType::cgroup, NamespaceType::time}) {
        BOOST_TEST(l.has_namespace(type), to_string(type));
    }
    BOOST_TEST(l.find_namespace(NamespaceType::pid)->path.empty());
    BOOST_TEST((l.uid_mappings == std::vector<IdMapping>{{0, 1000, 32000}}));
    BOOST_TEST((l.gid_mappings == std::vector<IdMapping>{{1, 2000, 1}, {2, 3000, 4294967295U}}));
    BOOST_TEST(l.time_offsets.size() == 2U);
    BOOST_TEST((l.time_offsets.at("monotonic") == TimeOffset{172800, 999999999}));
    BOOST_TEST((l.time_offsets.at("boottime") == TimeOffset{std::numeric_limits<std::int64_t>::min(), 0}));
    BOOST_REQUIRE(l.devices.size() == 4U);
    BOOST_TEST((l.devices[0] == Device{"c", "/dev/fuse", 10, 229, 438, 0, 5}));
    BOOST_TEST((l.devices[1] == Device{"b", "/dev/sda", 8, 0, 432, {}, {}}));
    BOOST_TEST((l.devices[2] == Device{"u", "/dev/unbuf", std::numeric_limits<std::int64_t>::max(), -1, {}, {}, {}}));
    BOOST_TEST((l.devices[3] == Device{"p", "/dev/fifo", 0, 0, {}, {}, {}}));
    BOOST_TEST(l.net_devices.size() == 2U);
    BOOST_TEST(l.net_devices.at("eth0").name == "container_eth0");
    BOOST_TEST(l.net_devices.at("ens4").name == "");
}

BOOST_AUTO_TEST_CASE(linux_scalar_fields_are_read) {
    const LinuxConfig& l = *full().linux_;
    BOOST_TEST(l.cgroups_path == "/myRuntime/myContainer");
    BOOST_TEST(l.sysctl.size() == 2U);
    BOOST_TEST(l.sysctl.at("net.ipv4.ip_forward") == "1");
    BOOST_TEST(l.sysctl.at("net.core.somaxconn") == "256");
    BOOST_TEST(l.rootfs_propagation == "rslave");
    BOOST_TEST(l.masked_paths == (Strings{"/proc/kcore", "/proc/latency_stats"}), boost::test_tools::per_element());
    BOOST_TEST(l.readonly_paths == (Strings{"/proc/asound", "/proc/sys"}), boost::test_tools::per_element());
    BOOST_TEST(l.mount_label == "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811");
    BOOST_REQUIRE(l.personality);
    BOOST_TEST(l.personality->domain == "LINUX32");
    BOOST_TEST(l.personality->flags.empty());
    BOOST_REQUIRE(l.intel_rdt);
    BOOST_TEST(l.intel_rdt->clos_id == "guaranteed_group");
    BOOST_TEST(l.intel_rdt->schemata == (Strings{"L2:0=ff;1=f0", "L3:0=7fe;1=1f"}), boost::test_tools::per_element());
    BOOST_TEST(l.intel_rdt->l3_cache_schema == "L3:0=7f0;1=1f");
    BOOST_TEST(l.intel_rdt->mem_bw_schema == "MB:0=20;1=70");
    BOOST_TEST(l.intel_rdt->enable_monitoring);
    BOOST_REQUIRE(l.memory_policy);
    BOOST_TEST(l.memory_policy->mode == "MPOL_INTERLEAVE");
    BOOST_TEST(l.memory_policy->nodes == "0-3,7");
    BOOST_TEST(l.memory_policy->flags == (Strings{"MPOL_F_STATIC_NODES", "MPOL_F_NUMA_BALANCING"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(resources_are_read) {
    BOOST_REQUIRE(full().linux_->resources);
    const Resources& r = *full().linux_->resources;
    BOOST_REQUIRE(r.devices.size() == 4U);
    BOOST_TEST((r.devices[0] == DeviceCgroupRule{false, "", {}, {}, "rwm"}));
    BOOST_TEST((r.devices[1] == DeviceCgroupRule{true, "c", 10, 229, "rw"}));
    BOOST_TEST((r.devices[2] == DeviceCgroupRule{true, "b", 8, -1, "r"}));
    BOOST_TEST((r.devices[3] == DeviceCgroupRule{false, "a", {}, {}, ""}));
    BOOST_REQUIRE(r.memory);
    BOOST_TEST((*r.memory == Memory{536870912, 268435456, -1, -1, 1048576, 60, true, false, true}));
    BOOST_REQUIRE(r.cpu);
    BOOST_TEST((*r.cpu == Cpu{1024, -1, 5000, 100000, 950000, 1000000, "2-3", "0-7", 1}));
    BOOST_REQUIRE(r.pids);
    BOOST_TEST(r.pids->limit == std::optional<std::int64_t>(0));
    BOOST_REQUIRE(r.block_io);
    const BlockIo& b = *r.block_io;
    BOOST_TEST(b.weight == std::optional<std::uint16_t>(10));
    BOOST_TEST(b.leaf_weight == std::optional<std::uint16_t>(65535));
    BOOST_TEST((b.weight_device == std::vector<WeightDevice>{{8, 0, 500, 300}, {8, 16, 500, {}}}));
    BOOST_TEST((b.throttle_read_bps_device == std::vector<ThrottleDevice>{{8, 0, 600}}));
    BOOST_TEST((b.throttle_write_bps_device == std::vector<ThrottleDevice>{{8, 1, 601}}));
    BOOST_TEST((b.throttle_read_iops_device == std::vector<ThrottleDevice>{{8, 2, 602}}));
    BOOST_TEST((b.throttle_write_iops_device == std::vector<ThrottleDevice>{{8, 16, 300}}));
    BOOST_TEST((r.hugepage_limits ==
                std::vector<HugepageLimit>{{"2MB", 9223372036854772000U}, {"1GB.rsvd", 1073741824}}));
    BOOST_REQUIRE(r.network);
    BOOST_TEST(r.network->class_id == std::optional<std::uint32_t>(1048577));
    BOOST_TEST((r.network->priorities == std::vector<InterfacePriority>{{"eth0", 500}, {"eth1", 1000}}));
    BOOST_TEST(r.rdma.size() == 3U);
    BOOST_TEST((r.rdma.at("mlx5_1") == Rdma{3, 10000}));
    BOOST_TEST((r.rdma.at("mlx4_0") == Rdma{{}, 1000}));
    BOOST_TEST((r.rdma.at("rxe3") == Rdma{7, {}}));
    BOOST_TEST(r.unified.size() == 2U);
    BOOST_TEST(r.unified.at("io.max") == "259:0 rbps=2097152 wiops=120\n253:0 rbps=2097152 wiops=120");
    BOOST_TEST(r.unified.at("hugetlb.1GB.max") == "1073741824");
}

BOOST_AUTO_TEST_CASE(seccomp_is_read) {
    BOOST_REQUIRE(full().linux_->seccomp);
    const Seccomp& s = *full().linux_->seccomp;
    BOOST_TEST(s.default_action == "SCMP_ACT_ERRNO");
    BOOST_TEST(s.default_errno_ret == std::optional<std::uint32_t>(38));
    BOOST_TEST(s.architectures == (Strings{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}),
               boost::test_tools::per_element());
    BOOST_TEST(s.flags == (Strings{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}),
               boost::test_tools::per_element());
    BOOST_TEST(s.listener_path == "/run/seccomp-agent.socket");
    BOOST_TEST(s.listener_metadata == "MKNOD=/dev/null");
    BOOST_REQUIRE(s.syscalls.size() == 4U);
    BOOST_TEST((s.syscalls[0] == SeccompSyscall{{"getcwd", "chmod"}, "SCMP_ACT_ALLOW", {}, {}}));
    BOOST_TEST((s.syscalls[1] == SeccompSyscall{{"mkdir"}, "SCMP_ACT_ERRNO", 1, {}}));
    BOOST_TEST((s.syscalls[2] == SeccompSyscall{{"mknod"}, "SCMP_ACT_NOTIFY", {}, {}}));
    std::vector<SeccompArg> args = {
        {0, std::numeric_limits<std::uint64_t>::max(), 255, "SCMP_CMP_MASKED_EQ"},
        {5, 0, 0, "SCMP_CMP_NE"},
    };
    BOOST_TEST((s.syscalls[3] == SeccompSyscall{{"personality"}, "SCMP_ACT_TRACE", 4294967295U, args}));
}

BOOST_AUTO_TEST_CASE(round_trips_through_to_json) {
    const Config& c = full();
    for (bool pretty : {false, true}) {
        std::string text = to_json(c, pretty);
        BOOST_TEST((parse_config(text) == c));
        // Writing is deterministic: the second generation is byte-identical.
        BOOST_TEST(to_json(parse_config(text), pretty) == text);
    }
}

BOOST_AUTO_TEST_CASE(pretty_output_is_tab_indented) {
    std::string text = to_json(full(), true);
    BOOST_TEST(text.starts_with("{\n\t\"ociVersion\": \"1.3.0\""));
    BOOST_TEST(to_json(full(), false).find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(process_document_round_trips) {
    const Process& p = *full().process;
    std::string text = to_json(p, true);
    BOOST_TEST((parse_process(text) == p));
    BOOST_TEST((parse_process(to_json(p)) == p));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::oci
