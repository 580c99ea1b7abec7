// Namespaces the config inherits or joins, the loopback of a new network namespace, the
// device rules and --no-pivot: what the container can reach, checked from inside it and
// on the host.
#define BOOST_TEST_MODULE integration_namespaces
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


using namespace berth::it;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::string ns_inode(const std::string& path) {
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0 ? std::to_string(st.st_ino) : "?";
}

void drop_namespace(berth::oci::Config& c, berth::oci::NamespaceType type) {
    std::erase_if(c.linux_->namespaces, [type](const auto& ns) { return ns.type == type; });
}

void set_namespace_path(berth::oci::Config& c, berth::oci::NamespaceType type, const std::string& path) {
    for (auto& ns : c.linux_->namespaces)
        if (ns.type == type) ns.path = path;
}

// What a config without a mount namespace of its own may ask for: no mounts, nothing
// made in the rootfs.
void without_mounts(berth::oci::Config& c) {
    c.mounts.clear();
    c.linux_->masked_paths.clear();
    c.linux_->readonly_paths.clear();
    c.root->readonly = false;
}

// A process in new namespaces (`unshare` flags) that sleeps until killed.
struct NamespaceHolder {
    pid_t pid = -1;
    explicit NamespaceHolder(const std::string& flags) {
        pid = ::fork();
        if (pid == 0) {
            ::execl("/usr/bin/unshare", "unshare", flags.c_str(), "--propagation", "private", "/bin/sleep", "60",
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        // unshare execs sleep once the namespaces exist.
        for (int i = 0; i < 200; ++i) {
            std::string exe = "/proc/" + std::to_string(pid) + "/exe";
            char buf[256] = {};
            if (::readlink(exe.c_str(), buf, sizeof buf - 1) > 0 && contains(buf, "sleep")) break;
            ::usleep(10000);
        }
    }
    ~NamespaceHolder() {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
    std::string ns(const char* name) const { return "/proc/" + std::to_string(pid) + "/ns/" + name; }
};

berth::oci::DeviceCgroupRule rule(bool allow, std::string type, std::optional<std::int64_t> major,
                                  std::optional<std::int64_t> minor, std::string access) {
    return {allow, std::move(type), major, minor, std::move(access)};
}

}  // namespace

// config-linux.md#allowed-device-list: the config's rules decide, in order. A device in
// linux.devices is made, but a deny rule keeps it closed (runc does the same); berth adds
// only the default set. Before the fix berth allowed every listed device after the
// config's rules: here the host's /dev/kmsg (opened for writing only, nothing written).
BOOST_AUTO_TEST_CASE(a_listed_device_stays_denied_by_the_configs_rules) {
    for (bool allow_kmsg : {false, true}) {
        Bundle b;
        berth::oci::Device kmsg;
        kmsg.type = "c";
        kmsg.path = "/dev/kmsg";
        kmsg.major = 1;
        kmsg.minor = 11;
        kmsg.file_mode = 0200;
        b.config.linux_->devices.push_back(kmsg);
        b.config.linux_->resources.emplace();
        b.config.linux_->resources->devices = {rule(false, "a", std::nullopt, std::nullopt, "rwm")};
        if (allow_kmsg) b.config.linux_->resources->devices.push_back(rule(true, "c", 1, 11, "w"));
        b.config.process->args = {"/bin/sh", "-c",
                                  "(exec 3>/dev/kmsg) 2>/dev/null && echo kmsg=open || echo kmsg=denied;"
                                  "(echo x > /dev/null) && echo null=open;"
                                  "(exec 3</dev/zero) && echo zero=open"};
        Result r = b.run();
        BOOST_TEST_REQUIRE(r.status == 0, r.err);
        Report rep = parse_report(r.out);
        BOOST_TEST(rep.get("kmsg") == (allow_kmsg ? "open" : "denied"), r.out);
        BOOST_TEST(rep.get("null") == "open", "the default devices stay allowed: " << r.out);
        BOOST_TEST(rep.get("zero") == "open", r.out);
    }
}

// runc and crun bring `lo` up in a new network namespace: 127.0.0.1 then answers
// (here "refused", as nothing listens) instead of "unreachable".
BOOST_AUTO_TEST_CASE(loopback_is_up_in_a_new_network_namespace) {
    Bundle b;
    b.config.process->args = {"/bin/sh", "-c", "echo flags=$(cat /sys/class/net/lo/flags); nc 127.0.0.1 1 2>&1; true"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(((std::stoul(rep.get("flags"), nullptr, 16) & 1u) == 1u), "lo not up: " << r.out);
    BOOST_TEST(contains(r.out, "Connection refused"), r.out);
}

// --no-pivot moves the rootfs onto "/" and chroots; the host's fully visible /proc and
// /sys stayed in the mount namespace below it, and the kernel lets a user namespace
// mount a fresh procfs when any fully visible one is in the namespace (reachable or
// not): a /proc without maskedPaths. runc refuses it, and so does berth now.
BOOST_AUTO_TEST_CASE(no_pivot_leaves_no_fully_visible_procfs_behind) {
    for (bool userns : {false, true}) {
        Bundle b;
        b.config.process->user.uid = 1000;
        b.config.process->user.gid = 1000;
        if (userns) {
            b.config.linux_->namespaces.push_back({berth::oci::NamespaceType::user, ""});
            b.config.linux_->uid_mappings = {{0, 0, 65536}};
            b.config.linux_->gid_mappings = {{0, 0, 65536}};
        }
        b.config.process->args = {"/bin/sh", "-c",
                                  "unshare -mrpf sh -c 'echo entered=1; mount -t proc none /proc && echo mounted=1'"
                                  " 2>&1; echo sys=$(ls /sys | wc -l)"};
        Result r = b.run({"--no-pivot"});
        BOOST_TEST_REQUIRE(r.status == 0, r.err);
        Report rep = parse_report(r.out);
        BOOST_TEST(rep.get("entered") == "1", "unshare did not run, so the check proves nothing: " << r.out);
        BOOST_TEST(rep.get("mounted") == "", "a fresh procfs was mounted (userns " << userns << "): " << r.out);
        BOOST_TEST(rep.get("sys") != "0", "the container's own /sys is gone: " << r.out);
        // The host lost nothing: its /proc and /sys are still mounted.
        std::string after = host_mountinfo();
        BOOST_TEST(contains(after, " / /proc rw"), after);
        BOOST_TEST(contains(after, " / /sys rw"), after);
        BOOST_TEST(!contains(after, b.dir()));
    }
}

// config-linux.md#namespaces: an unlisted type is inherited. Without a mount namespace
// of its own the container is in the host's: berth mounts nothing and only changes the
// root (runc and crun mount the config's mounts there, into the host's table).
BOOST_AUTO_TEST_CASE(a_config_without_a_mount_namespace_runs_chrooted_and_mounts_nothing) {
    Bundle b;
    drop_namespace(b.config, berth::oci::NamespaceType::mount);
    without_mounts(b.config);
    write_file(b.rootfs() + "/only-in-rootfs", "yes\n");
    b.config.process->cwd = "/work/dir";
    b.config.process->args = {"/probe", "sleep", "30"};
    b.save();
    Result c = b.berth({"run", "-d", "--bundle", b.dir(), b.id()});
    BOOST_TEST_REQUIRE(c.status == 0, c.err);
    // (Other tests on this machine mount things meanwhile: only the bundle's are berth's.)
    BOOST_TEST(!contains(host_mountinfo(), b.dir()), "a mount landed on the host");
    // The rootfs has no /proc mounted: the namespaces are read from the host's side.
    Result st = b.berth({"state", b.id()});
    auto at = st.out.find("\"pid\": ");
    BOOST_TEST_REQUIRE(at != std::string::npos, st.out);
    std::string proc = "/proc/" + std::to_string(std::stol(st.out.substr(at + 7)));
    BOOST_TEST(ns_inode(proc + "/ns/mnt") == ns_inode("/proc/self/ns/mnt"), "not the runtime's mount namespace");
    BOOST_TEST(ns_inode(proc + "/ns/pid") != ns_inode("/proc/self/ns/pid"));
    Result e = b.berth({"exec", b.id(), "/probe"});
    BOOST_TEST_REQUIRE(e.status == 0, e.err);
    Report rep = parse_report(e.out);
    BOOST_TEST(rep.get("hostname") == "berth-test");
    BOOST_TEST(rep.get("cwd") == "/work/dir");
    Result cat = b.berth({"exec", b.id(), "/probe", "cat", "/only-in-rootfs"});
    BOOST_TEST(cat.out == "yes\n", "exec did not see the container's root: " << cat.out << cat.err);
    BOOST_TEST(path_exists(b.rootfs() + "/work/dir"), "process.cwd was not made");
    BOOST_TEST(b.berth({"delete", "--force", b.id()}).status == 0);
}

// What would need a mount (or a node made in the host's filesystem) is refused, naming
// the field, and leaves nothing behind. A mount namespace joined by a path naming
// berth's own is the same as none.
BOOST_AUTO_TEST_CASE(mounts_without_a_mount_namespace_are_refused_naming_the_field) {
    struct Case {
        const char* field;
        void (*change)(berth::oci::Config&);
    };
    const Case cases[] = {
        {".mounts",
         [](berth::oci::Config& c) {
             berth::oci::Mount m;
             m.destination = "/proc";
             m.type = "proc";
             m.source = "proc";
             c.mounts.push_back(m);
         }},
        {".linux.maskedPaths", [](berth::oci::Config& c) { c.linux_->masked_paths = {"/proc/kcore"}; }},
        {".linux.readonlyPaths", [](berth::oci::Config& c) { c.linux_->readonly_paths = {"/proc/sys"}; }},
        {".root.readonly", [](berth::oci::Config& c) { c.root->readonly = true; }},
        {".linux.rootfsPropagation", [](berth::oci::Config& c) { c.linux_->rootfs_propagation = "rprivate"; }},
        {".linux.devices", [](berth::oci::Config& c) { c.linux_->devices.push_back({"c", "/dev/x", 1, 3, {}, {}, {}}); }},
    };
    for (bool joined_own : {false, true}) {
        for (const Case& k : cases) {
            Bundle b;
            if (joined_own) set_namespace_path(b.config, berth::oci::NamespaceType::mount, "/proc/self/ns/mnt");
            else drop_namespace(b.config, berth::oci::NamespaceType::mount);
            without_mounts(b.config);
            k.change(b.config);
            b.save();
            Result c = b.berth({"create", "--bundle", b.dir(), b.id()});
            BOOST_TEST(c.status != 0, k.field);
            BOOST_TEST(contains(c.err, std::string(k.field) + ": needs a mount namespace of the container's own"),
                       c.err);
            BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));
        }
    }
}

// runc and crun build the container in a mount namespace joined by path, as in a new
// one: the mounts land in that namespace, not the host's.
BOOST_AUTO_TEST_CASE(a_mount_namespace_joined_by_path_gets_the_containers_mounts) {
    NamespaceHolder holder("--mount");
    Bundle b;
    set_namespace_path(b.config, berth::oci::NamespaceType::mount, holder.ns("mnt"));
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("ns_mnt") == ns_inode(holder.ns("mnt")));
    BOOST_TEST(rep.has_mount("/proc", "proc"));
    BOOST_TEST(!contains(host_mountinfo(), b.dir()), "a mount landed on the host");
}

// A network namespace joined by path (every container of a Kubernetes pod joins its
// sandbox's): as root, /sys is a sysfs of that namespace, as runc mounts it, showing its
// devices. Before the fix berth bound the host's /sys there, which showed the host's
// interfaces and, on a pure cgroup v2 host, made the cgroup2 mount over it fail (EBUSY).
BOOST_AUTO_TEST_CASE(sysfs_of_a_joined_network_namespace_shows_that_namespace) {
    NamespaceHolder holder("--net");
    Bundle b;
    set_namespace_path(b.config, berth::oci::NamespaceType::network, holder.ns("net"));
    b.config.process->args = {"/bin/sh", "-c", "echo $(ls /sys/class/net); grep ' /sys ' /proc/self/mountinfo"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.out.rfind("lo\n", 0) == 0, "the joined namespace has only lo: " << r.out);
    BOOST_TEST(contains(r.out, " - sysfs "), r.out);
}

// config.md#hostname (v1.3): the uts namespace may be joined by path; the name is set
// there. Not in berth's own (it would rename the host), nor with none listed.
BOOST_AUTO_TEST_CASE(hostname_is_set_in_a_uts_namespace_joined_by_path) {
    char host_name[256] = {};
    ::gethostname(host_name, sizeof host_name - 1);
    {
        NamespaceHolder holder("--uts");
        Bundle b;
        set_namespace_path(b.config, berth::oci::NamespaceType::uts, holder.ns("uts"));
        b.config.hostname = "joined-uts";
        Result r = b.run();
        BOOST_TEST_REQUIRE(r.status == 0, r.err);
        BOOST_TEST(parse_report(r.out).get("hostname") == "joined-uts");
        Result theirs = run_command({"/usr/bin/nsenter", "-t", std::to_string(holder.pid), "-u", "/bin/hostname"});
        BOOST_TEST(theirs.out == "joined-uts\n", theirs.out << theirs.err);
    }
    for (bool listed : {true, false}) {
        Bundle b;
        if (listed) set_namespace_path(b.config, berth::oci::NamespaceType::uts, "/proc/self/ns/uts");
        else drop_namespace(b.config, berth::oci::NamespaceType::uts);
        b.save();
        Result c = b.berth({"create", "--bundle", b.dir(), b.id()});
        BOOST_TEST(c.status != 0);
        BOOST_TEST(contains(c.err, ".hostname: needs a uts namespace of the container's own"), c.err);
    }
    char now[256] = {};
    ::gethostname(now, sizeof now - 1);
    BOOST_TEST(std::string(now) == std::string(host_name));
}

// A sysctl of a namespace joined by a path naming berth's own would change the host.
// The value is the host's own, so a berth that lets it through changes nothing.
BOOST_AUTO_TEST_CASE(a_sysctl_in_the_runtimes_own_namespace_is_refused) {
    Bundle b;
    set_namespace_path(b.config, berth::oci::NamespaceType::network, "/proc/self/ns/net");
    std::string value = read_file("/proc/sys/net/ipv4/ip_forward");
    value.erase(value.find_last_not_of('\n') + 1);
    b.config.linux_->sysctl = {{"net.ipv4.ip_forward", value}};
    b.save();
    Result c = b.berth({"create", "--bundle", b.dir(), b.id()});
    BOOST_TEST(c.status != 0);
    BOOST_TEST(contains(c.err, ".linux.sysctl \"net.ipv4.ip_forward\": needs a network namespace"), c.err);
}
