// Process attributes seen from inside a real container: scheduler, I/O priority,
// personality, CPU affinity, time namespace offsets, the session keyring and HOME.
// Needs root.
#define BOOST_TEST_MODULE integration_process_attrs
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <ctime>

#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace berth::it;

namespace {

bool has_env(const Report& rep, const std::string& entry) {
    for (const auto& e : rep.all("env"))
        if (e == entry) return true;
    return false;
}

bool has_env_key(const Report& rep, const std::string& key) {
    for (const auto& e : rep.all("env"))
        if (e.rfind(key + "=", 0) == 0) return true;
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(scheduler_policy_and_nice_are_applied) {
    Bundle b;
    berth::oci::Scheduler s;
    s.policy = "SCHED_BATCH";
    s.nice = 7;
    b.config.process->scheduler = s;
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("sched_policy") == "3");  // SCHED_BATCH
    BOOST_TEST(rep.get("nice") == "7");
}

BOOST_AUTO_TEST_CASE(scheduler_realtime_priority_is_applied) {
    Bundle b;
    berth::oci::Scheduler s;
    s.policy = "SCHED_RR";
    s.priority = 5;
    b.config.process->scheduler = s;
    // With RT group scheduling a new cgroup gets no realtime budget, so sched_setattr would
    // fail: give the container one, in a cgroup right under the root (berth's own has none).
    if (path_exists("/sys/fs/cgroup/cpu/cpu.rt_runtime_us")) {
        b.config.linux_->cgroups_path = "/" + b.id();
        b.config.linux_->resources.emplace().cpu.emplace().realtime_runtime = 10000;
    }
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("sched_policy") == "2");  // SCHED_RR
    BOOST_TEST(rep.get("sched_priority") == "5");
}

BOOST_AUTO_TEST_CASE(io_priority_is_applied) {
    Bundle b;
    b.config.process->io_priority = berth::oci::IoPriority{"IOPRIO_CLASS_BE", 6};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(parse_report(r.out).get("ioprio") == std::to_string((2 << 13) | 6));  // class BE << 13 | level
}

BOOST_AUTO_TEST_CASE(personality_linux32_changes_the_machine) {
    Bundle b;
    b.config.linux_->personality = berth::oci::Personality{"LINUX32", {}};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(parse_report(r.out).get("machine") == "i686");
    b.config.linux_->personality = berth::oci::Personality{"LINUX", {}};
    BOOST_TEST(parse_report(b.run().out).get("machine") == "x86_64");
}

BOOST_AUTO_TEST_CASE(exec_cpu_affinity_final_is_what_the_process_runs_with) {
    if (::sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        BOOST_TEST_MESSAGE("skip: needs two CPUs");
        return;
    }
    Bundle b;
    b.config.process->exec_cpu_affinity = berth::oci::CpuAffinity{"0", "1"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(parse_report(r.out).get("affinity") == "1");
    // Without final, the initial set is what the process keeps.
    b.config.process->exec_cpu_affinity = berth::oci::CpuAffinity{"1", ""};
    Result initial = b.run();
    BOOST_TEST_REQUIRE(initial.status == 0, initial.err);
    BOOST_TEST(parse_report(initial.out).get("affinity") == "1");
    b.config.process->exec_cpu_affinity = berth::oci::CpuAffinity{"0", "99999"};
    Result bad = b.run();
    BOOST_TEST(bad.status != 0);
    BOOST_TEST(bad.err.find("execCPUAffinity.final") != std::string::npos, bad.err);
}

BOOST_AUTO_TEST_CASE(time_namespace_offsets_shift_the_clocks) {
    if (!path_exists("/proc/self/ns/time")) {
        BOOST_TEST_MESSAGE("skip: the kernel has no time namespaces");
        return;
    }
    Bundle b;
    b.config.linux_->namespaces.push_back({berth::oci::NamespaceType::time, ""});
    b.config.linux_->time_offsets["monotonic"] = {864000, 0};
    b.config.linux_->time_offsets["boottime"] = {172800, 0};
    timespec mono{}, boot{};
    ::clock_gettime(CLOCK_MONOTONIC, &mono);
    ::clock_gettime(CLOCK_BOOTTIME, &boot);
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("timens_offsets") == "monotonic      864000         0;boottime       172800         0");
    long long in_mono = std::stoll(rep.get("monotonic"));
    long long in_boot = std::stoll(rep.get("boottime"));
    BOOST_TEST(in_mono >= mono.tv_sec + 864000);
    BOOST_TEST(in_mono < mono.tv_sec + 864000 + 60);
    BOOST_TEST(in_boot >= boot.tv_sec + 172800);
    BOOST_TEST(in_boot < boot.tv_sec + 172800 + 60);
}

BOOST_AUTO_TEST_CASE(session_keyring_is_new_unless_no_new_keyring) {
    // KEYCTL_GET_KEYRING_ID (0) of KEY_SPEC_SESSION_KEYRING (-3), without creating one.
    std::string ours = std::to_string(::syscall(SYS_keyctl, 0, -3, 0));
    Bundle b;
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    std::string fresh = parse_report(r.out).get("session_keyring");
    BOOST_TEST(!fresh.empty());
    BOOST_TEST(fresh != ours);
    BOOST_TEST(fresh != parse_report(b.run().out).get("session_keyring"));  // one per container
    Result kept = b.run({"--no-new-keyring"});
    BOOST_TEST_REQUIRE(kept.status == 0, kept.err);
    BOOST_TEST(parse_report(kept.out).get("session_keyring") == ours);
}

BOOST_AUTO_TEST_CASE(home_comes_from_etc_passwd_when_env_has_none) {
    Bundle b;
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(has_env(parse_report(r.out), "HOME=/root"));
    b.config.process->user.uid = 4242;  // not in /etc/passwd
    BOOST_TEST(has_env(parse_report(b.run().out), "HOME=/"));
    b.config.process->env.push_back("HOME=/custom");
    Report kept = parse_report(b.run().out);
    BOOST_TEST(has_env(kept, "HOME=/custom"));
    BOOST_TEST(kept.all("env").size() == b.config.process->env.size());  // no second HOME
    BOOST_TEST(has_env_key(kept, "PATH"));
}

// HOME comes from the /etc/passwd the container sees after its mounts (runc reads it
// then): a bind over /etc/passwd, as engines make, wins over the rootfs's own file, and so
// does a bind of a whole /etc; a tmpfs over /etc leaves no passwd, so HOME is "/".
BOOST_AUTO_TEST_CASE(home_comes_from_the_passwd_file_mounted_over_the_rootfs_one) {
    Bundle b;
    write_file(b.rootfs() + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000::/wrong:/bin/sh\n");
    write_file(b.dir() + "/passwd", "u:x:1000:1000::/right:/bin/sh\n");
    b.config.process->user.uid = 1000;
    b.config.process->user.gid = 1000;
    BOOST_TEST(has_env(parse_report(b.run().out), "HOME=/wrong"));  // the rootfs's, without a mount

    b.config.mounts.push_back(berth::oci::Mount{"/etc/passwd", "bind", b.dir() + "/passwd", {"bind", "ro"}, {}, {}});
    Report bound = parse_report(b.run().out);
    BOOST_TEST(has_env(bound, "HOME=/right"));

    const std::string etc = b.dir() + "/etc";
    BOOST_TEST_REQUIRE(::mkdir(etc.c_str(), 0755) == 0);
    write_file(etc + "/passwd", "u:x:1000:1000::/from-etc:/bin/sh\n");
    b.config.mounts.back() = berth::oci::Mount{"/etc", "bind", etc, {"rbind", "ro"}, {}, {}};
    BOOST_TEST(has_env(parse_report(b.run().out), "HOME=/from-etc"));

    b.config.mounts.back() = berth::oci::Mount{"/etc", "tmpfs", "tmpfs", {"nosuid"}, {}, {}};
    BOOST_TEST(has_env(parse_report(b.run().out), "HOME=/"));

    b.config.process->env.push_back("HOME=/env-wins");
    BOOST_TEST(has_env(parse_report(b.run().out), "HOME=/env-wins"));
}
