// FsManager against a fake cgroup tree in a temp dir (hybrid and unified), without root.
#include "cgroup/fs_manager.hpp"
#include "fake_tree.hpp"
#include "test_util.hpp"

using namespace berth;
using namespace berth::cgroup;
using cgtest::FakeTree;

namespace {

ManagerOptions options_for(const FakeTree& t, const std::string& path = "/berth/c1") {
    ManagerOptions o;
    o.container_id = "c1";
    o.cgroups_path = path;
    o.host = t.host();
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fs_fake)

BOOST_AUTO_TEST_CASE(hybrid_create_makes_every_hierarchy_and_the_unified_dir) {
    FakeTree t(FakeTree::hybrid);
    auto m = make_manager(options_for(t));
    m->create();
    for (const char* h : {"blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids", "systemd", "unified"}) {
        BOOST_TEST(t.exists(std::string(h) + "/berth/c1"), h);
    }
    // cpuset inherits the parent's cpus and mems at every level.
    BOOST_TEST(t.get("cpuset/berth/cpuset.cpus") == "0-3");
    BOOST_TEST(t.get("cpuset/berth/c1/cpuset.mems") == "0");
    BOOST_TEST(m->unified_fd() == -1);  // hybrid: CLONE_INTO_CGROUP would miss the v1 trees
    m->create();                         // idempotent
}

BOOST_AUTO_TEST_CASE(undo_create_removes_what_create_made_and_keeps_what_existed) {
    FakeTree t(FakeTree::hybrid);
    t.put("memory/pods/keep", "");  // another cgroup under the same parent
    auto m = make_manager(options_for(t, "/pods/a/c1"));
    m->create();
    m->undo_create();
    for (const char* h : {"cpu", "memory", "freezer", "unified"}) BOOST_TEST(!t.exists(std::string(h) + "/pods/a"), h);
    BOOST_TEST(!t.exists("cpu/pods"));
    BOOST_TEST(t.exists("memory/pods/keep"));
    // A cgroupsPath naming an existing cgroup: left as it was, with what is in it.
    t.put("freezer/ours/c2/cgroup.procs", "4242\n");
    auto existing = make_manager(options_for(t, "/ours/c2"));
    existing->create();
    existing->undo_create();
    BOOST_TEST(t.get("freezer/ours/c2/cgroup.procs") == "4242\n");
}

BOOST_AUTO_TEST_CASE(hybrid_apply_writes_v1_files) {
    FakeTree t(FakeTree::hybrid);
    auto m = make_manager(options_for(t));
    m->create();
    oci::Resources r;
    r.memory = oci::Memory{};
    r.memory->limit = 1 << 20;
    r.cpu = oci::Cpu{};
    r.cpu->shares = 512;
    r.cpu->cpus = "1";
    r.pids = oci::Pids{32};
    r.devices = {{true, "c", 1, 3, "rw"}};
    m->apply(r);
    BOOST_TEST(t.get("memory/berth/c1/memory.limit_in_bytes") == "1048576");
    BOOST_TEST(t.get("cpu/berth/c1/cpu.shares") == "512");
    BOOST_TEST(t.get("cpuset/berth/c1/cpuset.cpus") == "1");
    BOOST_TEST(t.get("pids/berth/c1/pids.max") == "32");
    BOOST_TEST(t.get("devices/berth/c1/devices.allow") == "c 1:3 rw");
}

BOOST_AUTO_TEST_CASE(hybrid_missing_controller_is_a_clear_error) {
    FakeTree t(FakeTree::hybrid);
    auto m = make_manager(options_for(t));
    m->create();
    oci::Resources r;
    r.network = oci::Network{7, {}};
    cgtest::expect_error([&] { m->apply(r); }, ".linux.resources.network.classID: net_cls controller not available");
    r = {};
    r.unified = {{"memory.high", "1"}};
    cgtest::expect_error([&] { m->apply(r); }, ".linux.resources.unified");
}

BOOST_AUTO_TEST_CASE(hybrid_hugetlb_goes_to_the_cgroup2_tree_when_v1_lacks_it) {
    FakeTree t(FakeTree::hybrid);
    auto m = make_manager(options_for(t));
    m->create();
    oci::Resources r;
    r.hugepage_limits = {{"2MB", 1 << 21}};
    r.pids = oci::Pids{5};
    m->apply(r);
    BOOST_TEST(t.get("unified/berth/c1/hugetlb.2MB.max") == "2097152");
    BOOST_TEST(t.get("unified/cgroup.subtree_control") == "+hugetlb");
    BOOST_TEST(t.get("unified/berth/cgroup.subtree_control") == "+hugetlb");
    BOOST_TEST(t.get("pids/berth/c1/pids.max") == "5");
}

BOOST_AUTO_TEST_CASE(legacy_without_hugetlb_is_a_clear_error) {
    FakeTree t(FakeTree::legacy);
    auto m = make_manager(options_for(t));
    m->create();
    oci::Resources r;
    r.hugepage_limits = {{"2MB", 1 << 21}};
    cgtest::expect_error([&] { m->apply(r); }, ".linux.resources.hugepageLimits[0]: hugetlb controller not available");
}

BOOST_AUTO_TEST_CASE(hybrid_add_process_writes_every_hierarchy) {
    FakeTree t(FakeTree::hybrid);
    auto m = make_manager(options_for(t));
    m->create();
    m->add_process(4242);
    BOOST_TEST(t.get("memory/berth/c1/cgroup.procs") == "4242");
    BOOST_TEST(t.get("systemd/berth/c1/cgroup.procs") == "4242");
    BOOST_TEST(t.get("unified/berth/c1/cgroup.procs") == "4242");
    BOOST_TEST(m->pids() == std::vector<pid_t>{4242});
}

BOOST_AUTO_TEST_CASE(hybrid_freeze_writes_freezer_state) {
    FakeTree t(FakeTree::hybrid);
    auto m = make_manager(options_for(t));
    m->create();
    m->freeze(true);
    BOOST_TEST(t.get("freezer/berth/c1/freezer.state") == "FROZEN");
    BOOST_TEST(m->is_frozen());
    m->freeze(false);
    BOOST_TEST(!m->is_frozen());
}

BOOST_AUTO_TEST_CASE(saved_form_round_trip_and_destroy) {
    FakeTree t(FakeTree::hybrid);
    auto m = make_manager(options_for(t, "/a b/c1"));
    m->create();
    const std::string saved = m->saved_form();
    BOOST_TEST(saved.find('\n') == std::string::npos);
    auto loaded = load_manager(saved);
    BOOST_TEST(loaded->saved_form() == saved);
    auto* fs = dynamic_cast<FsManager*>(loaded.get());
    BOOST_REQUIRE(fs);
    BOOST_TEST((fs->dirs() == dynamic_cast<FsManager*>(m.get())->dirs()));
    loaded->add_process(1);
    loaded->destroy();
    for (const char* h : {"memory", "cpu", "unified", "systemd"}) BOOST_TEST(!t.exists(std::string(h) + "/a b/c1"), h);
    BOOST_TEST(t.exists("memory/a b"));  // only the container's own directory goes
    loaded->destroy();                   // already gone: fine
}

// Rootless on v1 (FsManager::create_where_permitted): the hierarchies left out are kept in
// the saved form, so that pause and a limit needing one say which directory was not writable.
BOOST_AUTO_TEST_CASE(skipped_hierarchies_survive_the_saved_form_and_are_named) {
    FakeTree t(FakeTree::hybrid);
    const std::string r = t.root();
    const std::string saved = "berth-cgroup/1 driver=fs layout=hybrid emulated=1 dir=v1 mount=" + r +
                              "/pids controllers=pids path=" + r + "/pids/d/c1 skipped=v1 mount=" + r +
                              "/freezer controllers=freezer path=" + r + "/freezer/d/c1";
    auto m = load_manager(saved);
    BOOST_TEST(m->saved_form() == saved);
    auto* fs = dynamic_cast<FsManager*>(m.get());
    BOOST_REQUIRE(fs);
    BOOST_TEST(fs->dirs().size() == 1U);
    BOOST_TEST(fs->skipped().size() == 1U);
    cgtest::expect_error([&] { m->freeze(true); },
                         "pause: cannot toggle freezer: the container has no freezer cgroup (\"" + r +
                             "/freezer/d/c1\" was not writable by uid");
    oci::Resources res;
    res.memory = oci::Memory{};
    res.memory->limit = 1 << 20;
    cgtest::expect_error([&] { m->apply(res); }, ".linux.resources.memory.limit: memory controller not available");
    cgtest::expect_error([] { load_manager("berth-cgroup/1 driver=fs layout=hybrid emulated=0 skipped=v1 mount=/x path=/y"); },
                         "bad cgroup path");
}

BOOST_AUTO_TEST_CASE(load_rejects_garbage) {
    cgtest::expect_error([] { load_manager("{}"); }, "load cgroup state");
    cgtest::expect_error([] { load_manager("berth-cgroup/1 driver=nfs"); }, "unknown driver");
    cgtest::expect_error([] { load_manager("berth-cgroup/1 driver=fs layout=hybrid emulated=0 dir=v1 mount=/x path=/y"); },
                         "bad cgroup path");
}

BOOST_AUTO_TEST_CASE(unified_create_delegates_controllers) {
    FakeTree t(FakeTree::unified);
    auto m = make_manager(options_for(t));
    m->create();
    BOOST_TEST(t.exists("berth/c1"));
    const std::string all = "+cpuset +cpu +io +memory +hugetlb +pids +rdma";
    BOOST_TEST(t.get("cgroup.subtree_control") == all);
    BOOST_TEST(t.get("berth/cgroup.subtree_control") == all);
    BOOST_TEST(!t.exists("berth/c1/cgroup.subtree_control"));  // the leaf holds the processes
    BOOST_TEST(m->unified_fd() >= 0);
    BOOST_TEST(m->unified_fd() == m->unified_fd());  // owned and cached by the manager
}

BOOST_AUTO_TEST_CASE(unified_apply_writes_v2_files) {
    FakeTree t(FakeTree::unified);
    auto m = make_manager(options_for(t));
    m->create();
    oci::Resources r;
    r.memory = oci::Memory{};
    r.memory->limit = 1 << 20;
    r.memory->swap = 3 << 20;
    r.cpu = oci::Cpu{};
    r.cpu->shares = 1024;
    r.cpu->quota = 20000;
    r.block_io = oci::BlockIo{};
    r.block_io->throttle_read_bps_device = {{8, 0, 100}};
    r.hugepage_limits = {{"2MB", 4 << 20}};
    r.rdma["mlx5_0"] = {4, std::nullopt};
    r.unified = {{"memory.high", "900000"}, {"cgroup.max.descendants", "5"}};
    r.devices = {{false, "a", std::nullopt, std::nullopt, "rwm"}};  // not attached in a fake tree
    m->apply(r);
    BOOST_TEST(t.get("berth/c1/memory.max") == "1048576");
    BOOST_TEST(t.get("berth/c1/memory.swap.max") == "2097152");
    BOOST_TEST(t.get("berth/c1/cpu.weight") == "39");
    BOOST_TEST(t.get("berth/c1/cpu.max") == "20000");
    BOOST_TEST(t.get("berth/c1/io.max") == "8:0 rbps=100");
    BOOST_TEST(t.get("berth/c1/hugetlb.2MB.max") == "4194304");
    BOOST_TEST(t.get("berth/c1/rdma.max") == "mlx5_0 hca_handle=4");
    BOOST_TEST(t.get("berth/c1/memory.high") == "900000");
    BOOST_TEST(t.get("berth/c1/cgroup.max.descendants") == "5");
}

BOOST_AUTO_TEST_CASE(unified_unknown_controller_is_an_error) {
    FakeTree t(FakeTree::unified);
    auto m = make_manager(options_for(t));
    m->create();
    oci::Resources r;
    r.unified = {{"misc.max", "x 1"}};
    cgtest::expect_error([&] { m->apply(r); }, ".linux.resources.unified[\"misc.max\"]: misc controller not available");
}

BOOST_AUTO_TEST_CASE(unified_freeze_and_saved_form) {
    FakeTree t(FakeTree::unified);
    auto m = make_manager(options_for(t));
    m->create();
    m->freeze(true);
    BOOST_TEST(t.get("berth/c1/cgroup.freeze") == "1");
    BOOST_TEST(m->is_frozen());
    m->freeze(false);
    auto loaded = load_manager(m->saved_form());
    BOOST_TEST(loaded->saved_form() == m->saved_form());
    loaded->destroy();
    BOOST_TEST(!t.exists("berth/c1"));
}

BOOST_AUTO_TEST_SUITE_END()
