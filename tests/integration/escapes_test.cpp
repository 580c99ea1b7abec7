// The known runtime escapes, each reproduced against the built berth: the attack runs
// inside a real container and the test checks the host side is untouched. Needs root.
#define BOOST_TEST_MODULE integration_escapes
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

using namespace berth::it;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Host fds left open (not CLOEXEC) in the process that runs berth, as a careless
// caller would; directories among them, the CVE-2024-21626 ingredient.
struct LeakedFds {
    std::vector<int> fds;
    LeakedFds() {
        for (int i = 0; i < 4; ++i) fds.push_back(::open("/", O_RDONLY | O_DIRECTORY));
        fds.push_back(::open("/etc/hostname", O_RDONLY));
        fds.push_back(::open("/etc", O_PATH | O_DIRECTORY));
        for (int fd : fds) BOOST_TEST_REQUIRE(fd >= 0);
    }
    ~LeakedFds() {
        for (int fd : fds) ::close(fd);
    }
};

// CVE-2019-5736: a container file `#!/proc/self/exe` that the host later runs with
// `exec` makes the kernel run the runtime's own binary inside the container; pid 1 of
// the container keeps its /proc/<pid>/exe open and, once it exited, reopens it for
// writing to overwrite the host binary. The berth under attack is a copy in the bundle,
// never the build output. Runs on the calling thread, whose seccomp filter (if any) the
// berth processes inherit.
struct ExeAttack {
    Result setup;  // create, then start
    Result exec;
    std::string report;  // what the container saw: exe=, open=, write=
    bool binary_unchanged = false;
};

ExeAttack run_exe_overwrite_attack(Bundle& b, const std::string& copy) {
    std::string before = read_file(copy);
    // The image must be able to run berth: its shared libraries and loader.
    Result libs = run_command({"/bin/sh", "-c",
        "for l in $(ldd \"$0\" | grep -o '/[^ ]*'); do mkdir -p \"$1$(dirname $l)\" && cp -L $l \"$1$l\" || exit 1; done",
        copy, b.rootfs()});
    if (libs.status != 0) throw std::runtime_error("copy berth's libraries: " + libs.err);
    // berth-as-interpreter gets `--root /evil.sh --log=/tmp/f state x`: opening the log
    // FIFO, which nobody reads, holds it alive while the attacker opens its exe. It is
    // found by its argv[0], whatever its exe reads as.
    write_file(b.rootfs() + "/evil.sh", "#!/proc/self/exe --root\n", 0755);
    if (::mkfifo((b.rootfs() + "/tmp/f").c_str(), 0666) != 0) throw std::runtime_error("mkfifo");
    b.config.root->readonly = false;
    b.config.process->args = {"/bin/sh", "-c",
        "bb=/bin/busybox; exec >/tmp/log 2>&1; pid=; "
        "for i in $($bb seq 500); do for p in /proc/[0-9]*; do "
        "case $($bb tr '\\0' ' ' <$p/cmdline 2>/dev/null) in '/proc/self/exe '*) pid=${p#/proc/};; esac; done; "
        "[ -n \"$pid\" ] && break; $bb usleep 10000; done; "
        "echo exe=$($bb readlink /proc/$pid/exe); exec 5</proc/$pid/exe || echo open=fail; "
        "kill -9 $pid; while [ -e /proc/$pid ]; do $bb usleep 10000; done; "
        "if echo pwned >/proc/self/fd/5; then echo write=ok; else echo write=fail; fi; "
        "$bb mv /tmp/log /tmp/report; exec $bb sleep 60"};
    b.save();
    std::string built = berth_path();
    ::setenv("BERTH", copy.c_str(), 1);
    ExeAttack out;
    out.setup = b.berth({"create", "--bundle", b.dir(), b.id()});
    if (out.setup.status == 0) out.setup = b.berth({"start", b.id()});
    if (out.setup.status == 0) {
        out.exec = b.berth({"exec", b.id(), "/evil.sh", "--log=/tmp/f", "state", "x"});
        for (int i = 0; i < 300 && out.report.empty(); ++i) {
            if (path_exists(b.rootfs() + "/tmp/report")) out.report = read_file(b.rootfs() + "/tmp/report");
            else ::usleep(20000);
        }
    }
    b.berth({"delete", "--force", b.id()});
    ::setenv("BERTH", built.c_str(), 1);
    out.binary_unchanged = read_file(copy) == before;
    return out;
}

void check_attack_failed(const ExeAttack& a, const std::string& exe) {
    BOOST_TEST_REQUIRE(a.setup.status == 0, a.setup.err);
    BOOST_TEST_MESSAGE("exec: " << a.exec.status << " " << a.exec.err << "\ncontainer: " << a.report);
    BOOST_TEST(contains(a.report, "exe=" + exe + "\n"));  // the image berth ran from
    BOOST_TEST(!contains(a.report, "open=fail"));         // the attack got as far as the reopen
    BOOST_TEST(contains(a.report, "write=fail"));
    BOOST_TEST(a.binary_unchanged);
}

}  // namespace

// The default image: a read-only bind of the binary, detached from every mount
// namespace (its path reads "/").
BOOST_AUTO_TEST_CASE(cve_2019_5736_proc_self_exe_cannot_be_overwritten) {
    Bundle b;
    std::string copy = b.dir() + "/berth-copy";
    BOOST_TEST_REQUIRE(run_command({"/bin/cp", berth_path(), copy}).status == 0);
    check_attack_failed(run_exe_overwrite_attack(b, copy), "/");
}

// Where the kernel refuses the bind (here a seccomp filter on the thread that runs
// berth fails every non-recursive open_tree with ENOSYS, as an old kernel would), the
// sealed memfd copy. The container masks nothing: masks are non-recursive binds too.
BOOST_AUTO_TEST_CASE(cve_2019_5736_memfd_fallback_cannot_be_overwritten) {
#ifndef __x86_64__
    BOOST_TEST_MESSAGE("skipped: the open_tree filter is written for x86_64");
#else
    Bundle b;
    std::string copy = b.dir() + "/berth-copy";
    BOOST_TEST_REQUIRE(run_command({"/bin/cp", berth_path(), copy}).status == 0);
    b.config.linux_->masked_paths.clear();
    b.config.linux_->readonly_paths.clear();
    ExeAttack attack;
    std::string error;
    std::thread attacker([&] {
        struct sock_filter filter[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open_tree, 0, 3),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
            BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, AT_RECURSIVE, 1, 0),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
        try {
            if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) throw std::runtime_error("seccomp filter");
            attack = run_exe_overwrite_attack(b, copy);
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    attacker.join();
    BOOST_TEST_REQUIRE(error.empty(), error);
    check_attack_failed(attack, "/memfd:berth (deleted)");
#endif
}

// CVE-2024-21626 (a): no host fd reaches the container, directories included.
BOOST_AUTO_TEST_CASE(cve_2024_21626_no_host_fd_reaches_the_container) {
    LeakedFds leaked;
    Bundle b;
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(parse_report(r.out).get("fds") == "0,1,2");
    // Each fd's target as the kernel names it.
    b.config.process->args = {"/bin/busybox", "ls", "-l", "/proc/self/fd/"};
    r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    int fds = 0;
    for (std::size_t at = r.out.find(" -> "); at != std::string::npos; at = r.out.find(" -> ", at + 1), ++fds) {
        std::string target = r.out.substr(at + 4, r.out.find('\n', at) - at - 4);
        BOOST_TEST((target.rfind("pipe:", 0) == 0 || target.rfind("/dev/", 0) == 0 || target.rfind("/proc/", 0) == 0),
                   target);
    }
    BOOST_TEST(fds == 3);  // 0, 1, 2: ls closed its directory before reading the links
}

// CVE-2024-21626 (b): a cwd through /proc/self/fd/N would be a host directory if the
// init still held one at chdir time; the container must never see the host's root.
BOOST_AUTO_TEST_CASE(cve_2024_21626_cwd_through_leaked_fd_stays_inside) {
    LeakedFds leaked;
    write_file("/tmp/.berth-escape-marker", "host\n");
    for (int n = 3; n <= 12; ++n) {
        Bundle b;
        std::string cwd = "/proc/self/fd/" + std::to_string(n);
        b.config.process->cwd = cwd;
        b.config.process->args = {"/bin/sh", "-c", "echo cwd=$(pwd -P); ls tmp/.berth-escape-marker >/dev/null 2>&1 && echo host=1; true"};
        Result r = b.run();
        BOOST_TEST_MESSAGE(cwd << ": " << r.status << " " << r.out << r.err);
        Report rep = parse_report(r.out);
        BOOST_TEST(rep.get("host") == "", cwd);
        if (r.status == 0) BOOST_TEST(!contains(rep.get("cwd"), "unreachable"), cwd);
        else BOOST_TEST(contains(r.err, "cwd"), cwd << ": " << r.err);
    }
    ::unlink("/tmp/.berth-escape-marker");
}

namespace {

// A masked file that exists on this kernel (/proc/kcore is absent without CONFIG_PROC_KCORE).
std::string existing_masked_file() {
    for (const char* p : {"/proc/kcore", "/proc/timer_list", "/proc/keys"})
        if (path_exists(p)) return p;
    return "";
}

// A host directory bound over the container's /dev after berth filled its tmpfs, so the
// entries berth later relies on are whatever the host side puts there; `.decoy` is the
// host file an attack would redirect a bind to.
struct DecoyDev {
    std::string dir;
    std::string decoy;
    explicit DecoyDev(Bundle& b) : dir(b.dir() + "/decoy-dev"), decoy(dir + "/.decoy") {
        BOOST_TEST_REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
        write_file(decoy, "DECOY\n");
        b.config.mounts.push_back(berth::oci::Mount{"/dev", "bind", dir, {"bind"}, {}, {}});
    }
};

// The container tries to read and overwrite the masked file; prints its type.
std::vector<std::string> masked_probe(const std::string& masked) {
    return {"/bin/sh", "-c",
            "head -c 16 " + masked + "; echo pwned >" + masked + "; /bin/busybox stat -c 'type=%F %t,%T' " + masked};
}

}  // namespace

// CVE-2025-31133: masking binds /dev/null, which here is a symlink to a host file; the
// mask must not follow it. Either create fails naming the masked path, or the masked
// file is the null device; the decoy is never shown or written.
BOOST_AUTO_TEST_CASE(cve_2025_31133_masked_path_does_not_follow_dev_null_symlink) {
    std::string masked = existing_masked_file();
    if (masked.empty()) {
        BOOST_TEST_MESSAGE("skip: no maskable /proc file on this kernel");
        return;
    }
    Bundle b;
    DecoyDev dev(b);
    BOOST_TEST_REQUIRE(::symlink(".decoy", (dev.dir + "/null").c_str()) == 0);
    b.config.linux_->masked_paths = {masked};
    b.config.process->args = masked_probe(masked);
    Result r = b.run();
    BOOST_TEST_MESSAGE(r.status << " " << r.out << r.err);
    BOOST_TEST(!contains(r.out, "DECOY"), r.out);
    if (r.status == 0) BOOST_TEST(contains(r.out, "type=character special file 1,3"), r.out);
    else BOOST_TEST(contains(r.err, masked), r.err);
    BOOST_TEST(read_file(dev.decoy) == "DECOY\n");
}

// The same with a host thread flipping /dev/null between the real node and the symlink
// during create: a check by path then a mount by path would lose the race.
BOOST_AUTO_TEST_CASE(cve_2025_31133_masked_path_survives_a_dev_null_flip_race) {
    std::string masked = existing_masked_file();
    if (masked.empty()) {
        BOOST_TEST_MESSAGE("skip: no maskable /proc file on this kernel");
        return;
    }
    Bundle b;
    DecoyDev dev(b);
    b.config.linux_->masked_paths = {masked};
    b.config.process->args = masked_probe(masked);
    std::atomic<bool> stop{false};
    std::thread flipper([&] {
        std::string null = dev.dir + "/null", tmp = dev.dir + "/null.tmp";
        for (unsigned i = 0; !stop; ++i) {
            bool node = i % 2 == 0;
            int rc = node ? ::mknod(tmp.c_str(), S_IFCHR | 0666, makedev(1, 3)) : ::symlink(".decoy", tmp.c_str());
            if (rc == 0) ::rename(tmp.c_str(), null.c_str());
        }
    });
    int ran = 0, refused = 0;
    for (int i = 0; i < 30; ++i) {
        Result r = b.run();
        BOOST_TEST(!contains(r.out, "DECOY"), r.out);
        if (r.status == 0) {
            ++ran;
            BOOST_TEST(contains(r.out, "type=character special file 1,3"), r.out);
        } else {
            ++refused;
            b.berth({"delete", "--force", b.id()});
        }
    }
    stop = true;
    flipper.join();
    BOOST_TEST_MESSAGE("ran " << ran << ", refused " << refused);
    BOOST_TEST(read_file(dev.decoy) == "DECOY\n");
}

// CVE-2025-52881: a host file bound over /proc/sys/net/ipv4/ip_forward must not receive
// the sysctl write meant for the container's network namespace.
BOOST_AUTO_TEST_CASE(cve_2025_52881_sysctl_write_is_not_redirected_by_a_bind_mount) {
    Bundle b;
    std::string decoy = b.dir() + "/decoy-ip_forward";
    write_file(decoy, "DECOY\n");
    b.config.mounts.push_back(berth::oci::Mount{"/proc/sys/net/ipv4/ip_forward", "bind", decoy, {"bind"}, {}, {}});
    b.config.linux_->sysctl = {{"net.ipv4.ip_forward", "1"}};
    Result r = b.run();
    BOOST_TEST_MESSAGE(r.status << " " << r.err);
    BOOST_TEST(r.status != 0);
    BOOST_TEST(contains(r.err, "sysctl"), r.err);
    BOOST_TEST(contains(r.err, "/proc/sys/net/ipv4/ip_forward"), r.err);
    BOOST_TEST(read_file(decoy) == "DECOY\n");
    b.berth({"delete", "--force", b.id()});
}

// CVE-2025-52565: with a terminal, the pty is bound over /dev/console; a "console" that is
// a symlink to a host file must not carry that bind to the file.
BOOST_AUTO_TEST_CASE(cve_2025_52565_console_bind_does_not_follow_a_symlink) {
    Bundle b;
    std::string dir = b.dir() + "/decoy-dev";
    BOOST_TEST_REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
    write_file(dir + "/.decoy", "DECOY\n");
    BOOST_TEST_REQUIRE(::symlink(".decoy", (dir + "/console").c_str()) == 0);
    // In place of the /dev tmpfs, so /dev/pts (the pty) is mounted inside the decoy.
    for (auto& m : b.config.mounts)
        if (m.destination == "/dev") m = berth::oci::Mount{"/dev", "bind", dir, {"bind"}, {}, {}};
    b.config.process->terminal = true;
    b.config.process->capabilities.reset();
    b.config.process->args = {"/bin/busybox", "stat", "-c", "decoy=%F", "/dev/.decoy"};
    Result r = b.run();
    BOOST_TEST_MESSAGE(r.status << " " << r.out << r.err);
    if (r.status == 0) BOOST_TEST(contains(r.out, "decoy=regular file"), r.out);
    else BOOST_TEST(contains(r.err, "/dev/console"), r.err);
    BOOST_TEST(!contains(r.out, "character special"), r.out);
    BOOST_TEST(read_file(dir + "/.decoy") == "DECOY\n");
    b.berth({"delete", "--force", b.id()});
}
