// Stats from fake v1 and v2 trees, and the runc-shaped JSON.
#include "cgroup/fs_manager.hpp"
#include "fake_tree.hpp"
#include "test_util.hpp"

using namespace berth;
using namespace berth::cgroup;
using cgtest::FakeTree;

namespace {

std::unique_ptr<Manager> created(const FakeTree& t) {
    ManagerOptions o;
    o.container_id = "c1";
    o.cgroups_path = "/c1";
    o.host = t.host();
    auto m = make_manager(o);
    m->create();
    return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stats)

BOOST_AUTO_TEST_CASE(v1_files_are_read_as_runc_reads_them) {
    FakeTree t(FakeTree::hybrid);
    auto m = created(t);
    t.put("cpuacct/c1/cpuacct.usage", "123456789\n");
    t.put("cpuacct/c1/cpuacct.usage_percpu", "100 200 \n");
    t.put("cpuacct/c1/cpuacct.stat", "user 10\nsystem 5\n");
    t.put("cpu/c1/cpu.stat", "nr_periods 7\nnr_throttled 2\nthrottled_time 999\n");
    t.put("memory/c1/memory.usage_in_bytes", "4096\n");
    t.put("memory/c1/memory.max_usage_in_bytes", "8192\n");
    t.put("memory/c1/memory.limit_in_bytes", "9223372036854771712\n");
    t.put("memory/c1/memory.failcnt", "3\n");
    t.put("memory/c1/memory.memsw.usage_in_bytes", "5000\n");
    t.put("memory/c1/memory.stat", "cache 1024\nrss 2048\n");
    t.put("memory/c1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    t.put("pids/c1/pids.current", "3\n");
    t.put("pids/c1/pids.max", "max\n");
    t.put("blkio/c1/blkio.throttle.io_service_bytes_recursive", "8:0 Read 512\n8:0 Write 1024\nTotal 1536\n");
    const Stats s = read_stats(*m);
    BOOST_TEST(s.cpu.usage.total == 123456789u);
    BOOST_TEST(s.cpu.usage.percpu == (std::vector<std::uint64_t>{100, 200}));
    const auto tick = static_cast<std::uint64_t>(1000000000 / ::sysconf(_SC_CLK_TCK));
    BOOST_TEST(s.cpu.usage.user == 10 * tick);
    BOOST_TEST(s.cpu.usage.kernel == 5 * tick);
    BOOST_TEST(s.cpu.throttling.throttled_periods == 2u);
    BOOST_TEST(s.memory.usage.usage == 4096u);
    BOOST_TEST(s.memory.usage.max == 8192u);
    BOOST_TEST(s.memory.usage.failcnt == 3u);
    BOOST_TEST(s.memory.usage.limit == 9223372036854771712u);
    BOOST_TEST(s.memory.swap.usage == 5000u);
    BOOST_TEST(s.memory.cache == 1024u);
    BOOST_TEST(s.memory.oom_kill == 2u);
    BOOST_TEST(s.pids.current == 3u);
    BOOST_TEST(s.pids.limit == 0u);  // "max"
    BOOST_REQUIRE(s.blkio.io_service_bytes_recursive.size() == 2u);
    BOOST_TEST(s.blkio.io_service_bytes_recursive[1].op == "Write");
    BOOST_TEST(s.blkio.io_service_bytes_recursive[1].value == 1024u);
}

BOOST_AUTO_TEST_CASE(v2_files_are_read_as_runc_reads_them) {
    FakeTree t(FakeTree::unified);
    auto m = created(t);
    t.put("c1/cpu.stat", "usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 1\nnr_throttled 0\nthrottled_usec 0\n");
    t.put("c1/memory.current", "65536\n");
    t.put("c1/memory.max", "1048576\n");
    t.put("c1/memory.peak", "70000\n");
    t.put("c1/memory.swap.current", "0\n");
    t.put("c1/memory.stat", "anon 4096\nfile 8192\n");
    t.put("c1/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
    t.put("c1/pids.current", "2\n");
    t.put("c1/pids.max", "100\n");
    t.put("c1/io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n");
    t.put("c1/hugetlb.2MB.max", "max\n");
    t.put("c1/hugetlb.2MB.current", "2097152\n");
    t.put("c1/hugetlb.2MB.events", "max 1\n");
    const Stats s = read_stats(*m);
    BOOST_TEST(s.cpu.usage.total == 100000u);
    BOOST_TEST(s.cpu.usage.user == 60000u);
    BOOST_TEST(s.memory.usage.usage == 65536u);
    BOOST_TEST(s.memory.usage.limit == 1048576u);
    BOOST_TEST(s.memory.usage.max == 70000u);
    BOOST_TEST(s.memory.usage.failcnt == 4u);
    BOOST_TEST(s.memory.cache == 8192u);
    BOOST_TEST(s.memory.oom_kill == 1u);
    BOOST_TEST(s.pids.limit == 100u);
    BOOST_REQUIRE(s.blkio.io_serviced_recursive.size() == 2u);
    BOOST_TEST(s.blkio.io_serviced_recursive[0].value == 1u);
    BOOST_REQUIRE(s.hugetlb.count("2MB") == 1u);
    BOOST_TEST(s.hugetlb.at("2MB").usage == 2097152u);
    BOOST_TEST(s.hugetlb.at("2MB").failcnt == 1u);
}

BOOST_AUTO_TEST_CASE(json_matches_runc_field_names_and_omitempty) {
    Stats s;
    s.cpu.usage.total = 5;
    s.cpu.usage.percpu = {2, 3};
    s.memory.usage = {100, 50, 0, 0};
    s.memory.raw = {{"cache", 1}};
    s.pids.current = 1;
    s.blkio.io_service_bytes_recursive = {{8, 0, "Read", 7}};
    s.hugetlb["2MB"] = {0, 0, 0};
    const std::string expected =
        "{\"cpu\":{\"usage\":{\"total\":5,\"percpu\":[2,3],\"kernel\":0,\"user\":0},\"throttling\":{}},"
        "\"cpuset\":{},"
        "\"memory\":{\"usage\":{\"limit\":100,\"usage\":50,\"failcnt\":0},\"swap\":{\"limit\":0,\"failcnt\":0},"
        "\"kernel\":{\"limit\":0,\"failcnt\":0},\"kernelTCP\":{\"limit\":0,\"failcnt\":0},\"raw\":{\"cache\":1}},"
        "\"pids\":{\"current\":1},"
        "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":7}]},"
        "\"hugetlb\":{\"2MB\":{\"failcnt\":0}},\"intel_rdt\":{},\"network_interfaces\":null}";
    BOOST_TEST(stats_to_json(s) == expected);
}

BOOST_AUTO_TEST_SUITE_END()
