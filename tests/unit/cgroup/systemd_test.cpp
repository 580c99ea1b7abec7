// The pure half of the systemd driver: unit names, slice paths and the property lists. The
// D-Bus calls themselves need systemd as PID 1 and are not exercised here.
#include "cgroup/systemd_manager.hpp"
#include "fake_tree.hpp"
#include "test_util.hpp"

using namespace berth;
using namespace berth::cgroup;
using cgtest::expect_error;

namespace berth::cgroup {
inline std::ostream& operator<<(std::ostream& os, const Property& p) {
    os << p.name << "=";
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::uint64_t> || std::is_same_v<T, std::string>) {
                os << v;
            } else if constexpr (std::is_same_v<T, std::vector<std::uint32_t>>) {
                for (auto x : v) os << x << ' ';
            } else if constexpr (std::is_same_v<T, std::vector<std::uint8_t>>) {
                for (auto x : v) os << static_cast<unsigned>(x) << ' ';
            } else {
                for (const auto& [a, b] : v) os << '(' << a << ' ' << b << ')';
            }
        },
        p.value);
    return os;
}
}  // namespace berth::cgroup

namespace {

const Property* find(const std::vector<Property>& props, const std::string& name) {
    for (const auto& p : props) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

using Allow = std::vector<std::pair<std::string, std::string>>;

}  // namespace

BOOST_AUTO_TEST_SUITE(systemd)

BOOST_AUTO_TEST_CASE(cgroups_path_to_unit) {
    const auto u = parse_systemd_path("system.slice:docker:abc", "abc");
    BOOST_TEST(u.slice == "system.slice");
    BOOST_TEST(u.unit == "docker-abc.scope");
    BOOST_TEST(u.cgroup_path() == "/system.slice/docker-abc.scope");
    BOOST_TEST(parse_systemd_path(":berth:c1", "c1").slice == "system.slice");
    const auto nested = parse_systemd_path("machine-pod1.slice::c1", "c1");
    BOOST_TEST(nested.unit == "c1.scope");
    BOOST_TEST(nested.cgroup_path() == "/machine.slice/machine-pod1.slice/c1.scope");
    BOOST_TEST(parse_systemd_path("user.slice:p:c-x.slice", "c").unit == "c-x.slice");
    BOOST_TEST((parse_systemd_path("", "c9") == SystemdUnit{"system.slice", "berth-c9.scope"}));
    BOOST_TEST(parse_systemd_path("-.slice:p:n", "n").cgroup_path() == "/p-n.scope");
}

BOOST_AUTO_TEST_CASE(bad_cgroups_paths) {
    expect_error([] { parse_systemd_path("/machine/c1", "c1"); }, ".linux.cgroupsPath: expected \"slice:prefix:name\"");
    expect_error([] { parse_systemd_path("a.slice:b", "c1"); }, "expected");
    expect_error([] { parse_systemd_path("a.slice:p:", "c1"); }, "expected");
    expect_error([] { parse_systemd_path("system:p:n", "n"); }, "invalid systemd slice \"system\"");
    expect_error([] { parse_systemd_path("a--b.slice:p:n", "n"); }, "invalid systemd slice");
    expect_error([] { parse_systemd_path("-a.slice:p:n", "n"); }, "invalid systemd slice");
}

BOOST_AUTO_TEST_CASE(slice_expansion) {
    BOOST_TEST(expand_slice("a-b-c.slice") == "/a.slice/a-b.slice/a-b-c.slice");
    BOOST_TEST(expand_slice("system.slice") == "/system.slice");
    BOOST_TEST(expand_slice("-.slice") == "");
}

BOOST_AUTO_TEST_CASE(resource_properties_v2) {
    oci::Resources r;
    r.memory = oci::Memory{};
    r.memory->limit = 1 << 30;
    r.cpu = oci::Cpu{};
    r.cpu->shares = 1024;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.pids = oci::Pids{100};
    std::vector<std::string> warnings;
    const auto p = resource_properties(r, true, {}, warnings);
    const std::vector<Property> expected = {
        {"MemoryMax", std::uint64_t{1} << 30}, {"CPUWeight", std::uint64_t{39}},
        {"CPUQuotaPeriodUSec", std::uint64_t{100000}}, {"CPUQuotaPerSecUSec", std::uint64_t{500000}},
        {"TasksMax", std::uint64_t{100}},
    };
    BOOST_TEST(p == expected, boost::test_tools::per_element());
    BOOST_TEST(warnings.empty());
}

BOOST_AUTO_TEST_CASE(resource_properties_v1_and_unlimited) {
    oci::Resources r;
    r.memory = oci::Memory{};
    r.memory->limit = -1;
    r.cpu = oci::Cpu{};
    r.cpu->shares = 512;
    r.cpu->quota = 3333;  // 3.333% of a CPU: rounded up to systemd's 10 ms granularity
    r.pids = oci::Pids{-1};
    std::vector<std::string> warnings;
    const auto p = resource_properties(r, false, {}, warnings);
    const std::vector<Property> expected = {
        {"MemoryLimit", UINT64_MAX}, {"CPUShares", std::uint64_t{512}},
        {"CPUQuotaPerSecUSec", std::uint64_t{40000}}, {"TasksMax", UINT64_MAX},
    };
    BOOST_TEST(p == expected, boost::test_tools::per_element());
}

// systemd rewrites the files of the controllers it manages from the unit's properties on
// daemon-reload: each limit cgroupfs writes on v2 needs its property, or it resets.
BOOST_AUTO_TEST_CASE(resource_properties_v2_survive_daemon_reload) {
    oci::Resources r;
    r.memory = oci::Memory{};
    r.memory->limit = 64 << 20;
    r.memory->reservation = 16 << 20;
    r.memory->swap = 96 << 20;  // memory+swap: 32 MiB of swap
    r.cpu = oci::Cpu{};
    r.cpu->cpus = "0-2,9";
    r.cpu->mems = "0";
    r.block_io = oci::BlockIo{};
    r.block_io->weight = 200;
    std::vector<std::string> warnings;
    const auto p = resource_properties(r, true, {}, warnings);
    const std::vector<Property> expected = {
        {"MemoryMax", std::uint64_t{64} << 20}, {"MemoryLow", std::uint64_t{16} << 20},
        {"MemorySwapMax", std::uint64_t{32} << 20}, {"AllowedCPUs", std::vector<std::uint8_t>{0x07, 0x02}},
        {"AllowedMemoryNodes", std::vector<std::uint8_t>{0x01}}, {"IOWeight", std::uint64_t{1920}},
    };
    BOOST_TEST(p == expected, boost::test_tools::per_element());
    BOOST_TEST(std::string(signature(p[3].value)) == "ay");

    // Unlimited swap stays unlimited; v1 has BlockIOWeight and no v2-only properties.
    r.memory->swap = -1;
    BOOST_TEST((*find(resource_properties(r, true, {}, warnings), "MemorySwapMax") == Property{"MemorySwapMax", UINT64_MAX}));
    const auto v1 = resource_properties(r, false, {}, warnings);
    BOOST_TEST((*find(v1, "BlockIOWeight") == Property{"BlockIOWeight", std::uint64_t{200}}));
    BOOST_TEST(find(v1, "MemoryLow") == nullptr);
    BOOST_TEST(find(v1, "AllowedCPUs") == nullptr);
    r.cpu->cpus = "2-1";
    expect_error([&] { resource_properties(r, true, {}, warnings); }, ".linux.resources.cpu.cpus: invalid CPU list");
}

BOOST_AUTO_TEST_CASE(device_allow_without_device_nodes) {
    oci::Resources r;
    r.devices = {{false, "a", std::nullopt, std::nullopt, "rwm"},
                 {true, "c", std::nullopt, std::nullopt, "m"},
                 {true, "c", 1, 3, "rwm"},
                 {true, "c", 136, std::nullopt, "rw"},
                 {true, "c", 250, std::nullopt, "rw"},  // no driver in /proc/devices: skipped, warned
                 {true, "b", 259, 7, "r"},              // no /dev node needed: systemd parses the path
                 {false, "c", 1, 5, "rwm"}};
    const auto devices = parse_proc_devices("Character devices:\n  1 mem\n136 pts\n\nBlock devices:\n259 blkext\n");
    BOOST_TEST(devices.at("c136") == "pts");
    BOOST_TEST(devices.at("b259") == "blkext");
    std::vector<std::string> warnings;
    const auto p = resource_properties(r, true, devices, warnings);
    BOOST_REQUIRE(p.size() == 2u);
    BOOST_TEST((p[0] == Property{"DevicePolicy", std::string("strict")}));
    const Allow expected = {{"char-*", "m"}, {"/dev/char/1:3", "rwm"}, {"char-pts", "rw"}, {"/dev/block/259:7", "r"}};
    BOOST_TEST((p[1] == Property{"DeviceAllow", expected}), p[1]);
    BOOST_REQUIRE(warnings.size() == 1u);
    BOOST_TEST(warnings[0].find("major 250") != std::string::npos);
    BOOST_TEST(std::string(signature(p[1].value)) == "a(ss)");
}

BOOST_AUTO_TEST_CASE(device_allow_all_is_policy_auto) {
    oci::Resources r;
    r.devices = {{true, "a", std::nullopt, std::nullopt, "rwm"}, {false, "c", 1, 5, "rwm"}};
    std::vector<std::string> warnings;
    const auto p = resource_properties(r, true, {}, warnings);
    BOOST_TEST(p == (std::vector<Property>{{"DevicePolicy", std::string("auto")}}), boost::test_tools::per_element());
    BOOST_TEST(warnings.size() == 1u);  // the deny is left to the cgroupfs rules
}

BOOST_AUTO_TEST_CASE(annotations_become_typed_properties) {
    const std::map<std::string, std::string> a = {
        {"org.systemd.property.CollectMode", "'inactive-or-failed'"},
        {"org.systemd.property.TimeoutStopSec", "1.5"},
        {"org.systemd.property.CPUQuotaPeriodUSec", "uint64 20000"},
        {"org.systemd.property.IgnoreOnIsolate", "true"},
        {"org.systemd.property.LimitNOFILE", "1024"},
        {"com.example.other", "x"},
    };
    const auto p = annotation_properties(a);
    const std::vector<Property> expected = {
        {"CPUQuotaPeriodUSec", std::uint64_t{20000}}, {"CollectMode", std::string("inactive-or-failed")},
        {"IgnoreOnIsolate", true}, {"LimitNOFILE", std::uint64_t{1024}}, {"TimeoutStopUSec", std::uint64_t{1500000}},
    };
    BOOST_TEST(p == expected, boost::test_tools::per_element());
    expect_error([] { annotation_properties({{"org.systemd.property.X", "[1, 2]"}}); }, "annotations[\"org.systemd.property.X\"]");
    expect_error([] { annotation_properties({{"org.systemd.property.TimeoutSec", "soon"}}); }, "cannot type");
}

// The systemd driver's options for container c1 at `path` in the fake tree `t`.
static ManagerOptions systemd_options(const cgtest::FakeTree& t, const std::string& path) {
    ManagerOptions o;
    o.container_id = "c1";
    o.cgroups_path = path;
    o.systemd = true;
    o.host = t.host();
    return o;
}

BOOST_AUTO_TEST_CASE(manager_defers_the_scope_to_the_first_process) {
    cgtest::FakeTree t(cgtest::FakeTree::unified);
    ManagerOptions o = systemd_options(t, "machine.slice:berth:c1");
    o.annotations = {{"org.systemd.property.CollectMode", "'inactive-or-failed'"}};
    auto m = make_manager(o);
    auto* sd = dynamic_cast<SystemdManager*>(m.get());
    BOOST_REQUIRE(sd);
    m->create();
    BOOST_TEST(!t.exists("machine.slice"));  // systemd makes it, with the first pid
    BOOST_TEST(m->unified_fd() == -1);
    oci::Resources r;
    r.pids = oci::Pids{10};
    m->apply(r);  // remembered until the scope exists
    const auto p = sd->start_properties(77);
    BOOST_TEST((*find(p, "Slice") == Property{"Slice", std::string("machine.slice")}));
    BOOST_TEST((*find(p, "Delegate") == Property{"Delegate", true}));
    BOOST_TEST((*find(p, "PIDs") == Property{"PIDs", std::vector<std::uint32_t>{77}}));
    BOOST_TEST((*find(p, "TasksMax") == Property{"TasksMax", std::uint64_t{10}}));
    BOOST_TEST((*find(p, "IOAccounting") == Property{"IOAccounting", true}));
    BOOST_TEST(find(p, "CollectMode") != nullptr);
    oci::Resources bad;
    bad.network = oci::Network{1, {}};
    expect_error([&] { m->apply(bad); }, "net_cls");  // rejected before any D-Bus call

    const std::string saved = m->saved_form();
    auto loaded = load_manager(saved);
    BOOST_TEST(loaded->saved_form() == saved);
    BOOST_TEST(dynamic_cast<SystemdManager&>(*loaded).unit().unit == "berth-c1.scope");
    BOOST_TEST(saved.find(t.root() + "/machine.slice/berth-c1.scope") != std::string::npos);
    BOOST_TEST(saved.find("bus=") == std::string::npos);  // the system manager's
}

// Rootless: runc's default slice in the user's manager, and a state that keeps the user bus.
BOOST_AUTO_TEST_CASE(rootless_scope_defaults_to_user_slice_and_keeps_the_user_bus) {
    BOOST_TEST((parse_systemd_path("", "c9", "user.slice") == SystemdUnit{"user.slice", "berth-c9.scope"}));
    BOOST_TEST(parse_systemd_path(":libpod:c9", "c9", "user.slice").slice == "user.slice");
    BOOST_TEST(parse_systemd_path("app.slice:libpod:c9", "c9", "user.slice").slice == "app.slice");
    cgtest::FakeTree t(cgtest::FakeTree::unified);
    const std::string saved = make_manager(systemd_options(t, "user.slice:berth:c1"))->saved_form() + " bus=user";
    BOOST_TEST(load_manager(saved)->saved_form().find(" bus=user") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
