// SCMP_ACT_NOTIFY end to end: berth hands the seccomp listener to an agent at
// listenerPath (tests/fixtures/seccomp_agent.cpp, written from the runtime-spec text
// only), including for the syscalls berth's own init makes after the filter.
#define BOOST_TEST_MODULE integration_seccomp_notify
#include "harness.hpp"

#include "oci/json.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>

using namespace berth::it;
namespace json = berth::json;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::string agent_path() {
    const char* p = std::getenv("BERTH_SECCOMP_AGENT");
    return p ? p : "";
}

// The agent as a child of the test; killed at scope exit if still running.
class Agent {
public:
    Agent(const std::string& socket, const std::string& out_dir, int connections) {
        int out[2];
        BOOST_REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        pid_ = ::fork();
        BOOST_REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(out[1], STDOUT_FILENO);
            std::string n = std::to_string(connections);
            ::execl(agent_path().c_str(), "seccomp-agent", socket.c_str(), out_dir.c_str(), n.c_str(), nullptr);
            ::_exit(127);
        }
        ::close(out[1]);
        char ready[6] = {};
        ssize_t n = ::read(out[0], ready, sizeof ready);
        ::close(out[0]);
        BOOST_REQUIRE_MESSAGE(n == 6, "the seccomp agent did not start");
    }
    ~Agent() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    // The agent's exit status once every filtered process is gone, or -1 after 20 s.
    int wait() {
        for (int i = 0; i < 200; ++i) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return -1;
    }

private:
    pid_t pid_ = -1;
};

// Every syscall berth's init makes after the filter that a container's own program would
// not (capset, the sync socket's sendto and sendmsg), plus write, close and execve, and
// the three the agent answers itself.
berth::oci::Seccomp notify_profile(const std::string& socket) {
    berth::oci::Seccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    berth::oci::SeccompSyscall rule;
    rule.names = {"mkdir", "mkdirat", "getppid", "write", "close", "execve", "sendto", "sendmsg", "capset", "openat"};
    rule.action = "SCMP_ACT_NOTIFY";
    s.syscalls.push_back(rule);
    s.listener_path = socket;
    return s;
}

// berth run, killed after 60 s: a deadlocked init must fail the test, not hang it.
Result run_bounded(const Bundle& b, const std::vector<std::string>& extra = {}) {
    b.save();
    std::vector<std::string> argv = {"/usr/bin/timeout", "-s", "KILL", "60", berth_path(), "--root", b.state_root(),
                                     "run", "--bundle", b.dir()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(b.id());
    return run_command(argv);
}

// "pid nr" lines the agent logged.
bool notified(const std::string& log, const std::string& pid, long nr) {
    return contains("\n" + log, "\n" + pid + " " + std::to_string(nr) + "\n");
}

// The process state as the agent received it, checked against the spec's fields.
json::Value received_state(const std::string& path, const Bundle& b, const std::string& status) {
    json::Value doc = json::parse(read_file(path));
    BOOST_TEST(doc.find("ociVersion") != nullptr);
    const json::Value* fds = doc.find("fds");
    BOOST_TEST_REQUIRE(fds != nullptr);
    BOOST_TEST(fds->items.size() == 1u);
    BOOST_TEST(fds->items.at(0).text == "seccompFd");
    const json::Value* state = doc.find("state");
    BOOST_TEST_REQUIRE(state != nullptr);
    BOOST_TEST(state->find("id")->text == b.id());
    BOOST_TEST(state->find("status")->text == status);
    BOOST_TEST(state->find("bundle")->text == b.dir());
    return doc;
}

void notify_run(bool no_new_privileges, const std::string& metadata) {
    Bundle b;
    std::string socket = b.dir() + "/agent.sock";
    Agent agent(socket, b.dir(), 1);
    b.config.linux_->seccomp = notify_profile(socket);
    b.config.linux_->seccomp->listener_metadata = metadata;
    b.config.process->no_new_privileges = no_new_privileges;
    // mkdir "succeeds" without a directory; getppid gets the metadata's errno.
    b.config.process->args = {"/bin/sh", "-c", "mkdir /dev/shm/made && test ! -e /dev/shm/made && echo faked; /probe syscall 110"};
    Result r = run_bounded(b);
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(contains(r.out, "faked"), r.out + r.err);
    BOOST_TEST(contains(r.out, metadata.empty() ? "errno=1\n" : "errno=28\n"), r.out);
    BOOST_TEST(agent.wait() == 0);

    json::Value doc = received_state(b.dir() + "/state-0.json", b, "creating");
    std::string pid = doc.find("pid")->text;
    BOOST_TEST(doc.find("state")->find("pid")->text == pid);
    if (metadata.empty()) BOOST_TEST(doc.find("metadata") == nullptr);
    else BOOST_TEST(doc.find("metadata")->text == metadata);
    // The init's own syscalls went to the agent and were let through.
    std::string log = read_file(b.dir() + "/notifications");
    BOOST_TEST(notified(log, pid, SYS_execve), log);
    BOOST_TEST(notified(log, pid, SYS_sendto), log);
    if (!no_new_privileges) BOOST_TEST(notified(log, pid, SYS_capset), log);
}

}  // namespace

BOOST_AUTO_TEST_CASE(agent_answers_the_init_with_metadata_and_no_new_privileges_false) {
    BOOST_TEST_REQUIRE(!agent_path().empty());
    notify_run(false, "errno=28;MKNOD=/dev/null");
}

BOOST_AUTO_TEST_CASE(agent_answers_the_init_without_metadata_and_no_new_privileges_true) {
    notify_run(true, "");
}

// An exec'd process gets its own filter and so its own connection, naming it.
BOOST_AUTO_TEST_CASE(exec_hands_its_listener_over_too) {
    Bundle b;
    std::string socket = b.dir() + "/agent.sock";
    Agent agent(socket, b.dir(), 2);
    b.config.linux_->seccomp = notify_profile(socket);
    b.config.linux_->seccomp->listener_metadata = "errno=28";
    b.config.process->no_new_privileges = false;
    b.config.process->args = {"/probe", "sleep", "30"};
    Result started = run_bounded(b, {"-d"});
    BOOST_TEST_REQUIRE(started.status == 0, started.err);
    Result e = run_command({"/usr/bin/timeout", "-s", "KILL", "60", berth_path(), "--root", b.state_root(), "exec",
                            b.id(), "/probe", "syscall", "110"});
    BOOST_TEST(e.status == 0, e.err);
    BOOST_TEST(contains(e.out, "errno=28\n"), e.out);
    b.berth({"kill", b.id(), "KILL"});
    BOOST_TEST(agent.wait() == 0);
    json::Value doc = received_state(b.dir() + "/state-1.json", b, "running");
    BOOST_TEST(doc.find("pid")->text != doc.find("state")->find("pid")->text);
}

// runtime-spec: "If sending to this socket fails, the runtime MUST generate an error."
BOOST_AUTO_TEST_CASE(unreachable_listener_fails_create_and_leaves_nothing) {
    Bundle b;
    std::string file = b.dir() + "/not-a-socket";
    write_file(file, "");
    for (const std::string& path : {b.dir() + "/missing.sock", file}) {
        b.config.linux_->seccomp = notify_profile(path);
        b.config.process->no_new_privileges = false;
        HostSnapshot before = snapshot_host(b, {});
        Result r = run_bounded(b);
        // The compiled filter stays cached beside the containers, by design.
        std::erase(before.state, ".seccomp-cache");
        BOOST_TEST(r.status != 0);
        std::string err = r.err;
        while (!err.empty() && err.back() == '\n') err.pop_back();
        BOOST_TEST(err.find('\n') == std::string::npos, err);
        BOOST_TEST(contains(err, "seccomp listener \"" + path + "\""), err);
        BOOST_TEST_MESSAGE("refused: " << err);
        auto after = [&b] {
            HostSnapshot s = snapshot_host(b, {});
            std::erase(s.state, ".seccomp-cache");
            return s;
        };
        std::string d = diff(before, after());
        for (int i = 0; i < 20 && !d.empty(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            d = diff(before, after());
        }
        BOOST_TEST(d.empty(), d);
        BOOST_TEST(b.berth({"list", "-q"}).out == "");
    }
}
