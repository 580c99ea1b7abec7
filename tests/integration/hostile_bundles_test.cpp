// Hostile bundles: each one either fails closed with a one-line error naming the field
// and the reason, or runs contained (checked from inside). Either way the host must be
// unchanged afterwards: mounts, state root, cgroups, processes, and the decoy files the
// bundle aims at (never real host files).
#define BOOST_TEST_MODULE integration_hostile_bundles
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace berth::it;
namespace oci = berth::oci;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

void contained_or_refused(const Result& r, const std::string& inside, const std::string& dest);

// A bundle with a writable rootfs and a decoy directory outside it (decoy/target, decoy/d)
// standing for the host files a hostile bundle aims at.
struct Hostile {
    Bundle b;
    std::string decoy = b.dir() + "/decoy";
    HostSnapshot before;
    std::vector<std::string> cgroup_needles;

    Hostile() {
        b.config.root->readonly = false;
        ::mkdir(decoy.c_str(), 0755);
        ::mkdir((decoy + "/d").c_str(), 0755);
        write_file(decoy + "/target", "decoy\n");
    }
    void link(const std::string& target, const std::string& in_rootfs) {
        BOOST_TEST_REQUIRE(::symlink(target.c_str(), (b.rootfs() + in_rootfs).c_str()) == 0, in_rootfs);
    }
    void drop_mount(const std::string& dest) {
        std::erase_if(b.config.mounts, [&](const oci::Mount& m) { return m.destination == dest; });
    }
    // A tmpfs at `dest`, whose parent links to the decoy: it must land at the decoy's
    // path inside the container, or create must fail naming `dest`.
    void tmpfs_through_link(const std::string& dest) {
        b.config.mounts.push_back(make_mount(dest, "tmpfs", "tmpfs"));
        contained_or_refused(run({"/probe"}), decoy + "/x", dest);
        host_unchanged();
    }
    void snap() { before = snapshot_host(b, {decoy}, cgroup_needles); }
    Result run(const std::vector<std::string>& args) {
        b.config.process->args = args;
        if (before.mounts.empty()) snap();
        return b.run();
    }
    void host_unchanged() {
        b.berth({"delete", "--force", b.id()});
        // A killed process leaves the process table a moment later: up to 2 s.
        std::string d = diff(before, snapshot_host(b, {decoy}, cgroup_needles));
        for (int i = 0; i < 20 && !d.empty(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            d = diff(before, snapshot_host(b, {decoy}, cgroup_needles));
        }
        BOOST_TEST(d.empty(), d << run_command({"/bin/ps", "-eo", "pid,ppid,stat,wchan:20,cmd"}).out);
    }
};

// Fails closed: non-zero exit, one line on stderr, naming every needle.
void refused(const Result& r, std::initializer_list<std::string> needles) {
    BOOST_TEST(r.status != 0, r.out);
    std::string err = r.err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    BOOST_TEST(!err.empty());
    BOOST_TEST_MESSAGE("refused: " << err);
    BOOST_TEST(!contains(err, "\n"), "more than one line: " << err);
    for (const auto& n : needles) BOOST_TEST(contains(err, n), "no \"" << n << "\" in: " << err);
}

// Either the mount landed inside the container at `inside`, or create failed naming `dest`.
void contained_or_refused(const Result& r, const std::string& inside, const std::string& dest) {
    if (r.status == 0) BOOST_TEST(parse_report(r.out).has_mount(inside), r.out);
    else refused(r, {dest});
}

// Ran: exit 0 and the probe's report.
Report ran(const Result& r) {
    BOOST_TEST(r.status == 0, r.err);
    return parse_report(r.out);
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(absolute_symlink_destination_stays_in_the_rootfs, Hostile) {
    link(decoy, "/evil");
    tmpfs_through_link("/evil/x");
}

BOOST_FIXTURE_TEST_CASE(relative_symlink_climbing_out_stays_in_the_rootfs, Hostile) {
    link("../../../../../../../../.." + decoy, "/evil");
    tmpfs_through_link("/evil/x");
}

BOOST_FIXTURE_TEST_CASE(chained_symlinks_stay_in_the_rootfs, Hostile) {
    ::mkdir((b.rootfs() + "/c").c_str(), 0755);
    link("/c/two", "/one");
    link("../three", "/c/two");
    link(decoy, "/three");
    tmpfs_through_link("/one/x");
}

BOOST_FIXTURE_TEST_CASE(symlink_through_proc_self_root_cannot_reach_the_host, Hostile) {
    // After /proc is mounted, /proc/self/root is a magic link to berth's own root: the host's.
    link("/proc/self/root" + decoy, "/evil");
    tmpfs_through_link("/evil/x");
}

BOOST_FIXTURE_TEST_CASE(symlink_swapped_for_a_directory_during_create, Hostile) {
    b.config.mounts.push_back(make_mount("/flip/x", "tmpfs", "tmpfs"));
    snap();
    std::atomic<bool> stop{false};
    std::string flip = b.rootfs() + "/flip", tmp = b.rootfs() + "/flip.tmp";
    std::thread flipper([&] {
        for (bool as_link = true; !stop; as_link = !as_link) {
            ::unlink(tmp.c_str());
            ::rmdir(tmp.c_str());
            if (as_link) (void)!::symlink(decoy.c_str(), tmp.c_str());  // a lost race is fine
            else ::mkdir(tmp.c_str(), 0755);
            ::rename(tmp.c_str(), flip.c_str());  // fails over a non-empty dir: keep flipping
            if (::rmdir(flip.c_str()) != 0) ::unlink(flip.c_str());
        }
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int runs = 0, ok = 0;
    for (; runs < 10 && std::chrono::steady_clock::now() < deadline; ++runs) {
        Result r = b.run();
        if (r.status == 0) ++ok;
        else BOOST_TEST(contains(r.err, "/flip"), r.err);
        b.berth({"delete", "--force", b.id()});
    }
    stop = true;
    flipper.join();
    BOOST_TEST_MESSAGE(runs << " runs under a flipping symlink, " << ok << " succeeded");
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(dotdot_destination_stays_in_the_rootfs, Hostile) {
    b.config.mounts.push_back(make_mount("/a/../../../../../.." + decoy + "/x", "tmpfs", "tmpfs"));
    Report r = ran(run({"/probe"}));
    BOOST_TEST(r.has_mount(decoy + "/x", "tmpfs"));
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(bind_over_proc_before_proc_is_covered, Hostile) {
    b.config.mounts.insert(b.config.mounts.begin(), make_mount("/proc", "bind", decoy, {"rbind", "rw"}));
    Report r = ran(run({"/probe"}));
    BOOST_TEST(r.has_mount("/proc", "proc"));
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(tmpfs_over_sys_before_sysfs_is_covered, Hostile) {
    b.config.mounts.insert(b.config.mounts.begin(), make_mount("/sys", "tmpfs", "tmpfs"));
    Report r = ran(run({"/probe"}));
    BOOST_TEST(r.has_mount("/sys", "sysfs"));
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(tmpfs_over_proc_sys_kernel_does_not_touch_host_sysctls, Hostile) {
    std::string hostname = read_file("/proc/sys/kernel/hostname");
    b.config.mounts.push_back(make_mount("/proc/sys/kernel", "tmpfs", "tmpfs"));
    run({"/probe", "write", "/proc/sys/kernel/hostname", "hostile"});
    BOOST_TEST(read_file("/proc/sys/kernel/hostname") == hostname);
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(bind_of_proc_self_fd_shows_no_host_path, Hostile) {
    b.config.mounts.push_back(make_mount("/fds", "bind", "/proc/self/fd", {"rbind"}));
    Result res = run({"/bin/sh", "-c", "ls -l /fds/"});
    if (res.status == 0) BOOST_TEST(!contains(res.out, b.dir()), res.out);
    else refused(res, {"/fds"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(read_only_bind_of_proc_1_root_cannot_write_the_host, Hostile) {
    b.config.mounts.push_back(make_mount("/hostroot", "bind", "/proc/1/root", {"bind", "ro"}));
    Result res = run({"/probe", "write", "/hostroot" + decoy + "/target", "hostile"});
    // berth resolves bind sources without following magic links into another root.
    if (res.out.empty()) refused(res, {"bind source \"/proc/1/root\""});
    else BOOST_TEST(contains(res.out, "Read-only file system"), res.out << res.err);
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(dev_entries_that_are_symlinks_to_the_host, Hostile) {
    // The rootfs's own /dev, full of links to the decoy, and no /dev mount in the config.
    drop_mount("/dev");
    for (const char* f : {"/dev/null", "/dev/ptmx", "/dev/console", "/dev/tty", "/dev/zero"})
        link(decoy + "/target", f);
    Result res = run({"/probe", "stat", "/dev/null"});
    if (res.status == 0) {
        Report r = parse_report(res.out);
        BOOST_TEST(r.get("type") == "char");
        BOOST_TEST(r.get("rdev") == "1:3");
    } else {
        refused(res, {"/dev/"});
    }
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(dev_pts_and_shm_that_are_symlinks_to_the_host, Hostile) {
    drop_mount("/dev");
    link(decoy + "/d", "/dev/pts");
    link(decoy + "/d", "/dev/shm");
    contained_or_refused(run({"/probe"}), decoy + "/d", "/dev/pts");
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(host_disk_node_in_the_rootfs_cannot_be_opened, Hostile) {
    struct stat root{};
    BOOST_TEST_REQUIRE(::stat("/", &root) == 0);
    BOOST_TEST_REQUIRE(::mknod((b.rootfs() + "/disk").c_str(), S_IFBLK | 0600, root.st_dev) == 0);
    Result res = run({"/probe", "cat", "/disk"});
    BOOST_TEST(res.status != 0);
    BOOST_TEST(contains(res.out, "error=Operation not permitted"), res.out << res.err);  // the device cgroup
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(device_path_with_dotdot_stays_in_the_rootfs, Hostile) {
    oci::Device d;
    d.type = "c";
    d.path = "/dev/../../../../.." + decoy + "/null";
    d.major = 1;
    d.minor = 3;
    b.config.linux_->devices.push_back(d);
    Result res = run({"/probe", "stat", decoy + "/null"});
    if (res.status == 0) BOOST_TEST(parse_report(res.out).get("rdev") == "1:3");
    else refused(res, {"linux.devices", decoy + "/null"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(device_under_a_symlinked_parent_stays_in_the_rootfs, Hostile) {
    // berth mounts a fresh tmpfs on /dev, so the hostile parent lives elsewhere in the rootfs.
    link(decoy + "/d", "/etc/evil");
    oci::Device d;
    d.type = "c";
    d.path = "/etc/evil/null";
    d.major = 1;
    d.minor = 3;
    b.config.linux_->devices.push_back(d);
    Result res = run({"/probe", "stat", decoy + "/d/null"});
    if (res.status == 0) BOOST_TEST(parse_report(res.out).get("rdev") == "1:3");
    else refused(res, {"etc/evil/null"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(tmpfs_of_size_1e20, Hostile) {
    b.config.mounts.push_back(make_mount("/big", "tmpfs", "tmpfs", {"size=100000000000000000000"}));
    Result res = run({"/probe"});
    if (res.status == 0) BOOST_TEST(parse_report(res.out).has_mount("/big", "tmpfs"));
    else refused(res, {"/big"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(three_thousand_mounts, Hostile) {
    for (int i = 0; i < 3000; ++i) b.config.mounts.push_back(make_mount("/m/" + std::to_string(i), "tmpfs", "tmpfs"));
    Result res = run({"/bin/sh", "-c", "grep -c ' /m/' /proc/self/mountinfo"});
    if (res.status == 0) BOOST_TEST(contains(res.out, "3000"), res.out);
    else refused(res, {"mount"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(destination_nested_200_levels, Hostile) {
    std::string dest;
    for (int i = 0; i < 200; ++i) dest += "/d";
    b.config.mounts.push_back(make_mount(dest, "tmpfs", "tmpfs"));
    Report r = ran(run({"/probe"}));
    BOOST_TEST(r.has_mount(dest, "tmpfs"));
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(destination_longer_than_path_max, Hostile) {
    std::string dest;
    for (int i = 0; i < 300; ++i) dest += "/" + std::string(16, 'p');  // 5100 characters
    b.config.mounts.push_back(make_mount(dest, "tmpfs", "tmpfs"));
    refused(run({"/probe"}), {"/pppppppppppppppp", "too long"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(args_above_arg_max, Hostile) {
    long arg_max = ::sysconf(_SC_ARG_MAX);
    refused(run({"/probe", std::string(static_cast<size_t>(arg_max) + 1, 'a')}), {"exec \"/probe\"", "Argument list too long"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(hundred_thousand_env_entries, Hostile) {
    for (int i = 0; i < 100000; ++i) b.config.process->env.push_back("V" + std::to_string(i) + "=x");
    Result res = run({"/probe"});
    // +1: berth adds HOME from the image's /etc/passwd when the env has none, as runc does.
    if (res.status == 0) BOOST_TEST(parse_report(res.out).all("env").size() == b.config.process->env.size() + 1);
    else refused(res, {"/probe", "Argument list too long"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(hostname_of_300_characters, Hostile) {
    b.config.hostname = std::string(300, 'h');
    refused(run({"/probe"}), {"hostname"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(rlimit_above_the_hard_limit, Hostile) {
    b.config.process->rlimits = {{"RLIMIT_NOFILE", 1u << 24, 1u << 24}};
    refused(run({"/probe"}), {"RLIMIT_NOFILE"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(overlapping_uid_mappings, Hostile) {
    oci::Namespace user;
    user.type = oci::NamespaceType::user;
    b.config.linux_->namespaces.push_back(user);
    b.config.linux_->uid_mappings = {{0, 100000, 1000}, {10, 300000, 10}};
    b.config.linux_->gid_mappings = {{0, 100000, 1000}};
    refused(run({"/probe"}), {".linux.uidMappings", "uid_map", "Invalid argument"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(relative_hook_path, Hostile) {
    oci::Hooks h;
    h.create_runtime = {oci::Hook{"bin/true", {}, {}, {}}};
    b.config.hooks = h;
    refused(run({"/probe"}), {"createRuntime", "bin/true"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(missing_hook_path, Hostile) {
    oci::Hooks h;
    h.create_runtime = {oci::Hook{decoy + "/no-such-hook", {}, {}, {}}};
    b.config.hooks = h;
    refused(run({"/probe"}), {decoy + "/no-such-hook", "cannot execute"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(masked_path_that_is_a_symlink_to_the_host, Hostile) {
    link(decoy + "/target", "/etc/evil");
    b.config.linux_->masked_paths.push_back("/etc/evil");
    ran(run({"/probe"}));
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(readonly_path_that_does_not_exist, Hostile) {
    b.config.linux_->readonly_paths.push_back("/no/such/path");
    ran(run({"/probe"}));
    BOOST_TEST(!path_exists(b.rootfs() + "/no"));
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(rootfs_that_is_a_symlink, Hostile) {
    BOOST_TEST_REQUIRE(::symlink("rootfs", (b.dir() + "/rootlink").c_str()) == 0);
    b.config.root->path = "rootlink";
    ran(run({"/probe"}));
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(config_json_that_is_a_fifo_does_not_hang, Hostile) {
    snap();
    BOOST_TEST_REQUIRE(::mkfifo((b.dir() + "/config.json").c_str(), 0644) == 0);
    Result r = run_command({"/usr/bin/timeout", "20", berth_path(), "--root", b.state_root(), "create", "--bundle",
                            b.dir(), b.id()});
    BOOST_TEST(r.status != 124, "berth blocked on the FIFO");
    refused(r, {"config.json", "not a regular file"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(config_json_that_is_a_symlink_out_of_the_bundle, Hostile) {
    b.save();
    std::string real = decoy + "/config.json";
    BOOST_TEST_REQUIRE(::rename((b.dir() + "/config.json").c_str(), real.c_str()) == 0);
    BOOST_TEST_REQUIRE(::symlink(real.c_str(), (b.dir() + "/config.json").c_str()) == 0);
    snap();
    Result r = b.berth({"run", "--bundle", b.dir(), b.id()});
    if (r.status != 0) refused(r, {"config.json"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(cgroups_path_escaping_the_hierarchy, Hostile) {
    std::string name = "berth-hostile-" + std::to_string(::getpid());
    cgroup_needles = {name};
    b.config.linux_->cgroups_path = "/../../../../" + name;
    Result res = run({"/probe"});
    if (res.status != 0) refused(res, {"cgroupsPath"});
    for (const char* at : {"/sys/fs/cgroup/", "/sys/fs/", "/sys/", "/"}) BOOST_TEST(!path_exists(at + name), at + name);
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(sysctl_name_with_dotdot, Hostile) {
    b.config.linux_->sysctl = {{"../../../../tmp/berth-hostile", "1"}};
    refused(run({"/probe"}), {"sysctl", "../../../../tmp/berth-hostile"});
    BOOST_TEST(!path_exists("/tmp/berth-hostile"));
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(host_only_sysctl_without_its_namespace, Hostile) {
    std::string domain = read_file("/proc/sys/kernel/domainname");
    std::erase_if(b.config.linux_->namespaces, [](const oci::Namespace& n) { return n.type == oci::NamespaceType::uts; });
    b.config.hostname.clear();
    b.config.linux_->sysctl = {{"kernel.domainname", "hostile"}};
    refused(run({"/probe"}), {".linux.sysctl \"kernel.domainname\"", "needs a uts namespace"});
    BOOST_TEST(read_file("/proc/sys/kernel/domainname") == domain);
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(cwd_outside_the_rootfs, Hostile) {
    b.config.process->cwd = "/../../../../../tmp";
    Report r = ran(run({"/probe"}));
    BOOST_TEST(r.get("cwd") == "/tmp");
    host_unchanged();
}

// The old root, stacked on "/" by pivot_root, is detached by a thread of the init; a
// path resolved before it is gone followed ".." into the host's tree (the cwd above was
// the host's /tmp, then unreachable). Timing-dependent, so several containers.
BOOST_FIXTURE_TEST_CASE(cwd_dotdot_never_reaches_the_old_root, Hostile) {
    b.config.process->cwd = "/../../tmp";
    for (int i = 0; i < 24; ++i) {
        Report r = ran(run({"/probe"}));
        BOOST_TEST(r.get("cwd") == "/tmp", "run " << i);
    }
    host_unchanged();
}

namespace {
bool host_has_apparmor() { return path_exists("/sys/kernel/security/apparmor"); }
bool host_has_selinux() { return path_exists("/sys/fs/selinux/enforce"); }
}  // namespace

// LSM labels berth cannot apply here: refused before anything is made. (AppArmor and
// SELinux labels themselves are tested in the qemu guest, tests/vm, whose kernel has them.)
BOOST_FIXTURE_TEST_CASE(apparmor_profile_is_refused_without_apparmor, Hostile) {
    if (host_has_apparmor()) {
        BOOST_TEST_MESSAGE("skip: this host enables AppArmor, so the profile would be applied");
        return;
    }
    b.config.process->apparmor_profile = "hostile";
    refused(run({"/probe"}), {".process.apparmorProfile", "AppArmor is not enabled on this host"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(selinux_label_is_refused_without_selinux, Hostile) {
    if (host_has_selinux()) {
        BOOST_TEST_MESSAGE("skip: this host enables SELinux, so the label would be applied");
        return;
    }
    b.config.process->selinux_label = "system_u:system_r:container_t:s0";
    refused(run({"/probe"}), {".process.selinuxLabel", "SELinux is not enabled on this host"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(mount_label_is_refused_without_selinux, Hostile) {
    if (host_has_selinux()) {
        BOOST_TEST_MESSAGE("skip: this host enables SELinux, so the label would be applied");
        return;
    }
    b.config.linux_->mount_label = "system_u:object_r:container_file_t:s0";
    refused(run({"/probe"}), {".linux.mountLabel", "SELinux is not enabled on this host"});
    host_unchanged();
}

BOOST_FIXTURE_TEST_CASE(exec_with_an_apparmor_profile_is_refused_without_apparmor, Hostile) {
    if (host_has_apparmor()) {
        BOOST_TEST_MESSAGE("skip: this host enables AppArmor, so the profile would be applied");
        return;
    }
    b.config.process->args = {"/probe", "sleep", "30"};
    b.save();
    BOOST_TEST_REQUIRE(b.berth({"create", "--bundle", b.dir(), b.id()}).status == 0);
    BOOST_TEST_REQUIRE(b.berth({"start", b.id()}).status == 0);
    refused(b.berth({"exec", "--apparmor", "hostile", b.id(), "/probe"}), {".process.apparmorProfile"});
    BOOST_TEST(b.berth({"delete", "--force", b.id()}).status == 0);
}

BOOST_AUTO_TEST_CASE(features_report_apparmor_and_selinux) {
    Result r = run_command({berth_path(), "features"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    std::string compact;
    for (char c : r.out)
        if (c != ' ' && c != '\n' && c != '\t') compact += c;
    // features-linux.md: "enabled" says what berth implements, not what this host runs.
    BOOST_TEST(contains(compact, "\"apparmor\":{\"enabled\":true}"), r.out);
    BOOST_TEST(contains(compact, "\"selinux\":{\"enabled\":true}"), r.out);
}
