// cgroups as the host presents them (berth issue 13): hierarchies found from mountinfo, not
// from the directories under /sys/fs/cgroup; a frozen cgroupsPath refused; realtime budget
// for berth's own parents; ordered writes of the pairs the kernel checks against each other;
// linux.memoryPolicy. Every cgroup is under a path of berth's or of these tests. Needs root.
#define BOOST_TEST_MODULE integration_cgroup_host
#include "harness.hpp"
#include "oci/parse.hpp"

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

using namespace berth::it;

namespace {

const std::string kCgroupRoot = "/sys/fs/cgroup";
const char* const kV1[] = {"freezer", "memory", "pids", "cpu", "cpuacct", "cpuset", "devices", "blkio", "systemd"};

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string cg_read(const std::string& path) { return trim(read_file(kCgroupRoot + path)); }

std::string unique_name(const std::string& what) {
    static int n = 0;
    return "berth-itest-" + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

// A cgroup the test makes itself (in the hierarchies named). At the end, whatever the test
// did, it is thawed, emptied and removed with its children in every hierarchy: berth makes
// the parents of a nested cgroupsPath everywhere and leaves them.
class OwnCgroup {
public:
    OwnCgroup(std::string inner, std::vector<std::string> hierarchies)
        : inner_(std::move(inner)), hierarchies_(std::move(hierarchies)) {
        for (const auto& h : hierarchies_) BOOST_TEST_REQUIRE(run_command({"/bin/mkdir", "-p", dir(h)}).status == 0);
    }
    ~OwnCgroup() {
        thaw();
        std::vector<std::string> all(std::begin(kV1), std::end(kV1));
        all.push_back("unified");
        for (const auto& h : all) {
            if (!path_exists(dir(h))) continue;
            // Whatever a failed berth left running in it (an init stuck in a frozen cgroup).
            Result pids = run_command({"/bin/sh", "-c", "cat $(find " + dir(h) + " -name cgroup.procs)"});
            std::istringstream in(pids.out);
            for (int pid; in >> pid;) ::kill(pid, SIGKILL);
        }
        ::usleep(100000);
        for (const auto& h : all)
            if (path_exists(dir(h))) run_command({"/bin/sh", "-c", "find " + dir(h) + " -depth -type d -exec rmdir {} \\;"});
    }
    OwnCgroup(const OwnCgroup&) = delete;
    OwnCgroup& operator=(const OwnCgroup&) = delete;
    // An init that a berth without the frozen check left blocked in the cgroup holds the
    // container's lock: thawed before the bundle is deleted, so that the delete cannot hang.
    void thaw() const {
        for (const auto& h : hierarchies_) {
            if (h == "freezer") write_file(dir(h) + "/freezer.state", "THAWED");
            if (h == "unified") write_file(dir(h) + "/cgroup.freeze", "0");
        }
    }
    std::string dir(const std::string& h) const { return kCgroupRoot + "/" + h + inner_; }
    const std::string& inner() const { return inner_; }

private:
    std::string inner_;
    std::vector<std::string> hierarchies_;
};

// A bundle whose process is `args`, with `cgroups_path` and `resources`.
void configure(Bundle& b, std::vector<std::string> args, const std::string& cgroups_path,
               const std::string& resources = "") {
    b.config.process->args = std::move(args);
    b.config.linux_->cgroups_path = cgroups_path;
    if (!resources.empty()) b.config.linux_->resources = berth::oci::parse_resources(resources, "test resources");
    b.save();
}

// `run -d` under timeout(1): a create that hangs fails the test instead of the run.
Result run_detached(const Bundle& b) {
    return run_command({"/usr/bin/timeout", "-s", "KILL", "20", berth_path(), "--root", b.state_root(), "run", "-d",
                        "--bundle", b.dir(), b.id()});
}

bool left_anywhere(const std::string& inner) {
    for (const char* h : kV1)
        if (path_exists(kCgroupRoot + "/" + h + inner)) return true;
    return path_exists(kCgroupRoot + "/unified" + inner);
}

void expect_frozen_refusal(const Bundle& b, const std::string& cgroups_path, const OwnCgroup& frozen) {
    Result r = run_detached(b);
    if (r.status == 128 + SIGKILL) frozen.thaw();
    BOOST_TEST(r.status != 0);
    BOOST_TEST(r.status != 128 + SIGKILL, "create hung in the frozen cgroup");
    BOOST_TEST(contains(r.err, ".linux.cgroupsPath \"" + cgroups_path + "\": the cgroup is frozen; thaw it first"),
               r.err);
    BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
    BOOST_TEST(b.berth({"state", b.id()}).status != 0);
}

bool has_rt() { return path_exists(kCgroupRoot + "/cpu/cpu.rt_runtime_us"); }

}  // namespace

// Another tool's `mkdir -p /sys/fs/cgroup/net_cls/...` on a host that mounts no net_cls: a
// plain directory on the cgroup root's tmpfs. Made in a private mount namespace over a
// private tmpfs, with the real hierarchies bound back in, so the host never sees it.
BOOST_AUTO_TEST_CASE(stray_directory_under_the_cgroup_root_is_no_hierarchy) {
    if (path_exists(kCgroupRoot + "/net_cls")) {
        BOOST_TEST_MESSAGE("skipped: this host mounts net_cls");
        return;
    }
    Bundle b;
    const std::string inner = "/" + unique_name("stray");
    configure(b, {"/bin/true"}, inner);
    const std::string script =
        // Moved, not bound again: mountinfo then lists each hierarchy once, as on a host.
        "set -e; real=" + b.dir() + "/real; mkdir $real; mount --rbind " + kCgroupRoot + " $real; umount -R " +
        kCgroupRoot + "; mount -t tmpfs -o mode=755 tmpfs " + kCgroupRoot +
        "; for h in $(ls $real); do mkdir " + kCgroupRoot + "/$h; mount --move $real/$h " + kCgroupRoot +
        "/$h; done; mkdir -p " + kCgroupRoot + "/net_cls/user.slice; \"$@\"";
    Result r = run_command({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script, "sh",
                            berth_path(), "--root", b.state_root(), "run", "--bundle", b.dir(), b.id()});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(!contains(r.err, "cgroup.procs"), r.err);
    BOOST_TEST(!left_anywhere(inner));
    BOOST_TEST(!path_exists(kCgroupRoot + "/net_cls"), "the stray directory reached the host");
}

// A hierarchy mounted twice at its place (here a bind of /sys/fs/cgroup/pids over itself,
// in a private mount namespace) is listed twice in mountinfo; the container's cgroup mount
// still binds it once (twice failed with EBUSY).
BOOST_AUTO_TEST_CASE(hierarchy_listed_twice_in_mountinfo_is_mounted_once) {
    if (!path_exists(kCgroupRoot + "/pids/cgroup.procs")) {
        BOOST_TEST_MESSAGE("skipped: this host mounts no v1 pids hierarchy");
        return;
    }
    Bundle b;
    const std::string inner = "/" + unique_name("twice");
    configure(b, {"/bin/sh", "-c", "grep -c ' /sys/fs/cgroup/pids ' /proc/self/mountinfo"}, inner);
    const std::string script = "set -e; mount --bind " + kCgroupRoot + "/pids " + kCgroupRoot + "/pids; \"$@\"";
    Result r = run_command({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script, "sh",
                            berth_path(), "--root", b.state_root(), "run", "--bundle", b.dir(), b.id()});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out == "1\n", r.out);
    BOOST_TEST(!left_anywhere(inner));
}

BOOST_AUTO_TEST_CASE(frozen_v1_cgroups_path_is_refused_and_left_as_it_was) {
    OwnCgroup frozen("/" + unique_name("frozen"), {"freezer"});
    write_file(frozen.dir("freezer") + "/freezer.state", "FROZEN");
    BOOST_TEST_REQUIRE(cg_read("/freezer" + frozen.inner() + "/freezer.state") == "FROZEN");
    {
        Bundle b;
        configure(b, {"/bin/sleep", "60"}, frozen.inner());
        expect_frozen_refusal(b, frozen.inner(), frozen);
        // The cgroup berth was given stays (frozen); none was made in the other hierarchies.
        BOOST_TEST(cg_read("/freezer" + frozen.inner() + "/freezer.state") == "FROZEN");
        BOOST_TEST(!path_exists(kCgroupRoot + "/memory" + frozen.inner()));
    }
    {
        // A new cgroup under a frozen parent is born frozen: refused, and removed again.
        write_file(frozen.dir("freezer") + "/freezer.state", "FROZEN");
        Bundle b;
        configure(b, {"/bin/sleep", "60"}, frozen.inner() + "/c");
        expect_frozen_refusal(b, frozen.inner() + "/c", frozen);
        BOOST_TEST(!left_anywhere(frozen.inner() + "/c"));
        // The parent berth made in the other hierarchies goes too; the test's own stays.
        BOOST_TEST(!path_exists(kCgroupRoot + "/memory" + frozen.inner()));
        BOOST_TEST(!path_exists(kCgroupRoot + "/unified" + frozen.inner()));
        BOOST_TEST(path_exists(frozen.dir("freezer")));
    }
}

BOOST_AUTO_TEST_CASE(frozen_cgroup2_cgroups_path_is_refused) {
    if (!path_exists(kCgroupRoot + "/unified/cgroup.freeze") && !path_exists(kCgroupRoot + "/unified/cgroup.procs")) {
        BOOST_TEST_MESSAGE("skipped: no cgroup2 tree at " << kCgroupRoot << "/unified");
        return;
    }
    OwnCgroup frozen("/" + unique_name("frozen2"), {"unified"});
    write_file(frozen.dir("unified") + "/cgroup.freeze", "1");
    Bundle b;
    configure(b, {"/bin/sleep", "60"}, frozen.inner() + "/c");
    expect_frozen_refusal(b, frozen.inner() + "/c", frozen);
    BOOST_TEST(!left_anywhere(frozen.inner() + "/c"));
    BOOST_TEST(!path_exists(kCgroupRoot + "/freezer" + frozen.inner()));
}

// The default path "/berth/<id>": "/berth" has no realtime runtime of its own until berth
// gives it what its children ask, and takes it back when they go.
BOOST_AUTO_TEST_CASE(rt_runtime_under_the_default_path_gets_its_parent_budget) {
    if (!has_rt()) {
        BOOST_TEST_MESSAGE("skipped: no CONFIG_RT_GROUP_SCHED");
        return;
    }
    Bundle b;
    configure(b, {"/bin/sleep", "60"}, "", R"({"cpu":{"realtimePeriod":1000000,"realtimeRuntime":10000}})");
    const std::string before = path_exists(kCgroupRoot + "/cpu/berth") ? cg_read("/cpu/berth/cpu.rt_runtime_us") : "0";
    Result r = run_detached(b);
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(cg_read("/cpu/berth/" + b.id() + "/cpu.rt_runtime_us") == "10000");
    BOOST_TEST(std::atoll(cg_read("/cpu/berth/cpu.rt_runtime_us").c_str()) >= 10000);
    Result u = b.berth({"update", "--cpu-rt-runtime", "20000", b.id()});
    BOOST_TEST(u.status == 0, u.err);
    BOOST_TEST(cg_read("/cpu/berth/" + b.id() + "/cpu.rt_runtime_us") == "20000");
    Result d = b.berth({"delete", "--force", b.id()});
    BOOST_TEST(d.status == 0);
    BOOST_TEST(d.err.empty(), d.err);
    BOOST_TEST(!path_exists(kCgroupRoot + "/cpu/berth/" + b.id()));
    BOOST_TEST(cg_read("/cpu/berth/cpu.rt_runtime_us") == before);
}

// runc orders and retries: under a parent with a 50% quota, a shorter period goes in only
// after the quota that fits it, and a longer one before.
BOOST_AUTO_TEST_CASE(cpu_period_and_quota_update_in_either_direction_under_a_parent_quota) {
    OwnCgroup parent("/berth/" + unique_name("quota"), {"cpu"});
    write_file(parent.dir("cpu") + "/cpu.cfs_quota_us", "50000");
    Bundle b;
    configure(b, {"/bin/sleep", "60"}, parent.inner() + "/c", R"({"cpu":{"period":100000,"quota":50000}})");
    Result r = run_detached(b);
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    const std::string c = "/cpu" + parent.inner() + "/c";
    Result down = b.berth({"update", "--cpu-period", "10000", "--cpu-quota", "3000", b.id()});
    BOOST_TEST(down.status == 0, down.err);
    BOOST_TEST(cg_read(c + "/cpu.cfs_period_us") == "10000");
    BOOST_TEST(cg_read(c + "/cpu.cfs_quota_us") == "3000");
    Result up = b.berth({"update", "--cpu-period", "100000", "--cpu-quota", "45000", b.id()});
    BOOST_TEST(up.status == 0, up.err);
    BOOST_TEST(cg_read(c + "/cpu.cfs_period_us") == "100000");
    BOOST_TEST(cg_read(c + "/cpu.cfs_quota_us") == "45000");
    BOOST_TEST(b.berth({"delete", "--force", b.id()}).status == 0);
}

// memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every step, in both directions,
// and `--memory -1` lifts a swap limit with it, as runc's update does.
BOOST_AUTO_TEST_CASE(memory_and_swap_update_in_either_direction_and_unlimited) {
    if (!path_exists(kCgroupRoot + "/memory/memory.memsw.limit_in_bytes")) {
        BOOST_TEST_MESSAGE("skipped: no swap accounting");
        return;
    }
    Bundle b;
    const std::string inner = "/" + unique_name("memsw");
    configure(b, {"/bin/sleep", "60"}, inner, R"({"memory":{"limit":33554432,"swap":67108864}})");
    Result r = run_detached(b);
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    const std::string m = "/memory" + inner;
    Result up = b.berth({"update", "--memory", "128m", "--memory-swap", "256m", b.id()});
    BOOST_TEST(up.status == 0, up.err);
    BOOST_TEST(cg_read(m + "/memory.limit_in_bytes") == std::to_string(128 << 20));
    BOOST_TEST(cg_read(m + "/memory.memsw.limit_in_bytes") == std::to_string(256 << 20));
    Result down = b.berth({"update", "--memory", "16m", "--memory-swap", "16m", b.id()});
    BOOST_TEST(down.status == 0, down.err);
    BOOST_TEST(cg_read(m + "/memory.memsw.limit_in_bytes") == std::to_string(16 << 20));
    Result unlimited = b.berth({"update", "--memory", "-1", b.id()});
    BOOST_TEST(unlimited.status == 0, unlimited.err);
    BOOST_TEST(std::atoll(cg_read(m + "/memory.limit_in_bytes").c_str()) > (1LL << 40));
    BOOST_TEST(std::atoll(cg_read(m + "/memory.memsw.limit_in_bytes").c_str()) > (1LL << 40));
    BOOST_TEST(b.berth({"delete", "--force", b.id()}).status == 0);
}

namespace {

// The policy the container's process has, as the kernel shows it for its first mapping.
std::string policy_inside(const std::string& mode, const std::string& nodes, std::vector<std::string> flags = {},
                          Result* out = nullptr) {
    Bundle b;
    b.config.process->args = {"/bin/sh", "-c", "read a p rest < /proc/self/numa_maps; echo \"policy=$p\""};
    b.config.linux_->memory_policy = berth::oci::MemoryPolicy{mode, nodes, std::move(flags)};
    Result r = b.run();
    if (out) *out = r;
    if (r.status != 0) return "error: " + r.err;
    return parse_report(r.out).get("policy");
}

}  // namespace

BOOST_AUTO_TEST_CASE(memory_policy_is_applied_to_the_container) {
    if (!path_exists("/proc/self/numa_maps")) {
        BOOST_TEST_MESSAGE("skipped: no NUMA support in this kernel");
        return;
    }
    BOOST_TEST(policy_inside("MPOL_BIND", "0") == "bind:0");
    BOOST_TEST(policy_inside("MPOL_PREFERRED", "0") == "prefer:0");
    BOOST_TEST(policy_inside("MPOL_INTERLEAVE", "0", {"MPOL_F_STATIC_NODES"}) == "interleave=static:0");
    BOOST_TEST(policy_inside("MPOL_LOCAL", "") == "local");
    // Relative nodes fold onto the nodes there are: 5 is node 0 on a one-node host.
    if (trim(read_file("/sys/devices/system/node/online")) == "0")
        BOOST_TEST(policy_inside("MPOL_BIND", "5", {"MPOL_F_RELATIVE_NODES"}) == "bind=relative:0");
    BOOST_TEST(policy_inside("MPOL_DEFAULT", "") == "default");
}

BOOST_AUTO_TEST_CASE(bad_memory_policy_is_refused_naming_the_field) {
    Result r;
    const std::string online = trim(read_file("/sys/devices/system/node/online"));
    if (online == "0") {
        policy_inside("MPOL_BIND", "5", {}, &r);
        BOOST_TEST(contains(r.err, ".linux.memoryPolicy.nodes: node 5 is not online on this host (online: 0)"), r.err);
    }
    policy_inside("MPOL_BIND", "0-", {}, &r);
    BOOST_TEST(contains(r.err, ".linux.memoryPolicy.nodes: invalid node list \"0-\""), r.err);
    policy_inside("MPOL_BIND", "0", {"MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"}, &r);
    BOOST_TEST(contains(r.err, ".linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude"),
               r.err);
    policy_inside("MPOL_INTERLEAVE", "0", {"MPOL_F_NUMA_BALANCING"}, &r);
    BOOST_TEST(contains(r.err, ".linux.memoryPolicy.flags: MPOL_F_NUMA_BALANCING needs mode MPOL_BIND"), r.err);
    BOOST_TEST(r.status != 0);
    BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
}

// The init joins its v1 cgroups itself (writing "0" to each hierarchy's tasks: no RCU grace
// period for berth to wait) and is cloned into the cgroup2 one: it must still be in the
// container's cgroup in every hierarchy, as the host sees it, and its cgroup namespace,
// unshared only after it joined, must be rooted there, as the container sees it.
BOOST_AUTO_TEST_CASE(init_is_in_its_cgroup_everywhere_and_roots_its_cgroup_namespace) {
    Bundle b;
    if (!b.config.linux_->has_namespace(berth::oci::NamespaceType::cgroup))
        b.config.linux_->namespaces.push_back({berth::oci::NamespaceType::cgroup, ""});
    b.config.root->readonly = false;  // the container writes what it sees to /cgroups.txt
    const std::string inner = "/" + unique_name("place");
    OwnCgroup own(inner, {});
    configure(b, {"/bin/sh", "-c", "cat /proc/self/cgroup > /cgroups.txt; exec sleep 100"}, inner);
    Result r = run_detached(b);
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    for (int i = 0; i < 100 && trim(read_file(b.rootfs() + "/cgroups.txt")).empty(); ++i) ::usleep(20000);
    Result st = b.berth({"state", b.id()});
    const auto at = st.out.find("\"pid\": ");
    BOOST_TEST_REQUIRE(at != std::string::npos, st.out);
    const std::string init = std::to_string(std::atoi(st.out.c_str() + at + 7));
    std::istringstream seen_by_host(read_file("/proc/" + init + "/cgroup"));
    int lines = 0;
    for (std::string line; std::getline(seen_by_host, line); ++lines)
        BOOST_TEST(line.substr(line.find(':', line.find(':') + 1) + 1) == inner, line);
    // Every hierarchy the test itself is in (each v1 one and the cgroup2 tree beside them).
    const std::string mine = read_file("/proc/self/cgroup");
    BOOST_TEST(lines == std::count(mine.begin(), mine.end(), '\n'));
    std::istringstream seen_inside(read_file(b.rootfs() + "/cgroups.txt"));
    int inside = 0;
    for (std::string line; std::getline(seen_inside, line); ++inside)
        BOOST_TEST(line.substr(line.find(':', line.find(':') + 1) + 1) == "/", line);
    BOOST_TEST(inside == lines);
    BOOST_TEST(b.berth({"delete", "--force", b.id()}).status == 0);
    BOOST_TEST(!left_anywhere(inner));
}
