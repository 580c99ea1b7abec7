// Layout detection, path resolution and the saved form, without root.
#include "cgroup/layout.hpp"
#include "cgroup/saved_form.hpp"
#include "fake_tree.hpp"
#include "test_util.hpp"

using namespace berth;
using namespace berth::cgroup;
using cgtest::FakeTree;

BOOST_AUTO_TEST_SUITE(layout)

// This host's mountinfo, shortened, with what other tools add: a second mount of the
// memory hierarchy, a named hierarchy and a cgroup2 mount elsewhere.
const char* const kHybrid =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,xattr,memory\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "90 23 0:32 /berth /mnt/mem\\040copy rw,relatime - cgroup cgroup rw,memory\n"
    "91 23 0:40 / /run/tool rw,relatime - cgroup cgroup rw,name=tool\n"
    "92 23 0:41 / /run/cg2 rw,relatime - cgroup2 cgroup2 rw\n"
    "garbage line\n";

BOOST_AUTO_TEST_CASE(hierarchies_come_from_mountinfo) {
    const HostView host = parse_mountinfo(kHybrid);
    BOOST_TEST((host.layout == Layout::hybrid));
    BOOST_TEST(!host.emulated);
    BOOST_REQUIRE(host.v1.size() == 4u);
    BOOST_TEST(host.v1[0].mount == "/sys/fs/cgroup/cpu,cpuacct");
    BOOST_TEST(host.v1[0].controllers == (std::vector<std::string>{"cpu", "cpuacct"}));
    BOOST_TEST(host.v1[1].mount == "/sys/fs/cgroup/freezer");
    BOOST_TEST(host.v1[2].mount == "/sys/fs/cgroup/memory");  // the first mount of the two
    BOOST_TEST(host.v1[2].controllers == std::vector<std::string>{"memory"});
    BOOST_TEST(host.v1[3].controllers == std::vector<std::string>{"name=systemd"});
    BOOST_REQUIRE(host.unified.has_value());
    BOOST_TEST(host.unified->mount == "/sys/fs/cgroup/unified");
}

BOOST_AUTO_TEST_CASE(unified_and_legacy_layouts_from_mountinfo) {
    const HostView v2 = parse_mountinfo(
        "25 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"
        "26 25 0:24 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n");
    BOOST_TEST((v2.layout == Layout::unified));
    BOOST_TEST(v2.v1.empty());
    BOOST_REQUIRE(v2.unified.has_value());
    BOOST_TEST(v2.unified->mount == "/sys/fs/cgroup");
    const HostView v1 = parse_mountinfo("32 31 0:29 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n");
    BOOST_TEST((v1.layout == Layout::legacy));
    BOOST_TEST(!v1.unified.has_value());
    BOOST_TEST(v1.v1.size() == 1u);
    BOOST_TEST((parse_mountinfo("").layout == Layout::legacy));
}

BOOST_AUTO_TEST_CASE(this_host_is_read_from_its_mountinfo) {
    // The development and CI host is hybrid (v1 controllers plus cgroup2 at /unified).
    if (!std::filesystem::exists("/sys/fs/cgroup/unified/cgroup.procs")) {
        BOOST_TEST_MESSAGE("skipped: this host is not hybrid");
        return;
    }
    BOOST_TEST((detect_layout() == Layout::hybrid));
    const HostView host = discover_host();
    BOOST_TEST((host.layout == Layout::hybrid));
    BOOST_TEST(!host.emulated);
    BOOST_REQUIRE(host.unified.has_value());
    for (const auto& h : host.v1) BOOST_TEST(std::filesystem::exists(h.mount + "/cgroup.procs"), h.mount);
}

BOOST_AUTO_TEST_CASE(fake_tree_view_lists_comounted_directories_and_skips_symlinks) {
    FakeTree t(FakeTree::legacy);
    t.put("cpu,cpuacct/cgroup.procs", "");
    std::filesystem::create_directory_symlink(t.root() + "/cpu,cpuacct", t.root() + "/cpuacct-link");
    const HostView host = t.host();
    BOOST_TEST(host.emulated);
    const auto it = std::find_if(host.v1.begin(), host.v1.end(),
                                 [](const Hierarchy& h) { return h.controllers.size() == 2; });
    BOOST_REQUIRE(it != host.v1.end());
    BOOST_TEST(it->controllers == (std::vector<std::string>{"cpu", "cpuacct"}));
    for (const auto& h : host.v1) BOOST_TEST(h.mount.find("link") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(clean_path_never_climbs_out) {
    BOOST_TEST(clean_path("/a/../../b") == "/b");
    BOOST_TEST(clean_path("../../x/./y//") == "x/y");
    BOOST_TEST(clean_path("/") == "/");
    BOOST_TEST(clean_path("") == "");
}

BOOST_AUTO_TEST_CASE(inner_path_is_always_from_the_hierarchy_root) {
    BOOST_TEST(inner_path("", "c1") == "/berth/c1");
    BOOST_TEST(inner_path("/machine/c1", "c1") == "/machine/c1");
    BOOST_TEST(inner_path("/machine/../c1", "x") == "/c1");
    BOOST_TEST(inner_path("pods/c1", "x") == "/pods/c1");
    BOOST_TEST(inner_path("../../c1", "x") == "/c1");
    cgtest::expect_error([] { inner_path("/", "c1"); }, "empty");
}

BOOST_AUTO_TEST_CASE(resolve_joins_under_the_mount) {
    const Hierarchy mem{"/sys/fs/cgroup/memory", {"memory"}, false};
    const Hierarchy hy{"/sys/fs/cgroup/unified", {}, true};
    BOOST_TEST(resolve_path(mem, "/a/b") == "/sys/fs/cgroup/memory/a/b");
    BOOST_TEST(resolve_path(hy, "/berth/c1") == "/sys/fs/cgroup/unified/berth/c1");
}

BOOST_AUTO_TEST_CASE(saved_form_round_trip_with_odd_characters) {
    SavedForm f;
    f.add("driver", "fs");
    f.add("path", "/a b/%c=d\n");
    f.add("path", "");
    const std::string line = f.encode();
    BOOST_TEST(line.find('\n') == std::string::npos);
    const SavedForm g = SavedForm::decode(line);
    BOOST_TEST(g.items() == f.items());
    cgtest::expect_error([] { SavedForm::decode("something else"); }, "not a berth cgroup state line");
    cgtest::expect_error([] { SavedForm::decode("berth-cgroup/1 x=%zz"); }, "bad escape");
    cgtest::expect_error([&] { g.get("missing"); }, "no \"missing\"");
}

BOOST_AUTO_TEST_SUITE_END()
