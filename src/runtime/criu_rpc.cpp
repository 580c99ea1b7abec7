#include "runtime/criu_rpc.hpp"

#include "child/child_util.hpp"
#include "runtime/criu.hpp"
#include "util/error.hpp"
#include "util/fd_passing.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/protobuf_wire.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <exception>

namespace berth::runtime::criu {
namespace {

// Field numbers of criu_opts in rpc.proto.
protobuf::Writer encode_opts(const Opts& o) {
    protobuf::Writer w;
    w.int32(1, o.images_dir_fd);
    if (o.pid > 0) w.int32(2, o.pid);
    auto flag = [&w](int field, bool on) {
        if (on) w.boolean(field, true);
    };
    flag(3, o.leave_running);
    flag(4, o.ext_unix_sk);
    flag(5, o.tcp_established);
    flag(6, o.evasive_devices);
    flag(7, o.shell_job);
    flag(8, o.file_locks);
    w.int32(9, o.log_level);
    if (!o.log_file.empty()) w.bytes(10, o.log_file);
    if (o.page_server) {
        protobuf::Writer ps;
        ps.bytes(1, o.page_server->first);
        ps.int32(2, o.page_server->second);
        w.message(11, ps);
    }
    flag(12, o.notify_scripts);
    if (!o.root.empty()) w.bytes(13, o.root);
    if (!o.parent_img.empty()) w.bytes(14, o.parent_img);
    flag(15, o.track_mem);
    flag(16, o.auto_dedup);
    if (o.work_dir_fd >= 0) w.int32(17, o.work_dir_fd);
    for (const auto& r : o.cg_root) {
        protobuf::Writer m;
        if (r.controllers) m.bytes(1, *r.controllers);
        m.bytes(2, r.path);
        w.message(25, m);
    }
    flag(26, o.rst_sibling);
    for (const auto& f : o.inherit_fd) {
        protobuf::Writer m;
        m.bytes(1, f.key);
        m.int32(2, f.fd);
        w.message(27, m);
    }
    if (o.manage_cgroups_mode) w.uint(34, static_cast<std::uint64_t>(*o.manage_cgroups_mode));
    for (const auto& e : o.external) w.bytes(37, e);
    if (o.empty_ns) w.uint(38, o.empty_ns);
    if (!o.freeze_cgroup.empty()) w.bytes(44, o.freeze_cgroup);
    flag(48, o.lazy_pages);
    if (o.status_fd) w.int32(49, *o.status_fd);
    flag(50, o.orphan_pts_master);
    if (!o.config_file.empty()) w.bytes(51, o.config_file);
    if (!o.lsm_profile.empty()) w.bytes(53, o.lsm_profile);
    if (!o.lsm_mount_context.empty()) w.bytes(63, o.lsm_mount_context);
    return w;
}

const char* action_name(Request type) {
    switch (type) {
    case Request::dump: return "dump";
    case Request::restore: return "restore";
    case Request::check: return "check";
    case Request::pre_dump: return "pre-dump";
    case Request::notify: return "notify";
    }
    return "request";
}

void send_message(int sock, const std::string& data) {
    if (::send(sock, data.data(), data.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(data.size()))
        throw_errno("send to criu");
}

// The forked child: waits for `go`, runs in_child and sends berth the fds it returns
// (each as one message, then "end"), becomes `criu swrk <fd>`. Never returns.
[[noreturn]] void exec_swrk(const std::string& binary, int go, int sock, const std::string& log, bool null_stdio,
                            const std::function<std::vector<int>()>& in_child) {
    char c;
    if (::read(go, &c, 1) != 1) ::_exit(126);
    try {
        std::vector<int> fds;
        if (in_child) fds = in_child();
        for (int fd : fds)
            if (!child::send_with_fd(sock, "fd", 2, fd)) throw_errno("send fd to berth");
        if (::send(sock, "end", 3, MSG_NOSIGNAL) < 0) throw_errno("send to berth");
    } catch (const std::exception& e) {
        std::string line = std::string("Error (berth): ") + e.what() + "\n";
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0 && ::write(fd, line.data(), line.size()) < 0) ::_exit(125);
        ::_exit(125);
    }
    // Dump and pre-dump are CRIU's business alone (runc gives them no stdio either): its
    // complaint when berth hangs up after a pre-dump must not reach berth's caller.
    int null = null_stdio ? ::open("/dev/null", O_RDWR) : -1;
    for (int fd = 0; fd < 3 && null >= 0; ++fd) ::dup2(null, fd);
    // The one fd CRIU must inherit besides stdio and the inherit_fd ones.
    if (::fcntl(sock, F_SETFD, 0) < 0) ::_exit(126);
    std::string fd = std::to_string(sock);
    const char* argv[] = {binary.c_str(), "swrk", fd.c_str(), nullptr};
    ::execv(binary.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
}

// The fds the child sent before it became CRIU; nullopt when it failed first.
std::optional<std::vector<UniqueFd>> receive_child_fds(int sock) {
    std::vector<UniqueFd> fds;
    char buf[8];
    for (;;) {
        Received r = receive_with_fd(sock, buf, sizeof buf, "receive from criu's child");
        if (r.bytes <= 0) return std::nullopt;  // it failed: the log says why
        if (!r.fd) return fds;                  // "end"
        fds.push_back(std::move(r.fd));
    }
}

int reap(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

// Sends the request and answers notifications until the final response; nullopt when CRIU
// hung up first (it died: its log says why).
std::optional<Response> converse(int sock, const std::string& request, const SessionHooks& hooks,
                                 std::exception_ptr& failed) {
    try {
        send_message(sock, request);
    } catch (const Error& e) {
        log::debug("criu swrk: {}", e.what());
        return std::nullopt;
    }
    std::string buf(64 * 1024, '\0');
    for (;;) {
        Received r = receive_with_fd(sock, buf.data(), buf.size(), "receive from criu");
        if (r.bytes <= 0) return std::nullopt;
        Response resp = decode_response(std::string_view(buf.data(), static_cast<std::size_t>(r.bytes)));
        if (resp.type != static_cast<int>(Request::notify)) return resp;
        log::debug("criu notification \"{}\" pid {}", resp.script, resp.notify_pid);
        bool ok = true;
        if (hooks.notify && !failed) {
            try {
                hooks.notify(resp, std::move(r.fd));
            } catch (...) {
                failed = std::current_exception();
            }
        }
        if (failed) ok = false;
        send_message(sock, encode_request(Request::notify, nullptr, ok));
    }
}

}  // namespace

std::string encode_request(Request type, const Opts* opts, bool notify_success) {
    protobuf::Writer w;
    w.uint(1, static_cast<std::uint64_t>(type));
    if (opts) w.message(2, encode_opts(*opts));
    if (type == Request::notify) w.boolean(3, notify_success);
    return w.data();
}

Response decode_response(std::string_view data) {
    Response r;
    protobuf::Reader reader(data);
    protobuf::Field f;
    auto sub = [](std::string_view bytes, int number) -> std::optional<protobuf::Field> {
        protobuf::Reader in(bytes);
        protobuf::Field g;
        std::optional<protobuf::Field> found;
        while (in.next(g))
            if (g.number == number) found = g;
        return found;
    };
    while (reader.next(f)) {
        switch (f.number) {
        case 1: r.type = static_cast<int>(f.value); break;
        case 2: r.success = f.value != 0; break;
        case 4:  // criu_restore_resp { pid = 1 }
            if (auto g = sub(f.bytes, 1)) r.restore_pid = static_cast<pid_t>(g->value);
            break;
        case 5:  // criu_notify { script = 1; pid = 2 }
            if (auto g = sub(f.bytes, 1)) r.script = std::string(g->bytes);
            if (auto g = sub(f.bytes, 2)) r.notify_pid = static_cast<pid_t>(g->value);
            break;
        case 7: r.cr_errno = static_cast<int>(f.value); break;
        case 9: r.cr_errmsg = std::string(f.bytes); break;
        default: break;
        }
    }
    return r;
}

Response call(const GlobalOptions& global, Request type, const Opts& opts, const std::string& log,
              const SessionHooks& hooks) {
    std::string binary = find_binary(global.criu);
    if (binary.empty()) throw_error("criu binary \"{}\" not found", global.criu);
    log::debug("criu swrk: {} (log: {})", action_name(type), log);
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) throw_errno("socketpair");
    UniqueFd sock(pair[0]), criu_sock(pair[1]);
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0) throw_errno("pipe");
    UniqueFd go_read(pipefd[0]), go_write(pipefd[1]);
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) exec_swrk(binary, go_read.get(), criu_sock.get(), log, type != Request::restore, hooks.in_child);
    go_read.reset();
    criu_sock.reset();
    try {
        if (hooks.started) hooks.started(pid);
    } catch (...) {
        ::kill(pid, SIGKILL);
        reap(pid);
        throw;
    }
    if (::write(go_write.get(), "g", 1) != 1) throw_errno("release criu");
    go_write.reset();
    std::exception_ptr failed;
    std::optional<Response> resp;
    try {
        if (auto fds = receive_child_fds(sock.get())) {
            if (hooks.received) hooks.received(std::move(*fds));
            resp = converse(sock.get(), encode_request(type, &opts), hooks, failed);
        }
    } catch (...) {
        ::kill(pid, SIGKILL);
        reap(pid);
        throw;
    }
    sock.reset();
    int status = reap(pid);
    if (failed) std::rethrow_exception(failed);
    if (resp && resp->success) return *resp;
    std::string why = first_error(fs::read_file_if_exists(log).value_or(""));
    if (why.empty() && resp) why = resp->cr_errmsg;
    if (why.empty())
        why = WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status)) : std::string("killed");
    throw_error("criu {} failed: {} (log: {})", action_name(type), why, log);
}

}  // namespace berth::runtime::criu
