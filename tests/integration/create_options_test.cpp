// `create`/`run` options that change how the container is set up, seen from inside it:
// LISTEN_FDS with --preserve-fds, --no-pivot, --console-socket with an external receiver,
// and joining a user namespace by path (with new pid and other namespaces). Needs root.
#define BOOST_TEST_MODULE integration_create_options
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <cstring>
#include <future>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace berth::it;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

bool has_env(const Report& rep, const std::string& entry) {
    for (const auto& e : rep.all("env"))
        if (e == entry) return true;
    return false;
}

// `berth run` started by a shell that sets LISTEN_PID/LISTEN_FDS and opens fds 3 and 4, the
// way systemd socket activation hands sockets to the process it starts.
Result run_activated(const Bundle& b, const std::string& listen_pid, const std::vector<std::string>& extra) {
    b.save();
    std::vector<std::string> argv = {"/bin/sh", "-c",
                                     "LISTEN_PID=" + listen_pid + " LISTEN_FDS=1 exec \"$@\" 3</dev/null 4</dev/null", "sh",
                                     berth_path(), "--root", b.state_root(), "run", "--bundle", b.dir()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(b.id());
    return run_command(argv);
}

// Receives one fd over a unix socket (SCM_RIGHTS), as a console socket's owner does.
int receive_fd(int listener) {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, 20000) != 1) return -1;
    int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return -1;
    char name[256];
    iovec iov{name, sizeof name};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    int fd = -1;
    if (::recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) > 0) {
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    }
    ::close(conn);
    return fd;
}

// Everything the container writes to its terminal, until the last slave fd closes (EIO).
std::string read_all(int master) {
    std::string out;
    char buf[4096];
    for (;;) {
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 20000) != 1) break;
        ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(listen_fds_pass_through_with_preserve_fds) {
    Bundle b;
    // "$$" is the shell, which then execs berth: LISTEN_PID names berth.
    Result r = run_activated(b, "$$", {"--preserve-fds", "1"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(has_env(rep, "LISTEN_FDS=1"));
    BOOST_TEST(has_env(rep, "LISTEN_PID=1"));  // the container's init
    BOOST_TEST(rep.get("fds") == "0,1,2,3,4");  // the listen fd, then the preserved one
}

BOOST_AUTO_TEST_CASE(listen_fds_meant_for_another_process_are_not_passed) {
    Bundle b;
    Result r = run_activated(b, "1", {});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    for (const auto& e : rep.all("env")) BOOST_TEST(e.rfind("LISTEN_", 0) != 0, e);
    BOOST_TEST(rep.get("fds") == "0,1,2");
}

BOOST_AUTO_TEST_CASE(no_pivot_still_confines_the_container_to_its_rootfs) {
    Bundle b;
    b.config.process->args = {"/probe", "cat", "/../config.json"};  // the bundle is rootfs/..
    Result escape = b.run({"--no-pivot"});
    BOOST_TEST(escape.status == 1, escape.out + escape.err);
    BOOST_TEST(contains(escape.out, "No such file"), escape.out);
    b.config.process->args = {"/probe"};
    Result r = b.run({"--no-pivot"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("pid") == "1");
    BOOST_TEST(rep.get("cwd") == "/");
    BOOST_TEST(rep.has_mount("/proc", "proc"));
    // Only mounts under the container's root are visible: no host mount such as the one
    // holding the bundle's state directory shows up with a host path.
    for (const auto& m : rep.all("mount")) BOOST_TEST(!contains(m, b.dir()), m);
}

BOOST_AUTO_TEST_CASE(console_socket_receives_the_pty_master) {
    Bundle b;
    b.config.process->terminal = true;
    b.config.process->args = {"/bin/ls", "-l", "/proc/self/fd/"};
    b.save();
    std::string sock_path = b.dir() + "/console.sock";
    int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock_path.c_str(), sizeof addr.sun_path - 1);
    BOOST_TEST_REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    BOOST_TEST_REQUIRE(::listen(listener, 1) == 0);
    auto master = std::async(std::launch::async, receive_fd, listener);
    Result c = b.berth({"create", "--bundle", b.dir(), "--console-socket", sock_path, b.id()});
    BOOST_TEST_REQUIRE(c.status == 0, c.err);
    int fd = master.get();
    ::close(listener);
    BOOST_TEST_REQUIRE(fd >= 0);
    BOOST_TEST(::isatty(fd) == 1);
    BOOST_TEST_REQUIRE(b.berth({"start", b.id()}).status == 0);
    std::string out = read_all(fd);
    ::close(fd);
    // The container's stdio is the pty slave of its own devpts, and what it wrote came
    // through the master we were handed.
    BOOST_TEST(contains(out, "0 -> /dev/pts/0"), out);
    BOOST_TEST(contains(out, "1 -> /dev/pts/0"), out);
}

namespace {

// A process that owns a new user namespace mapping 0 -> 100000 (65536 ids) and waits
// until destroyed.
class UserNamespaceHolder {
public:
    UserNamespaceHolder() {
        int ready[2];
        BOOST_TEST_REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
        BOOST_TEST_REQUIRE(::pipe2(hold_, O_CLOEXEC) == 0);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(hold_[1]);
            char c = ::unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
            if (::write(ready[1], &c, 1) != 1) ::_exit(1);
            ssize_t n = ::read(hold_[0], &c, 1);  // end of file when the test is done
            ::_exit(n < 0);
        }
        ::close(ready[1]);
        ::close(hold_[0]);
        char c = 0;
        BOOST_TEST_REQUIRE(::read(ready[0], &c, 1) == 1);
        ::close(ready[0]);
        BOOST_TEST_REQUIRE(c == 'y');
        write_file(proc() + "/uid_map", "0 100000 65536\n");
        write_file(proc() + "/gid_map", "0 100000 65536\n");
    }
    ~UserNamespaceHolder() {
        ::close(hold_[1]);
        ::waitpid(pid_, nullptr, 0);
    }
    std::string proc() const { return "/proc/" + std::to_string(pid_); }
    std::string ns_inode(const char* type) const {
        struct stat st{};
        return ::stat((proc() + "/ns/" + type).c_str(), &st) == 0 ? std::to_string(st.st_ino) : "?";
    }

private:
    pid_t pid_ = -1;
    int hold_[2] = {-1, -1};
};

// "         0     100000      65536" -> "0 100000 65536"
std::string squeeze(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (ch == ' ' || ch == '\t') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += ch;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

}  // namespace

// runtime-spec config-linux.md allows joining a user namespace by path and creating the
// other namespaces; the new pid namespace must then be owned by the joined user namespace,
// or the init could not mount its /proc (runtime/create.cpp clones it from a helper).
BOOST_AUTO_TEST_CASE(a_user_namespace_joined_by_path_owns_a_new_pid_namespace) {
    UserNamespaceHolder holder;
    Bundle b;
    b.config.linux_->namespaces.push_back({berth::oci::NamespaceType::user, holder.proc() + "/ns/user"});
    run_command({"/bin/chown", "-R", "100000:100000", b.rootfs()});
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("pid") == "1");  // the init of its own pid namespace, with its /proc
    BOOST_TEST(rep.get("ns_user") == holder.ns_inode("user"));
    BOOST_TEST(squeeze(rep.get("uid_map")) == "0 100000 65536");
    BOOST_TEST(rep.get("uid") == "0");
    struct stat own{};
    BOOST_TEST_REQUIRE(::stat("/proc/self/ns/pid", &own) == 0);
    BOOST_TEST(rep.get("ns_pid") != std::to_string(own.st_ino));
    BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));
}

// The same container kept running: state, exec into it, kill and delete.
BOOST_AUTO_TEST_CASE(a_container_in_a_joined_user_namespace_takes_exec_kill_and_delete) {
    UserNamespaceHolder holder;
    Bundle b;
    b.config.linux_->namespaces.push_back({berth::oci::NamespaceType::user, holder.proc() + "/ns/user"});
    b.config.process->args = {"/probe", "sleep", "60"};
    run_command({"/bin/chown", "-R", "100000:100000", b.rootfs()});
    b.save();
    Result c = b.berth({"create", "--bundle", b.dir(), b.id()});
    BOOST_TEST_REQUIRE(c.status == 0, c.err);
    BOOST_TEST_REQUIRE(b.berth({"start", b.id()}).status == 0);
    BOOST_TEST(contains(b.berth({"state", b.id()}).out, "\"running\""));
    Result e = b.berth({"exec", b.id(), "/probe", "report"});
    BOOST_TEST_REQUIRE(e.status == 0, e.err);
    Report rep = parse_report(e.out);
    BOOST_TEST(rep.get("ns_user") == holder.ns_inode("user"));
    BOOST_TEST(rep.get("ppid") == "0");  // joined the pid namespace from outside it
    BOOST_TEST(b.berth({"kill", b.id(), "KILL"}).status == 0);
    Result d;
    for (int i = 0; i < 50; ++i) {
        d = b.berth({"delete", b.id()});
        if (d.status == 0) break;
        ::usleep(100 * 1000);
    }
    BOOST_TEST(d.status == 0, d.err);
    BOOST_TEST(!path_exists(b.state_root() + "/" + b.id()));
}
