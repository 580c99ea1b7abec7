// Layout detection, path resolution and the saved form, without root.
#include "cgroup/layout.hpp"
#include "cgroup/saved_form.hpp"
#include "fake_tree.hpp"
#include "test_util.hpp"

using namespace berth;
using namespace berth::cgroup;
using cgtest::FakeTree;

BOOST_AUTO_TEST_SUITE(layout)

BOOST_AUTO_TEST_CASE(fake_trees_are_told_apart_by_marker_files) {
    FakeTree h(FakeTree::hybrid), u(FakeTree::unified), l(FakeTree::legacy);
    BOOST_TEST((detect_layout(h.root()) == Layout::hybrid));
    BOOST_TEST((detect_layout(u.root()) == Layout::unified));
    BOOST_TEST((detect_layout(l.root()) == Layout::legacy));
}

BOOST_AUTO_TEST_CASE(this_host_is_hybrid_by_statfs) {
    // The development and CI host is hybrid (v1 controllers plus cgroup2 at /unified).
    if (!std::filesystem::exists("/sys/fs/cgroup/unified/cgroup.procs")) return;
    BOOST_TEST((detect_layout() == Layout::hybrid));
    const HostView host = discover_host("/sys/fs/cgroup");
    BOOST_TEST(!host.emulated);
    BOOST_TEST(host.unified.has_value());
}

BOOST_AUTO_TEST_CASE(discover_hybrid_hierarchies) {
    FakeTree t(FakeTree::hybrid);
    const HostView host = discover_host(t.root());
    BOOST_TEST(host.emulated);
    BOOST_REQUIRE(host.v1.size() == 9u);
    BOOST_TEST(host.v1[0].mount == t.root() + "/blkio");
    BOOST_TEST(host.v1.back().controllers == std::vector<std::string>{"name=systemd"});
    BOOST_REQUIRE(host.unified.has_value());
    BOOST_TEST(host.unified->controllers == std::vector<std::string>{"hugetlb"});
}

BOOST_AUTO_TEST_CASE(comounted_hierarchy_and_symlinks) {
    FakeTree t(FakeTree::legacy);
    t.put("cpu,cpuacct/cgroup.procs", "");
    std::filesystem::create_directory_symlink(t.root() + "/cpu,cpuacct", t.root() + "/cpuacct-link");
    const HostView host = discover_host(t.root());
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
