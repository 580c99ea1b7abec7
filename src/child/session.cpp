// Child side: session, stdio ownership and session keyring of a container process.
#include "child/session.hpp"

#include "child/lsm_label.hpp"
#include "child/protocol.hpp"

#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace berth::child {

bool new_session(Failure& f) noexcept {
    if (::setsid() < 0) return fail(f, "setsid", "");
    return true;
}

namespace {

// An inode that lives only as long as its open files: chowning it changes nothing on
// the host's filesystems.
bool anonymous_pipe_or_socket(int fd, const struct stat& st) noexcept {
    if (S_ISSOCK(st.st_mode)) return true;
    struct statfs sf{};
    return S_ISFIFO(st.st_mode) && ::fstatfs(fd, &sf) == 0 && sf.f_type == PIPEFS_MAGIC;
}

}  // namespace

bool hand_over_stdio(const sys::ProcessPlan& p, Failure& f) noexcept {
    static const char* const kNames[] = {"stdin", "stdout", "stderr"};
    for (int fd = 0; fd < 3; ++fd) {
        struct stat st{};
        if (::fstat(fd, &st) < 0) {
            if (errno == EBADF) continue;  // the caller closed it
            return fail(f, "fstat", kNames[fd]);
        }
        if (st.st_uid == p.uid || !anonymous_pipe_or_socket(fd, st)) continue;
        if (::fchown(fd, p.uid, static_cast<gid_t>(-1)) < 0 && errno != EPERM && errno != EINVAL && errno != EROFS)
            return fail(f, "chown stdio", kNames[fd]);
    }
    return true;
}

namespace {

constexpr long kKeyctlJoinSession = 1, kKeyctlSetPerm = 5, kKeyctlDescribe = 6;
constexpr long kSessionKeyring = -3;                              // KEY_SPEC_SESSION_KEYRING
constexpr unsigned kUserSearch = 0x00080000, kOtherSearch = 0x08;  // KEY_USR_SEARCH, KEY_OTH_SEARCH

// The perm field of KEYCTL_DESCRIBE's "type;uid;gid;perm;description", or false.
bool keyring_perm(unsigned& perm) noexcept {
    char desc[128];
    long n = ::syscall(SYS_keyctl, kKeyctlDescribe, kSessionKeyring, desc, sizeof desc - 1);
    if (n < 0) return false;
    desc[static_cast<std::size_t>(n) < sizeof desc ? n : sizeof desc - 1] = '\0';
    const char* s = desc;
    for (int semis = 0; *s != '\0' && semis < 3; ++s)
        if (*s == ';') ++semis;
    perm = 0;
    int digits = 0;
    for (; *s != '\0' && *s != ';'; ++s, ++digits) {
        char c = *s;
        unsigned v = c >= '0' && c <= '9' ? unsigned(c - '0') : c >= 'a' && c <= 'f' ? unsigned(c - 'a' + 10) : 16;
        if (v == 16) return false;
        perm = perm * 16 + v;
    }
    return digits > 0;
}

}  // namespace

bool join_session_keyring(const LaunchPlan& plan, std::int64_t init_pid, bool share, Failure& f) noexcept {
    if (!plan.new_keyring) return true;
    if (!label_new_keyring(plan.process, f)) return false;
    char name[1280];  // "_ses." + an id of at most 1024 bytes + "." + the pid
    std::size_t len = plan.keyring_name.size();
    if (len + 24 > sizeof name) return fail(f, "join session keyring", plan.keyring_name.c_str(), ENAMETOOLONG);
    copy_cstr(name, sizeof name, plan.keyring_name.c_str());
    format_int(name + len, init_pid);
    // A failure names the prefix: f.detail must outlive this frame.
    if (::syscall(SYS_keyctl, kKeyctlJoinSession, name) < 0) {
        if (errno == ENOSYS) return true;
        return fail(f, "join session keyring", plan.keyring_name.c_str());
    }
    if (!share) return true;
    bool user_ns = plan.ns.new_user || plan.ns.join_user || !plan.ns.clone_in_user_path.empty();
    unsigned perm = 0;
    if (!keyring_perm(perm)) return fail(f, "describe session keyring", plan.keyring_name.c_str());
    if (::syscall(SYS_keyctl, kKeyctlSetPerm, kSessionKeyring, perm | (user_ns ? kOtherSearch : kUserSearch)) < 0)
        return fail(f, "make session keyring searchable", plan.keyring_name.c_str());
    return true;
}

void report_step(const LaunchPlan& plan, int sync_fd, const char* step) noexcept {
    if (!plan.report_steps) return;
    Message m{};
    m.type = MsgType::step;
    copy_cstr(m.stage, sizeof m.stage, step);
    // A lost progress record is not worth failing the container: the parent logs less.
    ::send(sync_fd, &m, sizeof m, MSG_NOSIGNAL);
}

}  // namespace berth::child
