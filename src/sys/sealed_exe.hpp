// CVE-2019-5736: the commands that put a process into a container run from a copy of the
// berth binary that nothing can write, so nothing in the container can reach the host
// binary through /proc/<pid>/exe (or a `#!/proc/self/exe` entrypoint) and overwrite it.
#pragma once

namespace berth::sys {

// Returns at once when berth already runs from a protected image: a read-only bind of
// the binary attached to no mount namespace, or a sealed memfd copy (the markers are the
// kernel's own view of /proc/self/exe, so no environment variable reaches hooks or the
// container). Otherwise re-executes berth, with the same argv and environment, from a
// detached read-only bind of itself (open_tree + mount_setattr), or from a sealed memfd
// copy where the kernel or berth's privileges refuse the bind (rootless: open_tree needs
// CAP_SYS_ADMIN over the mount namespace; kernels before 5.12 lack mount_setattr) or the
// exec from it fails.
// Fds the caller passed (--preserve-fds, console socket) survive. Throws on failure.
void ensure_sealed_exe(char** argv);

}  // namespace berth::sys
