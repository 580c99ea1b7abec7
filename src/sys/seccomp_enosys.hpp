// Internal to src/sys/seccomp*: the ENOSYS stub put in front of a compiled filter.
//
// A default-deny profile written before a syscall existed (Docker's before 2021, many
// Kubernetes Localhost profiles) denies it with the default errno, usually EPERM. A
// program that probes a new syscall and falls back on ENOSYS (glibc's clone3, faccessat2
// and close_range users, Go's runtime, systemd) then fails instead of falling back. As
// runc does, berth answers ENOSYS for every syscall numbered above the highest syscall
// the profile names, on each architecture of the filter, which is what a kernel of the
// profile's age would have answered.
//
// Limits (also in README.md "Design notes"): the stub knows syscall numbers, not kernel
// versions. A syscall newer than the profile but numbered below its highest named one
// (close_range, faccessat2, clone3, openat2 and pidfd_* under podman's profile with them
// removed, since the profile names newer ones such as futex_waitv) still gets the
// profile's default errno. It is added only when the default action denies (not ALLOW,
// LOG or TRACE) and is not already ERRNO(ENOSYS). On x86_64 the x32 ABI (syscall bit
// 0x40000000) gets its own limit when the profile lists SCMP_ARCH_X32, and goes to the
// filter unchanged otherwise. s390 and s390x, where syscall 0 multiplexes unknown
// syscalls, get no stub.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <vector>

namespace berth::sys {

// Parent: the stub for a profile whose default action is `default_action` (a libseccomp
// SCMP_ACT_* value), naming `names`, compiled for the libseccomp arch tokens `archs`
// (the native one included). Empty when no stub is needed. The stub ends by falling
// through into the program that follows it. Throws berth::Error if it cannot be encoded.
std::vector<sock_filter> enosys_stub(std::uint32_t default_action, const std::vector<std::string>& names,
                                     const std::vector<std::uint32_t>& archs);

}  // namespace berth::sys
