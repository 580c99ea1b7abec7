// The oci::Resources → control file translation, every field on both versions.
#include "cgroup/translate.hpp"
#include "test_util.hpp"

#include <map>

using namespace berth;
using namespace berth::cgroup;
using cgtest::expect_error;
using cgtest::pairs;
using cgtest::Pairs;

namespace {

oci::Resources with_memory(oci::Memory m) {
    oci::Resources r;
    r.memory = m;
    return r;
}

oci::Resources with_cpu(oci::Cpu c) {
    oci::Resources r;
    r.cpu = c;
    return r;
}

oci::Resources with_blkio(oci::BlockIo b) {
    oci::Resources r;
    r.block_io = b;
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(translate)

BOOST_AUTO_TEST_CASE(empty_resources_write_nothing) {
    BOOST_TEST(translate_v1({}).settings.empty());
    BOOST_TEST(translate_v2({}).settings.empty());
}

BOOST_AUTO_TEST_CASE(memory_v1_every_field) {
    oci::Memory m;
    m.limit = 536870912;
    m.reservation = 268435456;
    m.swap = 1073741824;
    m.kernel_tcp = 11534336;
    m.swappiness = 60;
    m.disable_oom_killer = true;
    m.use_hierarchy = true;
    m.check_before_update = true;
    const auto t = translate_v1(with_memory(m));
    const Pairs expected = {
        {"memory.limit_in_bytes", "536870912"},      {"memory.memsw.limit_in_bytes", "1073741824"},
        {"memory.soft_limit_in_bytes", "268435456"}, {"memory.swappiness", "60"},
        {"memory.oom_control", "1"},                 {"memory.use_hierarchy", "1"},
    };
    BOOST_TEST(pairs(t) == expected, boost::test_tools::per_element());
    for (const auto& s : t.settings) BOOST_TEST(s.controller == "memory");
    BOOST_TEST(t.settings[1].field == ".linux.resources.memory.swap");
    BOOST_TEST(!t.settings[1].optional);
    BOOST_TEST(t.check_memory_below_usage.value_or(0) == 536870912);
    BOOST_REQUIRE(t.warnings.size() == 1u);  // kernelTCP, ignored as runc 1.1.5 does
    BOOST_TEST(t.warnings[0] == ".linux.resources.memory.kernelTCP: kernel memory limits are not supported; ignored");
}

BOOST_AUTO_TEST_CASE(memory_v1_swap_below_limit_is_refused) {
    oci::Memory m;
    m.limit = 64 << 20;
    m.swap = 32 << 20;
    expect_error([&] { translate_v1(with_memory(m)); },
                 ".linux.resources.memory.swap: memory+swap limit 33554432 is below the memory limit 67108864");
    m.limit = -1;
    expect_error([&] { translate_v1(with_memory(m)); }, "below the memory limit -1 (unlimited)");
    m.limit = 0;  // not set: the kernel compares with the limit in place
    BOOST_TEST(translate_v1(with_memory(m)).settings.size() == 1u);
}

BOOST_AUTO_TEST_CASE(memory_v1_unlimited_sets_memsw_unlimited_too) {
    oci::Memory m;
    m.limit = -1;
    const auto t = translate_v1(with_memory(m));
    const Pairs expected = {{"memory.limit_in_bytes", "-1"}, {"memory.memsw.limit_in_bytes", "-1"}};
    BOOST_TEST(pairs(t) == expected, boost::test_tools::per_element());
    BOOST_TEST(t.settings[1].optional);  // no swap accounting: skipped, as runc
}

BOOST_AUTO_TEST_CASE(memory_v1_kernel_is_a_warning_not_a_write) {
    oci::Memory m;
    m.kernel = 1 << 20;
    const auto t = translate_v1(with_memory(m));
    BOOST_TEST(t.settings.empty());
    BOOST_REQUIRE(t.warnings.size() == 1);
    BOOST_TEST(t.warnings[0].find(".linux.resources.memory.kernel") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(memory_v1_swappiness_range) {
    oci::Memory m;
    m.swappiness = 101;
    expect_error([&] { translate_v1(with_memory(m)); }, ".linux.resources.memory.swappiness");
}

BOOST_AUTO_TEST_CASE(memory_v2_every_field) {
    oci::Memory m;
    m.limit = 512 << 20;
    m.reservation = 256 << 20;
    m.swap = 1024 << 20;
    m.use_hierarchy = true;
    m.check_before_update = true;
    const auto t = translate_v2(with_memory(m));
    const Pairs expected = {
        {"memory.max", "536870912"}, {"memory.swap.max", "536870912"}, {"memory.low", "268435456"}};
    BOOST_TEST(pairs(t) == expected, boost::test_tools::per_element());
    BOOST_TEST(t.check_memory_below_usage.value_or(0) == 512 << 20);
}

BOOST_AUTO_TEST_CASE(memory_v2_unlimited) {
    oci::Memory m;
    m.limit = -1;
    const Pairs expected = {{"memory.max", "max"}, {"memory.swap.max", "max"}};
    BOOST_TEST(pairs(translate_v2(with_memory(m))) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(memory_v2_rejects_what_v2_lacks) {
    oci::Memory m;
    m.swappiness = 10;
    expect_error([&] { translate_v2(with_memory(m)); }, ".linux.resources.memory.swappiness: not supported on cgroup v2");
    m = {};
    m.disable_oom_killer = true;
    expect_error([&] { translate_v2(with_memory(m)); }, ".linux.resources.memory.disableOOMKiller");
    m = {};
    m.kernel_tcp = 100;
    expect_error([&] { translate_v2(with_memory(m)); }, ".linux.resources.memory.kernelTCP");
    m = {};
    m.use_hierarchy = false;
    expect_error([&] { translate_v2(with_memory(m)); }, ".linux.resources.memory.useHierarchy");
    m = {};
    m.disable_oom_killer = false;  // false is the v2 behaviour already
    BOOST_TEST(translate_v2(with_memory(m)).settings.empty());
}

BOOST_AUTO_TEST_CASE(swap_conversion_as_runc) {
    BOOST_TEST(swap_to_v2(0, 0) == 0);
    BOOST_TEST(swap_to_v2(0, -1) == -1);
    BOOST_TEST(swap_to_v2(-1, 100) == -1);
    BOOST_TEST(swap_to_v2(300, 100) == 200);
    BOOST_TEST(swap_to_v2(100, 100) == 0);
    expect_error([] { swap_to_v2(50, 100); }, "below the memory limit");
    expect_error([] { swap_to_v2(50, 0); }, "needs a memory limit");
    expect_error([] { swap_to_v2(50, -1); }, "needs a memory limit");
}

BOOST_AUTO_TEST_CASE(cpu_v1_every_field) {
    oci::Cpu c;
    c.shares = 1024;
    c.quota = 50000;
    c.period = 100000;
    c.burst = 10000;
    c.realtime_runtime = 950000;
    c.realtime_period = 1000000;
    c.cpus = "0-1";
    c.mems = "0";
    c.idle = 1;
    const auto t = translate_v1(with_cpu(c));
    const Pairs expected = {
        {"cpu.shares", "1024"},        {"cpu.cfs_period_us", "100000"}, {"cpu.cfs_quota_us", "50000"},
        {"cpu.cfs_burst_us", "10000"}, {"cpu.rt_period_us", "1000000"}, {"cpu.rt_runtime_us", "950000"},
        {"cpu.idle", "1"},             {"cpuset.cpus", "0-1"},          {"cpuset.mems", "0"},
    };
    BOOST_TEST(pairs(t) == expected, boost::test_tools::per_element());
    BOOST_TEST(t.settings[7].controller == "cpuset");
    BOOST_TEST(t.settings[0].controller == "cpu");
}

// The pairs the kernel checks against each other: each first write names its partner, so
// the driver can retry it after that one when the values in place refuse this order.
BOOST_AUTO_TEST_CASE(ordered_pairs_name_their_partner) {
    oci::Cpu c;
    c.quota = 50000;
    c.period = 100000;
    c.burst = 10000;
    c.realtime_runtime = 950000;
    c.realtime_period = 1000000;
    const auto t = translate_v1(with_cpu(c));
    std::map<std::string, std::string> after;
    for (const auto& s : t.settings) after[s.file] = s.retry_after;
    BOOST_TEST(after["cpu.cfs_period_us"] == "cpu.cfs_quota_us");
    BOOST_TEST(after["cpu.cfs_quota_us"] == "cpu.cfs_burst_us");
    BOOST_TEST(after["cpu.cfs_burst_us"] == "");
    BOOST_TEST(after["cpu.rt_period_us"] == "cpu.rt_runtime_us");
    oci::Memory m;
    m.limit = 1 << 20;
    m.swap = 2 << 20;
    BOOST_TEST(translate_v1(with_memory(m)).settings.front().retry_after == "memory.memsw.limit_in_bytes");
    oci::Cpu v2;
    v2.quota = 50000;
    v2.burst = 1000;
    BOOST_TEST(translate_v2(with_cpu(v2)).settings.front().retry_after == "cpu.max.burst");
    // Alone, a write has no partner to wait for.
    oci::Cpu period_only;
    period_only.period = 100000;
    BOOST_TEST(translate_v1(with_cpu(period_only)).settings.front().retry_after == "");
}

BOOST_AUTO_TEST_CASE(cpu_v1_unlimited_quota) {
    oci::Cpu c;
    c.quota = -1;
    const Pairs expected = {{"cpu.cfs_quota_us", "-1"}};
    BOOST_TEST(pairs(translate_v1(with_cpu(c))) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cpu_v2_every_field) {
    oci::Cpu c;
    c.shares = 1024;
    c.quota = 50000;
    c.period = 100000;
    c.burst = 10000;
    c.cpus = "0-1";
    c.mems = "0";
    c.idle = 0;
    const Pairs expected = {
        {"cpu.idle", "0"},       {"cpu.weight", "39"},   {"cpu.max", "50000 100000"},
        {"cpu.max.burst", "10000"}, {"cpuset.cpus", "0-1"}, {"cpuset.mems", "0"},
    };
    BOOST_TEST(pairs(translate_v2(with_cpu(c))) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cpu_v2_max_forms) {
    oci::Cpu c;
    c.quota = -1;
    BOOST_TEST(pairs(translate_v2(with_cpu(c))) == (Pairs{{"cpu.max", "max"}}), boost::test_tools::per_element());
    c.period = 20000;
    BOOST_TEST(pairs(translate_v2(with_cpu(c))) == (Pairs{{"cpu.max", "max 20000"}}), boost::test_tools::per_element());
    c.quota.reset();
    BOOST_TEST(pairs(translate_v2(with_cpu(c))) == (Pairs{{"cpu.max", "max 20000"}}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cpu_v2_idle_skips_weight) {
    oci::Cpu c;
    c.idle = 1;
    c.shares = 512;
    BOOST_TEST(pairs(translate_v2(with_cpu(c))) == (Pairs{{"cpu.idle", "1"}}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cpu_v2_rejects_realtime) {
    oci::Cpu c;
    c.realtime_runtime = 1000;
    expect_error([&] { translate_v2(with_cpu(c)); }, ".linux.resources.cpu.realtimeRuntime: not supported on cgroup v2");
    c = {};
    c.realtime_period = 1000;
    expect_error([&] { translate_v2(with_cpu(c)); }, ".linux.resources.cpu.realtimePeriod");
}

BOOST_AUTO_TEST_CASE(shares_to_weight_as_runc) {
    BOOST_TEST(cpu_shares_to_weight(0) == 0u);
    BOOST_TEST(cpu_shares_to_weight(2) == 1u);
    BOOST_TEST(cpu_shares_to_weight(1024) == 39u);
    BOOST_TEST(cpu_shares_to_weight(262144) == 10000u);
    BOOST_TEST(cpu_shares_to_weight(1) == 1u);          // clamped, no wrap-around
    BOOST_TEST(cpu_shares_to_weight(1u << 30) == 10000u);
}

BOOST_AUTO_TEST_CASE(blkio_weight_to_io_weight_as_runc) {
    BOOST_TEST(blkio_weight_to_io_weight(0) == 0u);
    BOOST_TEST(blkio_weight_to_io_weight(10) == 1u);
    BOOST_TEST(blkio_weight_to_io_weight(500) == 4950u);
    BOOST_TEST(blkio_weight_to_io_weight(1000) == 10000u);
}

BOOST_AUTO_TEST_CASE(pids_limit_forms) {
    oci::Resources r;
    r.pids = oci::Pids{-1};
    BOOST_TEST(pairs(translate_v1(r)) == (Pairs{{"pids.max", "max"}}), boost::test_tools::per_element());
    BOOST_TEST(pairs(translate_v2(r)) == (Pairs{{"pids.max", "max"}}), boost::test_tools::per_element());
    r.pids = oci::Pids{100};
    BOOST_TEST(pairs(translate_v1(r)) == (Pairs{{"pids.max", "100"}}), boost::test_tools::per_element());
    // runtime-spec config-linux.md#pids: 0 is a real limit.
    r.pids = oci::Pids{0};
    BOOST_TEST(pairs(translate_v2(r)) == (Pairs{{"pids.max", "0"}}), boost::test_tools::per_element());
    r.pids = oci::Pids{};
    BOOST_TEST(translate_v1(r).settings.empty());
}

BOOST_AUTO_TEST_CASE(blkio_v1_every_field) {
    oci::BlockIo b;
    b.weight = 500;
    b.leaf_weight = 300;
    b.weight_device = {{8, 0, 600, 200}, {8, 16, std::nullopt, 100}};
    b.throttle_read_bps_device = {{8, 0, 1048576}};
    b.throttle_write_bps_device = {{8, 0, 2097152}};
    b.throttle_read_iops_device = {{8, 0, 100}};
    b.throttle_write_iops_device = {{8, 16, 200}};
    const auto t = translate_v1(with_blkio(b));
    const Pairs expected = {
        {"blkio.weight", "500"},
        {"blkio.leaf_weight", "300"},
        {"blkio.weight_device", "8:0 600"},
        {"blkio.leaf_weight_device", "8:0 200"},
        {"blkio.leaf_weight_device", "8:16 100"},
        {"blkio.throttle.read_bps_device", "8:0 1048576"},
        {"blkio.throttle.write_bps_device", "8:0 2097152"},
        {"blkio.throttle.read_iops_device", "8:0 100"},
        {"blkio.throttle.write_iops_device", "8:16 200"},
    };
    BOOST_TEST(pairs(t) == expected, boost::test_tools::per_element());
    BOOST_TEST(t.settings[0].fallback == "blkio.bfq.weight");
    BOOST_TEST(t.settings[2].fallback == "blkio.bfq.weight_device");
    BOOST_TEST(t.settings[8].field == ".linux.resources.blockIO.throttleWriteIOPSDevice[0]");
}

// Docker sends blockIO.weight 0 (and leafWeight 0) for "not set"; runc writes nothing then,
// and the kernel would refuse 0 (ERANGE).
BOOST_AUTO_TEST_CASE(zero_blkio_weights_mean_not_set) {
    oci::BlockIo b;
    b.weight = 0;
    b.leaf_weight = 0;
    b.weight_device = {{8, 0, 0, 0}};
    BOOST_TEST(translate_v1(with_blkio(b)).settings.empty());
    BOOST_TEST(translate_v2(with_blkio(b)).settings.empty());
}

BOOST_AUTO_TEST_CASE(io_v2_every_field) {
    oci::BlockIo b;
    b.weight = 500;
    b.weight_device = {{8, 0, 600, std::nullopt}};
    b.throttle_read_bps_device = {{8, 0, 1048576}};
    b.throttle_write_bps_device = {{8, 0, 2097152}};
    b.throttle_read_iops_device = {{8, 0, 100}};
    b.throttle_write_iops_device = {{8, 0, 200}, {8, 16, 300}};
    const auto t = translate_v2(with_blkio(b));
    const Pairs expected = {
        {"io.bfq.weight", "500"},
        {"io.bfq.weight", "8:0 600"},
        {"io.max", "8:0 rbps=1048576 wbps=2097152 riops=100 wiops=200"},
        {"io.max", "8:16 wiops=300"},
    };
    BOOST_TEST(pairs(t) == expected, boost::test_tools::per_element());
    BOOST_TEST(t.settings[0].fallback == "io.weight");
    BOOST_TEST(t.settings[0].fallback_value == "4950");
    BOOST_TEST(t.settings[1].fallback_value == "8:0 5960");
}

BOOST_AUTO_TEST_CASE(io_v2_rejects_leaf_weight) {
    oci::BlockIo b;
    b.leaf_weight = 10;
    expect_error([&] { translate_v2(with_blkio(b)); }, ".linux.resources.blockIO.leafWeight");
    b = {};
    b.weight_device = {{8, 0, std::nullopt, 10}};
    expect_error([&] { translate_v2(with_blkio(b)); }, ".linux.resources.blockIO.weightDevice[0].leafWeight");
}

BOOST_AUTO_TEST_CASE(hugetlb_both_versions) {
    oci::Resources r;
    r.hugepage_limits = {{"2MB", 209715200}, {"1GB.rsvd", 1073741824}};
    const auto v1 = translate_v1(r);
    const Pairs e1 = {{"hugetlb.2MB.limit_in_bytes", "209715200"},
                      {"hugetlb.2MB.rsvd.limit_in_bytes", "209715200"},
                      {"hugetlb.1GB.rsvd.limit_in_bytes", "1073741824"}};
    BOOST_TEST(pairs(v1) == e1, boost::test_tools::per_element());
    BOOST_TEST(v1.settings[1].optional);
    BOOST_TEST(!v1.settings[2].optional);
    const Pairs e2 = {{"hugetlb.2MB.max", "209715200"},
                      {"hugetlb.2MB.rsvd.max", "209715200"},
                      {"hugetlb.1GB.rsvd.max", "1073741824"}};
    BOOST_TEST(pairs(translate_v2(r)) == e2, boost::test_tools::per_element());
    r.hugepage_limits = {{"../x", 1}};
    expect_error([&] { translate_v1(r); }, ".linux.resources.hugepageLimits[0].pageSize");
}

BOOST_AUTO_TEST_CASE(network_v1_and_its_v2_errors) {
    oci::Resources r;
    r.network = oci::Network{1048577, {{"eth0", 5}, {"lo", 2}}};
    const auto t = translate_v1(r);
    const Pairs expected = {
        {"net_cls.classid", "1048577"}, {"net_prio.ifpriomap", "eth0 5"}, {"net_prio.ifpriomap", "lo 2"}};
    BOOST_TEST(pairs(t) == expected, boost::test_tools::per_element());
    BOOST_TEST(t.settings[0].controller == "net_cls");
    BOOST_TEST(t.settings[1].controller == "net_prio");
    expect_error([&] { translate_v2(r); }, ".linux.resources.network.classID: net_cls controller not available");
    r.network->class_id.reset();
    expect_error([&] { translate_v2(r); }, ".linux.resources.network.priorities: net_prio controller not available");
}

BOOST_AUTO_TEST_CASE(rdma_both_versions) {
    oci::Resources r;
    r.rdma["mlx5_1"] = {3, std::nullopt};
    r.rdma["mlx4_0"] = {1, 1000};
    const Pairs expected = {{"rdma.max", "mlx4_0 hca_handle=1 hca_object=1000"}, {"rdma.max", "mlx5_1 hca_handle=3"}};
    BOOST_TEST(pairs(translate_v1(r)) == expected, boost::test_tools::per_element());
    BOOST_TEST(pairs(translate_v2(r)) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unified_v2_written_last_v1_rejected) {
    oci::Resources r;
    r.pids = oci::Pids{10};
    r.unified = {{"pids.max", "20"}, {"cgroup.max.depth", "3"}, {"memory.high", "1000000"}};
    const auto t = translate_v2(r);
    const Pairs expected = {
        {"pids.max", "10"}, {"cgroup.max.depth", "3"}, {"memory.high", "1000000"}, {"pids.max", "20"}};
    BOOST_TEST(pairs(t) == expected, boost::test_tools::per_element());
    BOOST_TEST(t.settings[1].controller == "");
    BOOST_TEST(t.settings[2].controller == "memory");
    expect_error([&] { translate_v1(r); }, ".linux.resources.unified: cgroup v2 keys cannot be applied");
}

BOOST_AUTO_TEST_CASE(unified_rejects_paths) {
    oci::Resources r;
    r.unified = {{"../../memory.max", "1"}};
    expect_error([&] { translate_v2(r); }, "invalid cgroup v2 file name");
    r.unified = {{"nodot", "1"}};
    expect_error([&] { translate_v2(r); }, "invalid cgroup v2 file name");
}

BOOST_AUTO_TEST_CASE(devices_v1_become_rules_not_files) {
    oci::Resources r;
    r.devices = {{false, "a", std::nullopt, std::nullopt, "rwm"},
                 {true, "c", 1, 3, "rwm"},
                 {true, "c", 136, std::nullopt, "rw"},
                 {false, "b", 8, 0, "m"}};
    const auto t = translate_v1(r);
    BOOST_TEST(t.settings.empty());  // the driver diffs them against devices.list
    BOOST_TEST(t.devices_requested);
    BOOST_REQUIRE(t.device_rules.size() == 4u);
    BOOST_TEST(device_rule_line(t.device_rules[2]) == "c 136:* rw");
}

BOOST_AUTO_TEST_CASE(devices_v2_become_rules_not_files) {
    oci::Resources r;
    r.devices = {{true, "", std::nullopt, std::nullopt, ""}};
    const auto t = translate_v2(r);
    BOOST_TEST(t.settings.empty());
    BOOST_REQUIRE(t.device_rules.size() == 1u);
    BOOST_TEST(t.device_rules[0].is_wildcard());
    BOOST_TEST(t.device_rules[0].allow);
}

BOOST_AUTO_TEST_CASE(devices_bad_entries) {
    oci::Resources r;
    r.devices = {{true, "x", 1, 3, "rwm"}};
    expect_error([&] { translate_v1(r); }, ".linux.resources.devices[0].type");
    r.devices = {{true, "c", 1, 3, "rwx"}};
    expect_error([&] { translate_v2(r); }, ".linux.resources.devices[0].access");
}

BOOST_AUTO_TEST_CASE(default_device_rules_render_as_runc) {
    std::vector<std::string> lines;
    for (const auto& r : device_rules_from_oci(default_device_rules())) lines.push_back(device_rule_line(r));
    BOOST_TEST(lines.front() == "c *:* m");
    BOOST_TEST(lines[1] == "b *:* m");
    BOOST_TEST((std::find(lines.begin(), lines.end(), "c 136:* rwm") != lines.end()));
    BOOST_TEST((std::find(lines.begin(), lines.end(), "c 1:3 rwm") != lines.end()));
}

BOOST_AUTO_TEST_SUITE_END()
