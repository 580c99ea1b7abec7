// Real containers through the built berth: what the process inside sees, and the
// lifecycle commands' outputs. Needs root.
#define BOOST_TEST_MODULE integration_lifecycle
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

#include <sys/stat.h>
#include <unistd.h>

using namespace berth::it;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::string status_of(const Bundle& b) { return container_status(b); }

void wait_stopped(const Bundle& b) {
    for (int i = 0; i < 100 && status_of(b) != "stopped"; ++i) ::usleep(20000);
}

}  // namespace

BOOST_AUTO_TEST_CASE(run_gives_pid_1_hostname_and_namespaces) {
    Bundle b;
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("pid") == "1");
    BOOST_TEST(rep.get("hostname") == "berth-test");
    BOOST_TEST(rep.get("cwd") == "/");
    BOOST_TEST(rep.get("NoNewPrivs") == "1");
    BOOST_TEST(rep.get("fds") == "0,1,2");  // no berth fd reaches the container
    BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));  // run deletes after exit
}

BOOST_AUTO_TEST_CASE(run_returns_the_exit_status) {
    Bundle b;
    b.config.process->args = {"/probe", "exit", "7"};
    BOOST_TEST(b.run().status == 7);
}

BOOST_AUTO_TEST_CASE(default_mounts_and_devices) {
    Bundle b;
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.has_mount("/proc", "proc"));
    BOOST_TEST(rep.has_mount("/dev", "tmpfs"));
    BOOST_TEST(rep.has_mount("/dev/pts", "devpts"));
    BOOST_TEST(rep.has_mount("/sys", "sysfs"));
    BOOST_TEST(contains(rep.mount_options("/"), "ro"));  // root.readonly
    b.config.process->args = {"/probe", "stat", "/dev/null"};
    Report st = parse_report(b.run().out);
    BOOST_TEST(st.get("type") == "char");
    BOOST_TEST(st.get("rdev") == "1:3");
    b.config.process->args = {"/probe", "stat", "/dev/ptmx"};
    BOOST_TEST(parse_report(b.run().out).get("type") == "link");
}

BOOST_AUTO_TEST_CASE(linux_devices_are_created_with_mode_and_owner) {
    Bundle b;
    berth::oci::Device d;
    d.type = "c";
    d.path = "/dev/fuse-test";
    d.major = 10;
    d.minor = 229;
    d.file_mode = 0640;
    d.uid = 12;
    d.gid = 34;
    b.config.linux_->devices.push_back(d);
    b.config.process->args = {"/probe", "stat", "/dev/fuse-test"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report st = parse_report(r.out);
    BOOST_TEST(st.get("rdev") == "10:229");
    BOOST_TEST(st.get("mode") == "640");
    BOOST_TEST(st.get("uid") == "12");
    BOOST_TEST(st.get("gid") == "34");
}

BOOST_AUTO_TEST_CASE(masked_file_reads_empty_and_readonly_path_is_ro) {
    Bundle b;
    write_file(b.rootfs() + "/etc/secret", "top secret\n");
    ::mkdir((b.rootfs() + "/secretdir").c_str(), 0755);
    write_file(b.rootfs() + "/secretdir/file", "hidden\n");
    ::mkdir((b.rootfs() + "/rodir").c_str(), 0755);
    b.config.root->readonly = false;
    b.config.linux_->masked_paths = {"/etc/secret", "/secretdir"};
    b.config.linux_->readonly_paths = {"/rodir"};
    b.config.process->args = {"/probe", "cat", "/etc/secret"};
    Result r = b.run();
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out == "");
    b.config.process->args = {"/probe", "cat", "/secretdir/file"};
    BOOST_TEST(b.run().status == 1);  // an empty tmpfs: no such file
    // What the masks are, seen through an fd of the path inside the container: the file is
    // /dev/null (char 1:3), the directory a read-only tmpfs (TMPFS_MAGIC 0x1021994).
    b.config.process->args = {"/probe", "stat", "/etc/secret"};
    Report file = parse_report(b.run().out);
    BOOST_TEST(file.get("type") == "char");
    BOOST_TEST(file.get("rdev") == "1:3");
    b.config.process->args = {"/probe", "stat", "/secretdir"};
    Report dir = parse_report(b.run().out);
    BOOST_TEST(dir.get("type") == "dir");
    BOOST_TEST(dir.get("fs_magic") == "1021994");
    BOOST_TEST(dir.get("fs_readonly") == "1");
    b.config.process->args = {"/probe", "write", "/rodir/x", "data"};
    Result w = b.run();
    BOOST_TEST(w.status == 1);
    BOOST_TEST(contains(w.out, "Read-only file system"));
}

BOOST_AUTO_TEST_CASE(capabilities_are_the_exact_sets) {
    Bundle b;
    auto& caps = *b.config.process->capabilities;
    caps.bounding = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"};
    caps.permitted = {"CAP_CHOWN", "CAP_KILL"};
    caps.effective = {"CAP_KILL"};
    caps.inheritable = {"CAP_CHOWN"};
    caps.ambient = {"CAP_CHOWN"};
    b.config.process->user.uid = 1000;
    b.config.process->user.gid = 1000;
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    // CHOWN = bit 0, KILL = bit 5, NET_RAW = bit 13. Ambient raises CHOWN into effective at execve.
    BOOST_TEST(rep.get("CapBnd") == "0000000000002021");
    BOOST_TEST(rep.get("CapPrm") == "0000000000000001");
    BOOST_TEST(rep.get("CapInh") == "0000000000000001");
    BOOST_TEST(rep.get("CapAmb") == "0000000000000001");
    BOOST_TEST(rep.get("CapEff") == "0000000000000001");
}

BOOST_AUTO_TEST_CASE(rlimits_are_applied_and_an_impossible_one_fails_clearly) {
    Bundle b;
    b.config.process->rlimits = {{"RLIMIT_NOFILE", 2000, 1000}, {"RLIMIT_CORE", 4096, 1024}};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("rlimit_nofile") == "1000:2000");
    BOOST_TEST(rep.get("rlimit_core") == "1024:4096");
    b.config.process->rlimits = {{"RLIMIT_NOFILE", 1048576, 1048576}};
    Result bad = b.run();
    BOOST_TEST(bad.status != 0);
    BOOST_TEST(contains(bad.err, "RLIMIT_NOFILE hard limit 1048576 exceeds the current hard limit"), bad.err);
    BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));
}

BOOST_AUTO_TEST_CASE(user_groups_env_cwd_and_umask) {
    Bundle b;
    b.config.process->user.uid = 1234;
    b.config.process->user.gid = 4321;
    b.config.process->user.additional_gids = {10, 20};
    b.config.process->user.umask = 0077;
    b.config.process->env.push_back("FOO=bar baz");
    b.config.process->cwd = "/work/dir";
    b.config.root->readonly = false;
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("uid") == "1234");
    BOOST_TEST(rep.get("gid") == "4321");
    BOOST_TEST(rep.get("groups") == "10,20");
    BOOST_TEST(rep.get("cwd") == "/work/dir");
    BOOST_TEST(rep.get("Umask") == "0077");
    auto env = rep.all("env");
    BOOST_TEST((std::find(env.begin(), env.end(), "FOO=bar baz") != env.end()));
}

BOOST_AUTO_TEST_CASE(user_namespace_maps_ids) {
    Bundle b;
    b.config.linux_->namespaces.push_back({berth::oci::NamespaceType::user, ""});
    b.config.linux_->uid_mappings = {{0, 100000, 65536}};
    b.config.linux_->gid_mappings = {{0, 100000, 65536}};
    // The mapped root must be able to read the rootfs.
    run_command({"/bin/chown", "-R", "100000:100000", b.rootfs()});
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("uid") == "0");
    BOOST_TEST(contains(rep.get("uid_map"), "100000"));
    b.config.process->args = {"/probe", "stat", "/dev/null"};
    BOOST_TEST(parse_report(b.run().out).get("rdev") == "1:3");
}

BOOST_AUTO_TEST_CASE(sysctl_and_oom_score_adj) {
    Bundle b;
    b.config.linux_->sysctl["net.ipv4.ip_forward"] = "1";
    // The default readonlyPaths include /proc/sys, as every engine's do (Docker sets a sysctl
    // on every container): sysctls must be written before it turns read-only.
    BOOST_TEST_REQUIRE(std::count(b.config.linux_->readonly_paths.begin(), b.config.linux_->readonly_paths.end(),
                                  "/proc/sys") == 1);
    b.config.process->oom_score_adj = 500;
    b.config.process->args = {"/probe", "cat", "/proc/sys/net/ipv4/ip_forward"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.out == "1\n");
    b.config.process->args = {"/probe"};
    BOOST_TEST(parse_report(b.run().out).get("oom_score_adj") == "500");
}

// containerd's shim runs at oom_score_adj 1 and asks for 0: the kernel allows lowering down
// to oom_score_adj_min without CAP_SYS_RESOURCE, so berth must not refuse it up front.
BOOST_AUTO_TEST_CASE(oom_score_adj_may_go_below_the_callers_own) {
    write_file("/proc/self/oom_score_adj", "1");  // raising needs no privilege; inherited by berth
    Bundle b;
    b.config.process->oom_score_adj = 0;
    b.config.process->args = {"/probe"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(parse_report(r.out).get("oom_score_adj") == "0");
}

BOOST_AUTO_TEST_CASE(negative_oom_score_adj_without_cap_sys_resource_is_a_clear_error) {
    std::string status = read_file("/proc/self/status");
    auto at = status.find("CapEff:\t");
    std::uint64_t eff = std::stoull(status.substr(at + 8, 16), nullptr, 16);
    Bundle b;
    b.config.process->oom_score_adj = -100;
    b.config.process->args = {"/probe"};
    Result r = b.run();
    if (eff & (1ULL << 24)) {  // CAP_SYS_RESOURCE: the value is simply applied
        BOOST_TEST_REQUIRE(r.status == 0, r.err);
        BOOST_TEST(parse_report(r.out).get("oom_score_adj") == "-100");
    } else {
        BOOST_TEST(r.status != 0);
        BOOST_TEST(contains(r.err, ".process.oomScoreAdj: the kernel refused -100"), r.err);
    }
}

BOOST_AUTO_TEST_CASE(create_start_state_kill_delete_list_ps) {
    Bundle b;
    b.config.process->args = {"/probe", "sleep", "30"};
    b.save();
    std::string pidfile = b.dir() + "/pid";
    Result c = b.berth({"create", "--bundle", b.dir(), "--pid-file", pidfile, b.id()});
    BOOST_TEST_REQUIRE(c.status == 0, c.err);
    BOOST_TEST(status_of(b) == "created");
    std::string pid = read_file(pidfile);
    BOOST_TEST(!pid.empty());
    Result st = b.berth({"state", b.id()});
    BOOST_TEST(contains(st.out, "\"pid\": " + pid));
    Result del = b.berth({"delete", b.id()});
    BOOST_TEST(del.status != 0);  // created, not stopped
    BOOST_TEST(b.berth({"start", b.id()}).status == 0);
    BOOST_TEST(status_of(b) == "running");
    BOOST_TEST(b.berth({"start", b.id()}).status != 0);  // not created any more
    Result list = b.berth({"list"});
    BOOST_TEST(contains(list.out, "ID"));
    BOOST_TEST(contains(list.out, b.id()));
    BOOST_TEST(contains(list.out, "running"));
    BOOST_TEST(contains(b.berth({"list", "--format", "json"}).out, "\"id\":\"" + b.id() + "\""));
    BOOST_TEST(b.berth({"list", "-q"}).out == b.id() + "\n");
    Result ps = b.berth({"ps", "--format", "json", b.id()});
    BOOST_TEST(contains(ps.out, pid), ps.out + ps.err);
    BOOST_TEST(b.berth({"kill", b.id(), "KILL"}).status == 0);
    wait_stopped(b);
    BOOST_TEST(status_of(b) == "stopped");
    BOOST_TEST(b.berth({"kill", b.id(), "TERM"}).status != 0);  // stopped
    BOOST_TEST(b.berth({"delete", b.id()}).status == 0);
    BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));
    BOOST_TEST(b.berth({"state", b.id()}).status != 0);
}

BOOST_AUTO_TEST_CASE(delete_force_removes_a_created_container) {
    Bundle b;
    b.save();
    BOOST_TEST_REQUIRE(b.berth({"create", "--bundle", b.dir(), b.id()}).status == 0);
    std::string pid = parse_report(b.berth({"state", b.id()}).out).get("pid");
    BOOST_TEST(b.berth({"delete", "--force", b.id()}).status == 0);
    BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));
}

// state.json is written atomically but never fsync'd: after a power loss it may be empty.
// Such a container reads as one whose create never finished (as when berth is killed
// before its first save), with a warning naming the file, and delete --force removes it.
BOOST_AUTO_TEST_CASE(a_torn_state_file_reads_as_unfinished_and_force_deletes) {
    Bundle b;
    b.config.process->args = {"/probe", "exit", "0"};
    b.save();
    BOOST_TEST_REQUIRE(b.berth({"run", "--detach", "--bundle", b.dir(), b.id()}).status == 0);
    wait_stopped(b);
    std::string state = b.state_root() + "/" + b.id() + "/state.json";
    BOOST_TEST_REQUIRE(path_exists(state));
    write_file(state, "", 0600);
    Result st = b.berth({"state", b.id()});
    BOOST_TEST(st.status == 0, st.err);
    BOOST_TEST(contains(st.out, "\"creating\""), st.out);
    BOOST_TEST(contains(st.err, "state.json"), st.err);
    BOOST_TEST(b.berth({"delete", "--force", b.id()}).status == 0);
    BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));
    // A real torn file comes with a reboot, which empties every cgroup; this one did not, and
    // the torn record no longer names the (empty) cgroup: removed here as the reboot would.
    run_command({"/bin/sh", "-c", "rmdir /sys/fs/cgroup/*/berth/" + b.id() + " 2>/dev/null; true"});
}

BOOST_AUTO_TEST_CASE(delete_of_a_missing_container_fails_unless_forced) {
    Bundle b;
    Result plain = b.berth({"delete", b.id()});
    BOOST_TEST(plain.status != 0);
    BOOST_TEST(contains(plain.err, "does not exist"), plain.err);
    Result forced = b.berth({"delete", "--force", b.id()});  // runc's behaviour, relied on by podman
    BOOST_TEST(forced.status == 0, forced.err);
    BOOST_TEST(forced.err.empty(), forced.err);
}

BOOST_AUTO_TEST_CASE(invalid_ids_are_refused) {
    Bundle b;
    b.save();
    for (std::string id : {"../x", "a/b", "..", "bad id"})
        BOOST_TEST(b.berth({"create", "--bundle", b.dir(), id}).status != 0);
    // The state root's own entries: ".free" would be taken for the pool of deleted
    // containers' directories and hidden from `list`.
    for (std::string id : {".free", ".seccomp-cache", ".criu-check"}) {
        auto r = b.berth({"create", "--bundle", b.dir(), id});
        BOOST_TEST(r.status != 0);
        BOOST_TEST(contains(r.err, "the name is reserved"), r.err);
    }
}

// A delete keeps the emptied state directory in <root>/.free and the next create takes it
// (an ext4 rmdir costs ~1.5 ms here): the new container starts from a directory holding
// only the spare inodes of its files (a new inode costs 0.1-0.2 ms), which the create
// fills and renames, `list` never shows the pool, and an id that exists is still refused.
BOOST_AUTO_TEST_CASE(deleted_state_directory_is_reused_empty) {
    Bundle b;
    b.config.process->args = {"/bin/sleep", "100"};
    b.save();
    const std::string pool = b.state_root() + "/.free";
    BOOST_TEST_REQUIRE(b.berth({"create", "--bundle", b.dir(), "first"}).status == 0);
    BOOST_TEST(b.berth({"delete", "--force", "first"}).status == 0);
    BOOST_TEST(!path_exists(b.state_root() + "/first"));
    Result pooled = run_command({"/bin/ls", "-A", pool});
    BOOST_TEST(std::count(pooled.out.begin(), pooled.out.end(), '\n') == 1, pooled.out);
    Result spares = run_command({"/bin/sh", "-c", "ls -A " + pool + "/*"});
    BOOST_TEST(spares.out == ".spare.config.json\n.spare.exec.fifo\n.spare.state.json\n.spare2.state.json\n");
    BOOST_TEST_REQUIRE(b.berth({"create", "--bundle", b.dir(), "second"}).status == 0);
    BOOST_TEST(run_command({"/bin/ls", "-A", pool}).out.empty());
    Result files = run_command({"/bin/ls", "-A", b.state_root() + "/second"});
    BOOST_TEST(files.out == ".spare.state.json\nconfig.json\nexec.fifo\nstate.json\n");
    BOOST_TEST(run_command({"/usr/bin/test", "-p", b.state_root() + "/second/exec.fifo"}).status == 0);
    // The reused inodes hold the new container's state, not the deleted one's.
    Result state = run_command({"/bin/cat", b.state_root() + "/second/state.json"});
    BOOST_TEST(contains(state.out, "\"id\":\"second\""), state.out);
    Result list = b.berth({"list", "-q"});
    BOOST_TEST(list.out == "second\n");
    BOOST_TEST(status_of(b) == "");  // b.id() was never created
    BOOST_TEST(b.berth({"state", "second"}).status == 0);
    BOOST_TEST(b.berth({"delete", "--force", "second"}).status == 0);
    BOOST_TEST_REQUIRE(b.berth({"create", "--bundle", b.dir(), "third"}).status == 0);
    Result again = b.berth({"create", "--bundle", b.dir(), "third"});
    BOOST_TEST(again.status != 0);
    BOOST_TEST(contains(again.err, "container \"third\" already exists"), again.err);
    BOOST_TEST(b.berth({"delete", "--force", "third"}).status == 0);
    BOOST_TEST(b.berth({"list", "-q"}).out.empty());
}
