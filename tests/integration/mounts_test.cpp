// config.md "mounts" and config-linux.md#rootfs-mount-propagation, checked from inside
// the container: a tmpfs keeps the mode of the directory it covers, a read-only /dev is
// filled first, destinations behind dangling symlinks are made inside the rootfs, bind
// sources the user namespace's root cannot reach are opened from the host side, every
// rootfsPropagation is what was asked, and cgroup mounts take the config's options.
#define BOOST_TEST_MODULE mounts
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

using namespace berth::it;
namespace oci = berth::oci;

namespace {

oci::Mount* find_mount(Bundle& b, const std::string& destination) {
    for (auto& m : b.config.mounts)
        if (m.destination == destination) return &m;
    return nullptr;
}

// `sh -c` in the container, each probe's report after the other.
void run_script(Bundle& b, const std::string& script) { b.config.process->args = {"/bin/sh", "-c", script}; }

struct MountLine {
    std::string root, mountpoint, options, optional, fstype;
};

// The container's (or host's) mountinfo: the last line for each mount point is the visible one.
std::vector<MountLine> parse_mountinfo(const std::string& text) {
    std::vector<MountLine> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        MountLine m;
        std::string id, parent, dev, field;
        if (!(f >> id >> parent >> dev >> m.root >> m.mountpoint >> m.options)) continue;
        while (f >> field && field != "-") m.optional += (m.optional.empty() ? "" : " ") + field;
        f >> m.fstype;
        out.push_back(m);
    }
    return out;
}

MountLine visible(const std::vector<MountLine>& lines, const std::string& mountpoint) {
    MountLine found;
    for (const auto& l : lines)
        if (l.mountpoint == mountpoint) found = l;
    return found;
}

// The peer group in "shared:N" (or "master:N"), "" without one.
std::string tag(const std::string& optional, const std::string& name) {
    std::istringstream in(optional);
    for (std::string f; in >> f;)
        if (f.rfind(name + ":", 0) == 0) return f.substr(name.size() + 1);
    return "";
}

void add_user_namespace(Bundle& b) {
    b.config.linux_->namespaces.push_back({oci::NamespaceType::user, ""});
    b.config.linux_->uid_mappings = {{0, 100000, 65536}};
    b.config.linux_->gid_mappings = {{0, 100000, 65536}};
    BOOST_REQUIRE(run_command({"/bin/chown", "-R", "100000:100000", b.rootfs()}).status == 0);
}

}  // namespace

// runc and crun give a tmpfs without mode= the mode of the directory it covers; the
// kernel's default (1777) only when berth makes the directory.
BOOST_AUTO_TEST_CASE(tmpfs_over_an_existing_directory_keeps_its_mode) {
    Bundle b;
    ::mkdir((b.rootfs() + "/kept").c_str(), 0700);
    ::chmod((b.rootfs() + "/kept").c_str(), 0712);
    ::mkdir((b.rootfs() + "/given").c_str(), 0700);
    b.config.mounts.push_back(make_mount("/kept", "tmpfs", "tmpfs", {"nosuid", "size=1m"}));
    b.config.mounts.push_back(make_mount("/given", "tmpfs", "tmpfs", {"mode=755"}));
    b.config.mounts.push_back(make_mount("/fresh", "tmpfs", "tmpfs"));
    run_script(b, "/probe stat /kept && /probe stat /given && /probe stat /fresh");
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    auto modes = parse_report(r.out).all("mode");
    auto magics = parse_report(r.out).all("fs_magic");
    BOOST_REQUIRE(modes.size() == 3);
    BOOST_TEST(modes[0] == "712");
    BOOST_TEST(modes[1] == "755");
    BOOST_TEST(modes[2] == "1777");
    for (const auto& m : magics) BOOST_TEST(m == "1021994");  // TMPFS_MAGIC: the mounts are there
}

// runc makes the nodes, then the read-only remount; so does berth, for /dev and every
// tmpfs (mount points below it). `rro` is deferred the same way, with the mounts below.
BOOST_AUTO_TEST_CASE(dev_tmpfs_with_ro_or_rro_is_filled_then_read_only) {
    for (const char* option : {"ro", "rro"}) {
        Bundle b;
        find_mount(b, "/dev")->options.push_back(option);
        run_script(b, "/probe stat /dev/null && /probe stat /dev && /probe stat /dev/shm && /probe write /dev/x y; "
                      "/probe stat /dev/ptmx");
        Result r = b.run();
        BOOST_TEST_REQUIRE(r.status == 0, option << ": " << r.err);
        Report rep = parse_report(r.out);
        auto types = rep.all("type");
        auto readonly = rep.all("fs_readonly");
        BOOST_REQUIRE(types.size() == 4);
        BOOST_TEST(types[0] == "char");
        BOOST_TEST(rep.all("rdev")[0] == "1:3");
        BOOST_TEST(readonly[1] == "1");
        BOOST_TEST(readonly[2] == (std::string(option) == "rro" ? "1" : "0"), option);  // /dev/shm
        BOOST_TEST(rep.get("error") == "Read-only file system");
        BOOST_TEST(types[3] == "link");  // /dev/ptmx -> pts/ptmx is there too
    }
    // With a terminal, /dev/console (made after pivot_root) is there too.
    Bundle b;
    find_mount(b, "/dev")->options.push_back("ro");
    b.config.process->terminal = true;
    run_script(b, "/probe stat /dev/console && /probe stat /dev");
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.out.find("type=char") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("fs_readonly=1") != std::string::npos, r.out);
}

// A destination that is a symlink to a path not yet there: made where the link points,
// inside the rootfs (an absolute or climbing link stops at the rootfs, as with
// RESOLVE_IN_ROOT), as runc does. The same for a symlinked parent directory.
BOOST_AUTO_TEST_CASE(destination_behind_a_dangling_symlink_is_made_inside_the_rootfs) {
    Bundle b;
    const std::string outside = "/tmp/berth-mounts-escape-" + std::to_string(::getpid());
    ::rmdir(outside.c_str());
    BOOST_REQUIRE(::symlink("/made/here", (b.rootfs() + "/abs").c_str()) == 0);
    BOOST_REQUIRE(::symlink(("../../../../../../.." + outside).c_str(), (b.rootfs() + "/climb").c_str()) == 0);
    ::mkdir((b.rootfs() + "/var").c_str(), 0755);
    BOOST_REQUIRE(::symlink("../run", (b.rootfs() + "/var/run").c_str()) == 0);
    BOOST_REQUIRE(::symlink("chain2", (b.rootfs() + "/chain1").c_str()) == 0);
    BOOST_REQUIRE(::symlink("/chained/file", (b.rootfs() + "/chain2").c_str()) == 0);
    write_file(b.dir() + "/source-file", "bound\n");
    b.config.mounts.push_back(make_mount("/abs", "tmpfs", "tmpfs"));
    b.config.mounts.push_back(make_mount("/climb", "tmpfs", "tmpfs"));
    b.config.mounts.push_back(make_mount("/var/run/sub", "tmpfs", "tmpfs"));
    b.config.mounts.push_back(make_mount("/chain1", "bind", b.dir() + "/source-file", {"bind", "ro"}));
    run_script(b, "/probe stat /made/here && /probe stat " + outside + " && /probe stat /run/sub && /probe cat /chained/file");
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    auto magics = parse_report(r.out).all("fs_magic");
    BOOST_REQUIRE(magics.size() == 3);
    for (const auto& m : magics) BOOST_TEST(m == "1021994");
    BOOST_TEST(r.out.find("bound") != std::string::npos);
    BOOST_TEST(path_exists(b.rootfs() + "/made/here"));
    BOOST_TEST(path_exists(b.rootfs() + outside));
    BOOST_TEST(path_exists(b.rootfs() + "/run/sub"));
    BOOST_TEST(path_exists(b.rootfs() + "/chained/file"));
    BOOST_TEST(!path_exists(outside));  // never on the host
    ::rmdir(outside.c_str());
}

// The user namespace's root has no search permission on a 0700 host directory: the
// source is opened from the host side, as runc does; the container sees the files.
BOOST_AUTO_TEST_CASE(user_namespace_binds_a_source_its_root_cannot_traverse) {
    Bundle b;
    add_user_namespace(b);
    const std::string locked = b.dir() + "/locked";
    ::mkdir(locked.c_str(), 0700);
    ::mkdir((locked + "/src").c_str(), 0755);
    write_file(locked + "/src/file", "through\n");
    write_file(locked + "/single", "single\n");
    b.config.mounts.push_back(make_mount("/data", "bind", locked + "/src", {"rbind", "ro"}));
    b.config.mounts.push_back(make_mount("/single", "bind", locked + "/single", {"bind"}));
    // More trees than one message carries (64): they arrive in order, over two messages.
    for (int i = 0; i < 70; ++i)
        b.config.mounts.push_back(make_mount("/many/" + std::to_string(i), "bind", locked + (i == 69 ? "/single" : "/src"), {"bind"}));
    run_script(b, "/probe cat /data/file && /probe cat /single && /probe stat /data && /probe cat /many/69 && "
                  "/probe cat /many/68/file");
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.out.find("through") != std::string::npos);
    BOOST_TEST(parse_report(r.out).get("fs_readonly") == "1");
    BOOST_TEST(r.out.find("through\nsingle\n") == 0, r.out);
    BOOST_TEST(r.out.ends_with("single\nthrough\n"), r.out);  // /many/69, /many/68/file
}

// The trees come from the init's own mount namespace, where the kernel locked what the host
// made read-only: the container's root, even with CAP_SYS_ADMIN, cannot make it writable.
// Idmapped binds too: cloned in the host's namespace, as berth did, they carried no lock
// and the container wrote through the host's read-only mount.
BOOST_AUTO_TEST_CASE(user_namespace_binds_keep_the_hosts_read_only_lock) {
    for (const char* idmap : {"", "idmap"}) {
        Bundle b;
        add_user_namespace(b);
        const std::string locked = b.dir() + "/locked";
        ::mkdir(locked.c_str(), 0700);
        ::mkdir((locked + "/ro").c_str(), 0777);
        BOOST_REQUIRE(::mount((locked + "/ro").c_str(), (locked + "/ro").c_str(), nullptr, MS_BIND, nullptr) == 0);
        BOOST_REQUIRE(::mount(nullptr, (locked + "/ro").c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) == 0);
        struct Unmount {
            std::string path;
            ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
        } unmount{locked + "/ro"};
        std::vector<std::string> options = {"rbind"};
        if (*idmap) options.push_back(idmap);
        b.config.mounts.push_back(make_mount("/data", "bind", locked + "/ro", options));
        auto& caps = *b.config.process->capabilities;
        for (auto* set : {&caps.bounding, &caps.effective, &caps.permitted}) set->push_back("CAP_SYS_ADMIN");
        b.config.process->no_new_privileges = false;
        run_script(b, "/bin/busybox mount -o remount,bind,rw /data; /probe write /data/x y; /probe stat /data");
        Result r = b.run();
        BOOST_TEST_REQUIRE(r.status == 0, idmap << ": " << r.err);
        BOOST_TEST(parse_report(r.out).get("error") == "Read-only file system", idmap << ": " << r.out);
        BOOST_TEST(parse_report(r.out).get("fs_readonly") == "1", idmap);
        BOOST_TEST(!path_exists(locked + "/ro/x"), idmap);
    }
}

// A missing bind source is still reported naming the mount, and leaves nothing.
BOOST_AUTO_TEST_CASE(user_namespace_missing_bind_source_fails_cleanly) {
    Bundle b;
    add_user_namespace(b);
    b.config.mounts.push_back(make_mount("/data", "bind", b.dir() + "/absent", {"rbind"}));
    Result r = b.run();
    BOOST_TEST(r.status != 0);
    BOOST_TEST(r.err.find(".mounts[7]") != std::string::npos, r.err);
    BOOST_TEST(b.berth({"list", "-q"}).out.empty());
}

namespace {

// The bundle's rootfs as a shared mount of its own on the host (as an engine's overlay
// under a shared /run is): what the container sees of its "/" then tells slave from
// private, and a new peer group from the host's.
struct SharedMount {
    std::string path;
    explicit SharedMount(const std::string& p) : path(p) {
        BOOST_REQUIRE(::mount(p.c_str(), p.c_str(), nullptr, MS_BIND, nullptr) == 0);
        BOOST_REQUIRE(::mount(nullptr, p.c_str(), nullptr, MS_SHARED, nullptr) == 0);
    }
    ~SharedMount() { ::umount2(path.c_str(), MNT_DETACH); }
    std::string host_group() const { return tag(visible(parse_mountinfo(host_mountinfo()), path).optional, "shared"); }
};

struct Seen {
    MountLine root, dev;
};

Seen propagation_seen(const std::string& value) {
    Bundle b;
    SharedMount shared(b.rootfs());
    const std::string host_group = shared.host_group();
    BOOST_REQUIRE(!host_group.empty());
    const auto before = snapshot_host(b, {});
    b.config.linux_->rootfs_propagation = value;
    b.config.process->args = {"/probe", "cat", "/proc/self/mountinfo"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, value + ": " + r.err);
    BOOST_TEST(diff(before, snapshot_host(b, {})) == "");  // nothing reached the host
    auto lines = parse_mountinfo(r.out);
    Seen s{visible(lines, "/"), visible(lines, "/dev")};
    BOOST_TEST_MESSAGE(value << ": / \"" << s.root.optional << "\", /dev \"" << s.dev.optional << "\"");
    // Whatever was asked, "/" is never in the host's peer group.
    BOOST_TEST(tag(s.root.optional, "shared") != host_group);
    if (value.find("slave") != std::string::npos) BOOST_TEST(tag(s.root.optional, "master") == host_group);
    return s;
}

}  // namespace

// config-linux.md#rootfs-mount-propagation, read back from the container's mountinfo.
// runc 1.1.5 fails `shared` (pivot_root: EINVAL) and `unbindable` (bind: EINVAL), as
// berth did.
BOOST_AUTO_TEST_CASE(every_rootfs_propagation_is_what_was_asked) {
    auto has = [](const MountLine& l, const std::string& name) {
        return (" " + l.optional + " ").find(" " + name) != std::string::npos;
    };
    {
        Seen s = propagation_seen("shared");  // a new peer group, not the host's
        BOOST_TEST(has(s.root, "shared:"));
        BOOST_TEST(!has(s.dev, "shared:"));
    }
    {
        Seen s = propagation_seen("rshared");
        BOOST_TEST(has(s.root, "shared:"));
        BOOST_TEST(has(s.dev, "shared:"));
        BOOST_TEST(tag(s.dev.optional, "shared") != tag(s.root.optional, "shared"));
    }
    for (const char* v : {"slave", "rslave"}) {
        Seen s = propagation_seen(v);
        BOOST_TEST(!has(s.root, "shared:"));
        BOOST_TEST(!has(s.root, "unbindable"));
    }
    for (const char* v : {"private", "rprivate"}) {
        Seen s = propagation_seen(v);
        BOOST_TEST(s.root.optional == "", v);
    }
    {
        Seen s = propagation_seen("unbindable");
        BOOST_TEST(has(s.root, "unbindable"));
        BOOST_TEST(!has(s.dev, "unbindable"));
    }
    {
        Seen s = propagation_seen("runbindable");
        BOOST_TEST(has(s.root, "unbindable"));
        BOOST_TEST(has(s.dev, "unbindable"));
    }
    // Unset: runc's default, rslave: the host's mounts still reach the container.
    Seen s = propagation_seen("");
    BOOST_TEST(!tag(s.root.optional, "master").empty());
}

namespace {

// statfs of the first v1 hierarchy under /sys/fs/cgroup in the container, and of the
// tmpfs holding them.
std::string first_v1_hierarchy() {
    for (const auto& l : parse_mountinfo(host_mountinfo()))
        if (l.fstype == "cgroup" && l.mountpoint.rfind("/sys/fs/cgroup/", 0) == 0) return l.mountpoint;
    return "";
}

std::vector<std::string> cgroup_readonly(bool cgroupns, bool ro) {
    Bundle b;
    auto* m = find_mount(b, "/sys/fs/cgroup");
    m->options = {"nosuid", "noexec", "nodev", "relatime"};
    if (ro) m->options.push_back("ro");
    if (!cgroupns) {
        auto& ns = b.config.linux_->namespaces;
        ns.erase(std::remove_if(ns.begin(), ns.end(), [](const auto& n) { return n.type == oci::NamespaceType::cgroup; }),
                 ns.end());
    }
    const std::string h = first_v1_hierarchy();
    run_script(b, "/probe stat /sys/fs/cgroup && /probe stat " + h);
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    return parse_report(r.out).all("fs_readonly");
}

}  // namespace

// runc and crun mount each hierarchy with the cgroup mount's own flags: read-only only
// when the config says `ro`, with or without a cgroup namespace.
BOOST_AUTO_TEST_CASE(cgroup_v1_hierarchies_follow_the_mounts_ro_option) {
    if (first_v1_hierarchy().empty()) {
        BOOST_TEST_MESSAGE("skipped: this host has no cgroup v1 hierarchy");
        return;
    }
    for (bool cgroupns : {true, false}) {
        auto rw = cgroup_readonly(cgroupns, false);
        BOOST_REQUIRE(rw.size() == 2);
        BOOST_TEST(rw[0] == "0", "cgroupns " << cgroupns);
        BOOST_TEST(rw[1] == "0", "cgroupns " << cgroupns);
        auto rdonly = cgroup_readonly(cgroupns, true);
        BOOST_REQUIRE(rdonly.size() == 2);
        BOOST_TEST(rdonly[0] == "1", "cgroupns " << cgroupns);
        BOOST_TEST(rdonly[1] == "1", "cgroupns " << cgroupns);
    }
}

// A mount's own propagation option is kept when rootfsPropagation is a recursive one.
BOOST_AUTO_TEST_CASE(a_mounts_own_propagation_wins_over_recursive_rootfs_propagation) {
    Bundle b;
    b.config.linux_->rootfs_propagation = "rprivate";
    b.config.mounts.push_back(make_mount("/peer", "tmpfs", "tmpfs", {"shared"}));
    // One a later mount covers is left as it is, not an error.
    b.config.mounts.push_back(make_mount("/cover/me", "tmpfs", "tmpfs", {"shared"}));
    b.config.mounts.push_back(make_mount("/cover", "tmpfs", "tmpfs"));
    b.config.process->args = {"/probe", "cat", "/proc/self/mountinfo"};
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    const auto lines = parse_mountinfo(r.out);
    BOOST_TEST(!tag(visible(lines, "/peer").optional, "shared").empty(), r.out);
    BOOST_TEST(visible(lines, "/dev").optional == "");
}

// A /dev bound from a directory is used as it is (runc's rule): berth makes no nodes or
// links in it, which would land in the bind's source on the host.
BOOST_AUTO_TEST_CASE(a_bound_dev_is_left_as_it_is) {
    Bundle b;
    const std::string dev = b.dir() + "/prepared-dev";
    ::mkdir(dev.c_str(), 0755);
    write_file(dev + "/null", "a regular file\n");
    *find_mount(b, "/dev") = make_mount("/dev", "bind", dev, {"rbind"});
    b.config.mounts.erase(std::remove_if(b.config.mounts.begin(), b.config.mounts.end(),
                                         [](const auto& m) { return m.destination.rfind("/dev/", 0) == 0; }),
                          b.config.mounts.end());
    b.config.linux_->masked_paths.clear();  // their /dev/null would be this regular file
    b.config.process->args = {"/probe", "stat", "/dev/zero"};
    Result r = b.run();
    BOOST_TEST(r.status == 1, r.err);
    BOOST_TEST(parse_report(r.out).get("error") == "No such file or directory");
    struct stat st{};
    BOOST_REQUIRE(::lstat((dev + "/null").c_str(), &st) == 0);
    BOOST_TEST(S_ISREG(st.st_mode));
    BOOST_TEST(!path_exists(dev + "/zero"));
    BOOST_TEST(!path_exists(dev + "/ptmx"));
}

// Docker's `:shared` volumes and Kubernetes' Bidirectional mounts: a bind asking for rshared
// under an rshared rootfsPropagation stays in the host's peer group, so what the container
// mounts under it reaches the host (runc does the same); berth made it a slave first.
BOOST_AUTO_TEST_CASE(a_shared_bind_under_rshared_rootfs_propagation_reaches_the_host) {
    Bundle b;
    const std::string peer = b.dir() + "/peer";
    ::mkdir(peer.c_str(), 0755);
    ::mkdir((peer + "/sub").c_str(), 0755);
    SharedMount host_peer(peer);
    b.config.linux_->rootfs_propagation = "rshared";
    b.config.mounts.push_back(make_mount("/peer", "bind", peer, {"rbind", "rshared"}));
    b.config.mounts.push_back(make_mount("/kept", "bind", peer, {"rbind"}));  // no option: a slave
    auto& caps = *b.config.process->capabilities;
    for (auto* set : {&caps.bounding, &caps.effective, &caps.permitted}) set->push_back("CAP_SYS_ADMIN");
    b.config.process->no_new_privileges = false;
    run_script(b, "/bin/busybox mount -t tmpfs -o size=1m none /peer/sub && /bin/busybox mount -t tmpfs none /kept && "
                  "/probe cat /proc/self/mountinfo");
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(visible(parse_mountinfo(host_mountinfo()), peer + "/sub").fstype == "tmpfs");
    BOOST_TEST(visible(parse_mountinfo(host_mountinfo()), peer).fstype != "tmpfs");  // /kept's stayed inside
    ::umount2((peer + "/sub").c_str(), MNT_DETACH);
}
