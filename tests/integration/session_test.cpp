// Each container process in its own session, stdio handed to the container's user, exec
// and kill as runc does them (a created container, exit 255, signal 0, a paused
// container), ids and the session keyring. Real containers; needs root.
#define BOOST_TEST_MODULE integration_session
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <string>

using namespace berth::it;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// berth --root <state> <args> run as the leader of a new process group with stdio on
// `out` (or /dev/null), as a shell runs a job; returns the group id after berth exited.
pid_t berth_in_own_group(const Bundle& b, const std::vector<std::string>& args, const std::string& out = "") {
    std::vector<std::string> argv = {berth_path(), "--root", b.state_root()};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setpgid(0, 0);
        int null = ::open("/dev/null", O_RDWR);
        int to = out.empty() ? null : ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(null, 0);
        ::dup2(to, 1);
        ::dup2(null, 2);
        std::vector<char*> v;
        for (auto& a : argv) v.push_back(a.data());
        v.push_back(nullptr);
        ::execv(v[0], v.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_TEST_REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    return pid;
}

// A running container (the probe sleeping as its init), deleted with --force at the end.
struct Running {
    Running() {
        b.config.process->args = {"/probe", "sleep", "60"};
        b.save();
        BOOST_TEST_REQUIRE(b.berth({"run", "-d", "--bundle", b.dir(), b.id()}).status == 0);
    }
    ~Running() { b.berth({"delete", "--force", b.id()}); }
    Bundle b;
};

std::string own_session_keyring() { return std::to_string(::syscall(SYS_keyctl, 0, -3, 0)); }

}  // namespace

BOOST_AUTO_TEST_CASE(init_and_exec_lead_their_own_sessions) {
    Bundle b;
    Result r = b.run();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    Report rep = parse_report(r.out);
    BOOST_TEST(rep.get("sid") == "1");   // the init leads a session in its pid namespace
    BOOST_TEST(rep.get("pgrp") == "1");  // (the caller's session and group would read 0)
    Running c;
    Result e = c.b.berth({"exec", c.b.id(), "/probe"});
    BOOST_TEST_REQUIRE(e.status == 0, e.err);
    Report ex = parse_report(e.out);
    BOOST_TEST(ex.get("sid") == ex.get("pid"));
    BOOST_TEST(ex.get("pgrp") == ex.get("pid"));
    Result t = c.b.berth({"exec", "-t", c.b.id(), "/bin/sh", "-c", "test -t 0 && /probe"});
    BOOST_TEST_REQUIRE(t.status == 0, t.err);  // the pty is still the controlling terminal
    BOOST_TEST(parse_report(t.out).get("sid") == parse_report(t.out).get("pid"));
}

BOOST_AUTO_TEST_CASE(a_signal_to_the_callers_process_group_does_not_reach_the_container) {
    Bundle b;
    b.config.process->args = {"/probe", "sleep", "60"};
    b.save();
    pid_t group = berth_in_own_group(b, {"run", "-d", "--bundle", b.dir(), b.id()});
    // SIGKILL: the only signal the init (pid 1 of its namespace) cannot ignore.
    ::kill(-group, SIGKILL);
    ::usleep(200000);
    BOOST_TEST(container_status(b) == "running");
    std::string pid_file = b.dir() + "/exec.pid";
    pid_t exec_group = berth_in_own_group(b, {"exec", "-d", "--pid-file", pid_file, b.id(), "/probe", "sleep", "60"});
    ::kill(-exec_group, SIGKILL);
    ::usleep(200000);
    std::string pid = read_file(pid_file);
    BOOST_TEST_REQUIRE(!pid.empty());
    BOOST_TEST(::kill(std::stoi(pid), 0) == 0);
    BOOST_TEST(!contains(read_file("/proc/" + pid + "/stat"), ") Z"));
    b.berth({"delete", "--force", b.id()});
}

BOOST_AUTO_TEST_CASE(a_non_root_process_can_reopen_its_stdout_pipe) {
    Bundle b;
    b.config.process->user.uid = 1000;
    b.config.process->user.gid = 1000;
    b.config.process->args = {"/probe", "write", "/proc/self/fd/1", "via-proc-fd\n"};
    Result r = b.run();
    BOOST_TEST(r.status == 0, r.out + r.err);
    BOOST_TEST(contains(r.out, "via-proc-fd"), r.out);
    b.config.process->args = {"/probe", "write", "/dev/stdout", "via-dev-stdout\n"};
    Result d = b.run();
    BOOST_TEST(d.status == 0, d.out + d.err);
    BOOST_TEST(contains(d.out, "via-dev-stdout"), d.out);
    Running c;
    Result e = c.b.berth({"exec", "-u", "1000:1000", c.b.id(), "/probe", "write", "/proc/self/fd/1", "exec-fd\n"});
    BOOST_TEST(e.status == 0, e.out + e.err);
    BOOST_TEST(contains(e.out, "exec-fd"), e.out);
}

// A deliberate difference from runc and crun, which chown any stdio: a file on the host
// keeps its owner (so does a host terminal), only pipes and sockets are handed over.
BOOST_AUTO_TEST_CASE(stdout_that_is_a_host_file_keeps_its_owner) {
    Bundle b;
    b.config.process->user.uid = 1000;
    b.config.process->user.gid = 1000;
    b.config.process->args = {"/probe", "exit", "0"};
    b.save();
    std::string out = b.dir() + "/out.log";
    berth_in_own_group(b, {"run", "-d", "--bundle", b.dir(), b.id()}, out);
    BOOST_TEST(wait_for_status(b, "stopped"));
    struct stat st{};
    BOOST_TEST_REQUIRE(::stat(out.c_str(), &st) == 0);
    BOOST_TEST(st.st_uid == 0u);
    b.berth({"delete", "--force", b.id()});
}

BOOST_AUTO_TEST_CASE(exec_into_a_created_container_runs_and_start_still_works) {
    Bundle b;
    b.config.process->args = {"/probe", "sleep", "60"};
    b.save();
    BOOST_TEST_REQUIRE(b.berth({"create", "--bundle", b.dir(), b.id()}).status == 0);
    Result r = b.berth({"exec", b.id(), "/probe"});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(parse_report(r.out).get("hostname") == "berth-test");
    BOOST_TEST(b.berth({"exec", b.id(), "/probe", "exit", "7"}).status == 7);
    // The old root is detached before create returns (child/old_root.hpp): setns lands on
    // whatever is stacked on the namespace's root, so one mount at "/", the rootfs.
    Result mounts = b.berth({"exec", b.id(), "/probe", "cat", "/proc/self/mountinfo"});
    BOOST_TEST_REQUIRE(mounts.status == 0, mounts.err);
    std::istringstream lines(mounts.out);
    int at_root = 0;
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, point;
        fields >> id >> parent >> devno >> root >> point;
        at_root += point == "/";
    }
    BOOST_TEST(at_root == 1, mounts.out);
    BOOST_TEST(container_status(b) == "created");
    BOOST_TEST(b.berth({"start", b.id()}).status == 0);
    BOOST_TEST(container_status(b) == "running");
    b.berth({"delete", "--force", b.id()});
}

BOOST_AUTO_TEST_CASE(exec_failures_exit_255_apart_from_the_process_status) {
    Running c;
    Result missing_binary = c.b.berth({"exec", c.b.id(), "/no/such/binary"});
    BOOST_TEST(missing_binary.status == 255, missing_binary.err);
    BOOST_TEST(contains(missing_binary.err, "/no/such/binary"), missing_binary.err);
    Result missing_container = c.b.berth({"exec", "no-such-container", "/probe"});
    BOOST_TEST(missing_container.status == 255, missing_container.err);
    BOOST_TEST(c.b.berth({"exec", "--cwd", "/no/such/dir", c.b.id(), "/probe"}).status == 255);
    BOOST_TEST(c.b.berth({"exec", c.b.id(), "/probe", "exit", "1"}).status == 1);  // the process's own
    BOOST_TEST(c.b.berth({"exec", c.b.id()}).status == 1);                        // usage, as runc
}

BOOST_AUTO_TEST_CASE(kill_with_signal_0_checks_that_the_container_runs) {
    Bundle b;
    b.config.process->args = {"/probe", "sleep", "60"};
    b.save();
    BOOST_TEST_REQUIRE(b.berth({"create", "--bundle", b.dir(), b.id()}).status == 0);
    for (auto args : {std::vector<std::string>{"kill", b.id(), "0"}, {"kill", "-a", b.id(), "0"}}) {
        Result r = b.berth(args);
        BOOST_TEST(r.status == 0, r.err);
    }
    BOOST_TEST(b.berth({"start", b.id()}).status == 0);
    BOOST_TEST(b.berth({"kill", b.id(), "0"}).status == 0);
    BOOST_TEST(b.berth({"pause", b.id()}).status == 0);
    BOOST_TEST(b.berth({"kill", "-a", b.id(), "0"}).status == 0);
    BOOST_TEST(container_status(b) == "paused");  // signal 0 neither thaws nor signals
    BOOST_TEST(b.berth({"resume", b.id()}).status == 0);
    BOOST_TEST(b.berth({"kill", b.id(), "KILL"}).status == 0);
    BOOST_TEST(wait_for_status(b, "stopped"));
    Result stopped = b.berth({"kill", b.id(), "0"});
    BOOST_TEST(stopped.status != 0);
    BOOST_TEST(contains(stopped.err, "not running"), stopped.err);
    b.berth({"delete", "--force", b.id()});
}

BOOST_AUTO_TEST_CASE(kill_with_sigkill_stops_a_paused_container) {
    Running c;
    BOOST_TEST_REQUIRE(c.b.berth({"pause", c.b.id()}).status == 0);
    BOOST_TEST(c.b.berth({"kill", c.b.id(), "KILL"}).status == 0);
    BOOST_TEST(wait_for_status(c.b, "stopped"), container_status(c.b));
}

BOOST_AUTO_TEST_CASE(ids_with_dots_run_and_get_their_own_keyring) {
    Bundle b;
    b.save();
    for (std::string id : {".foo", "..x", "a.b"}) {
        Result r = b.berth({"run", "--bundle", b.dir(), id});
        BOOST_TEST(r.status == 0, id << ": " << r.err);
        std::string ring = parse_report(r.out).get("session_keyring");
        BOOST_TEST((!ring.empty() && ring != own_session_keyring()), id);
    }
    for (std::string id : {"a,b", "a b", "a/b", ".", ".."}) BOOST_TEST(b.berth({"run", "--bundle", b.dir(), id}).status != 0, id);
}

BOOST_AUTO_TEST_CASE(exec_joins_the_inits_session_keyring) {
    Bundle b;
    // The init writes its own report where exec can read it, then sleeps.
    b.config.process->args = {"/bin/sh", "-c", "/probe > /dev/shm/init; exec /probe sleep 60"};
    b.save();
    BOOST_TEST_REQUIRE(b.berth({"run", "-d", "--bundle", b.dir(), b.id()}).status == 0);
    std::string init_ring;
    for (int i = 0; i < 100 && init_ring.empty(); ++i, ::usleep(20000))
        init_ring = parse_report(b.berth({"exec", b.id(), "/probe", "cat", "/dev/shm/init"}).out).get("session_keyring");
    BOOST_TEST_REQUIRE(!init_ring.empty());
    BOOST_TEST(init_ring != own_session_keyring());
    BOOST_TEST(parse_report(b.berth({"exec", b.id(), "/probe"}).out).get("session_keyring") == init_ring);
    BOOST_TEST(parse_report(b.berth({"exec", "-u", "1000", b.id(), "/probe"}).out).get("session_keyring") == init_ring);
    b.berth({"delete", "--force", b.id()});
    // --no-new-keyring: neither the init nor exec gets one, as in runc.
    BOOST_TEST_REQUIRE(b.berth({"run", "-d", "--no-new-keyring", "--bundle", b.dir(), b.id()}).status == 0);
    BOOST_TEST(parse_report(b.berth({"exec", b.id(), "/probe"}).out).get("session_keyring") == own_session_keyring());
    b.berth({"delete", "--force", b.id()});
}
