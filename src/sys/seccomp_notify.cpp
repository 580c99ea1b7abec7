#include "sys/seccomp_notify.hpp"

#include "oci/config.hpp"
#include "util/error.hpp"
#include "util/json_string.hpp"
#include "util/unique_fd.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <string_view>

namespace berth::sys {
namespace {

UniqueFd connect_unix(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path) {
        throw_error("seccomp listener \"{}\": path must have 1 to {} bytes", path, sizeof addr.sun_path - 1);
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("seccomp listener \"{}\": socket", path);
    int rc;
    do {
        rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) throw_errno("seccomp listener \"{}\": connect", path);
    return fd;
}

// Sends `data`; the fd rides on the first sendmsg only, as the spec requires when the
// state takes several calls.
void send_with_fd(int sock, std::string_view data, int fd_to_send, const std::string& path) {
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    bool fd_sent = false;
    while (!data.empty()) {
        iovec iov{const_cast<char*>(data.data()), data.size()};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        if (!fd_sent) {
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            cmsg->cmsg_len = CMSG_LEN(sizeof(int));
            std::memcpy(CMSG_DATA(cmsg), &fd_to_send, sizeof(int));
        }
        // MSG_NOSIGNAL: an agent that went away is an error to report, not a SIGPIPE.
        ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("seccomp listener \"{}\": send container process state", path);
        fd_sent = true;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

std::string seccomp_process_state_json(pid_t pid, const std::string& state_json, const std::string& metadata) {
    std::string out = "{\"ociVersion\":";
    append_json_string(out, oci::kSpecVersion);
    out += fmt::format(",\"fds\":[\"seccompFd\"],\"pid\":{}", pid);
    if (!metadata.empty()) {
        out += ",\"metadata\":";
        append_json_string(out, metadata);
    }
    out += ",\"state\":";
    out += state_json;
    out += '}';
    return out;
}

void send_seccomp_listener(const std::string& listener_path, int listener_fd, pid_t pid,
                           const std::string& state_json, const std::string& metadata) {
    if (listener_fd < 0) throw_error("seccomp listener \"{}\": no listener fd to send", listener_path);
    UniqueFd sock = connect_unix(listener_path);
    send_with_fd(sock.get(), seccomp_process_state_json(pid, state_json, metadata), listener_fd, listener_path);
    // Closing `sock` ends the one state this connection carries.
}

}  // namespace berth::sys
