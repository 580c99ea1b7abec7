// Helpers for the code between clone and execve: no allocation, no exceptions, no stdio.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace berth::child {

// The first failure of the init: a stage name and a detail (both point at literals or at
// plan strings, which outlive the init), and the errno.
struct Failure {
    const char* stage = "";
    const char* detail = "";
    int err = 0;
};

// Records errno (or `err` when not 0) and returns false, for `return fail(...)`.
inline bool fail(Failure& f, const char* stage, const char* detail, int err = 0) noexcept {
    f.stage = stage;
    f.detail = detail ? detail : "";
    f.err = err != 0 ? err : errno;
    return false;
}

// Writes the decimal form of v at out (at least 21 bytes); returns the length.
inline std::size_t format_int(char* out, std::int64_t v) noexcept {
    char tmp[24];
    std::size_t n = 0;
    bool neg = v < 0;
    std::uint64_t u = neg ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
    do {
        tmp[n++] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u != 0);
    std::size_t len = 0;
    if (neg) out[len++] = '-';
    while (n > 0) out[len++] = tmp[--n];
    out[len] = '\0';
    return len;
}

// "/proc/self/fd/<fd>" into buf (at least 32 bytes).
inline const char* fd_path(char* buf, int fd) noexcept {
    const char prefix[] = "/proc/self/fd/";
    std::size_t i = 0;
    for (; prefix[i] != '\0'; ++i) buf[i] = prefix[i];
    format_int(buf + i, fd);
    return buf;
}

inline std::size_t cstr_len(const char* s) noexcept {
    std::size_t n = 0;
    while (s[n] != '\0') ++n;
    return n;
}

// Copies at most cap-1 bytes and terminates.
inline void copy_cstr(char* dst, std::size_t cap, const char* src) noexcept {
    std::size_t i = 0;
    for (; src[i] != '\0' && i + 1 < cap; ++i) dst[i] = src[i];
    dst[i] = '\0';
}

// write(2) until done; returns false on error.
bool write_all(int fd, const char* data, std::size_t len) noexcept;

// One sendmsg(2) of `len` bytes with `fd` attached as SCM_RIGHTS (MSG_NOSIGNAL);
// returns false on error.
bool send_with_fd(int sock, const void* data, std::size_t len, int fd) noexcept;

// O_PATH fd of `rel` resolved under `root_fd` without leaving it (RESOLVE_IN_ROOT,
// no magic links), or -errno.
int resolve_in_root(int root_fd, const char* rel, int extra_flags = 0) noexcept;

// Resolves `rel` under `root_fd`, creating missing components (directories; the last
// one an empty file when !dir). Returns an O_PATH fd or -errno.
int ensure_in_root(int root_fd, const char* rel, bool dir) noexcept;

// The parent directory of `rel` (created if missing) as an O_PATH fd, and the last
// component's offset in `rel`. Returns -errno on failure.
int parent_in_root(int root_fd, const char* rel, std::size_t& name_offset) noexcept;

}  // namespace berth::child
