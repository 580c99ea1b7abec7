// SCMP_ACT_NOTIFY end to end at unit level: a forked child loads a notifying filter and
// passes the listener to the test process, which hands it to the test agent
// (tests/fixtures/seccomp_agent.cpp) with send_seccomp_listener().
#include "seccomp_test_util.hpp"

#include "oci/json.hpp"
#include "sys/seccomp.hpp"
#include "sys/seccomp_notify.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#ifndef BERTH_SECCOMP_AGENT
#error "BERTH_SECCOMP_AGENT must name the test agent binary"
#endif

using berth::UniqueFd;
using namespace berth::test;
namespace sys = berth::sys;

namespace {

// Starts the agent and waits until it listens. Returns its pid.
pid_t start_agent(const std::string& socket_path, const std::string& out_dir) {
    int out[2];
    BOOST_REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    pid_t pid = fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        reset_signals_in_child();
        alarm(30);
        dup2(out[1], STDOUT_FILENO);
        execl(BERTH_SECCOMP_AGENT, BERTH_SECCOMP_AGENT, socket_path.c_str(), out_dir.c_str(), nullptr);
        _exit(127);
    }
    close(out[1]);
    char ready[6] = {};
    ssize_t n = read(out[0], ready, sizeof ready);
    close(out[0]);
    BOOST_REQUIRE_MESSAGE(n == 6 && std::memcmp(ready, "ready\n", 6) == 0, "the seccomp agent did not start");
    return pid;
}

void send_fd(int sock, int fd) {
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    sendmsg(sock, &msg, 0);
}

int receive_fd(int sock) {
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0) return -1;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (c == nullptr || c->cmsg_type != SCM_RIGHTS) return -1;
    int fd = -1;
    std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

int wait_status(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The filtered child: what the container init does around seccomp, then the workload.
// Exit codes say which step went wrong.
[[noreturn]] void filtered_child(const sys::SeccompPlan& plan, int sock, const std::string& dir) {
    reset_signals_in_child();
    alarm(20);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(10);
    int listener = sys::apply_seccomp(plan);
    if (listener <= 0) _exit(11);
    // The listener must not survive execve: a container holding it could answer its
    // own notifications.
    if ((fcntl(listener, F_GETFD) & FD_CLOEXEC) == 0) _exit(14);
    send_fd(sock, listener);
    close(listener);
    // The agent answers: mkdir "succeeds" without creating the directory...
    if (mkdir((dir + "/made-by-agent").c_str(), 0700) != 0) _exit(12);
    // ...and getppid fails with the errno named in the metadata.
    if (syscall(SYS_getppid) != -1 || errno != ENOSPC) _exit(13);
    _exit(0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(seccomp_notify)

BOOST_AUTO_TEST_CASE(process_state_has_the_spec_fields) {
    std::string text = sys::seccomp_process_state_json(4422, R"({"ociVersion":"1.3.0","id":"c1","status":"creating"})",
                                                       "MKNOD=/dev/null;\"quoted\"");
    berth::json::Value doc = berth::json::parse(text);
    BOOST_REQUIRE(doc.find("ociVersion") != nullptr);
    BOOST_TEST(doc.find("ociVersion")->text == berth::oci::kSpecVersion);
    const berth::json::Value* fds = doc.find("fds");
    BOOST_REQUIRE(fds != nullptr);
    BOOST_REQUIRE(fds->items.size() == 1u);
    BOOST_TEST(fds->items[0].text == "seccompFd");
    BOOST_TEST(doc.find("pid")->text == "4422");
    BOOST_TEST(doc.find("metadata")->text == "MKNOD=/dev/null;\"quoted\"");
    BOOST_TEST(doc.find("state")->find("id")->text == "c1");
    // metadata is OPTIONAL: left out when empty
    BOOST_TEST(berth::json::parse(sys::seccomp_process_state_json(1, "{}", "")).find("metadata") == nullptr);
}

BOOST_AUTO_TEST_CASE(agent_answers_notified_syscalls) {
    TempDir dir;
    std::string socket_path = dir.path() + "/agent.sock";
    std::string state_out = dir.path() + "/state-0.json";
    auto seccomp = profile("SCMP_ACT_ALLOW", {rule({"mkdir", "mkdirat", "getppid"}, "SCMP_ACT_NOTIFY")});
    seccomp.listener_path = socket_path;
    seccomp.listener_metadata = "errno=28";
    sys::SeccompPlan plan = sys::build_seccomp_plan(seccomp, "");
    BOOST_REQUIRE(plan.needs_listener);

    pid_t agent = start_agent(socket_path, dir.path());
    int pair[2];
    BOOST_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    UniqueFd parent_end(pair[0]);
    pid_t child = fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) filtered_child(plan, pair[1], dir.path());
    close(pair[1]);

    UniqueFd listener(receive_fd(parent_end.get()));
    BOOST_REQUIRE(listener);
    std::string state = fmt::format(R"({{"ociVersion":"1.3.0","id":"c1","status":"creating","pid":{},"bundle":"/b"}})", child);
    sys::send_seccomp_listener(seccomp.listener_path, listener.get(), child, state, seccomp.listener_metadata);
    listener.reset();

    int status = wait_status(child);
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0), "child status " << status);
    struct stat st {};
    BOOST_TEST(stat((dir.path() + "/made-by-agent").c_str(), &st) != 0);  // the agent faked it
    int agent_status = wait_status(agent);
    BOOST_TEST((WIFEXITED(agent_status) && WEXITSTATUS(agent_status) == 0), "agent status " << agent_status);

    berth::json::Value sent = berth::json::parse(read_file(state_out));
    BOOST_TEST(sent.find("fds")->items.at(0).text == "seccompFd");
    BOOST_TEST(sent.find("pid")->text == std::to_string(child));
    BOOST_TEST(sent.find("metadata")->text == "errno=28");
    BOOST_TEST(sent.find("state")->find("status")->text == "creating");
}

BOOST_AUTO_TEST_CASE(notify_sets_new_listener_and_needs_a_listener_path) {
    auto seccomp = profile("SCMP_ACT_ALLOW", {rule({"mkdir"}, "SCMP_ACT_NOTIFY")});
    BOOST_CHECK_EXCEPTION(sys::build_seccomp_plan(seccomp, ""), berth::Error, [](const berth::Error& e) {
        return std::string(e.what()).starts_with(".linux.seccomp.listenerPath:");
    });
    seccomp.listener_path = "/run/agent.sock";
    sys::SeccompPlan plan = sys::build_seccomp_plan(seccomp, "");
    BOOST_TEST(plan.needs_listener);
    BOOST_TEST((plan.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0u);
    BOOST_TEST(returns_value(plan, SECCOMP_RET_USER_NOTIF));
}

BOOST_AUTO_TEST_CASE(send_to_a_missing_socket_names_the_path) {
    TempDir dir;
    std::string path = dir.path() + "/nobody.sock";
    UniqueFd some_fd(dup(STDERR_FILENO));
    BOOST_CHECK_EXCEPTION(sys::send_seccomp_listener(path, some_fd.get(), 1, "{}", ""), berth::Error,
                          [&](const berth::Error& e) {
                              std::string what = e.what();
                              return what.find("\"" + path + "\"") != std::string::npos && e.error_number() == ENOENT;
                          });
}

BOOST_AUTO_TEST_SUITE_END()
