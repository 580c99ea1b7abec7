// Internal to src/sys/seccomp*: the libseccomp translation of an OCI profile.
#pragma once

#include "sys/seccomp.hpp"

namespace berth::sys {

// Parent: validates `seccomp` and compiles it with libseccomp into BPF and seccomp(2)
// flags. Throws berth::Error naming the field (`.linux.seccomp.syscalls[3].action: …`).
// `binary_tree` false gives libseccomp's linear program, which decides the same (for tests).
SeccompPlan compile_seccomp(const oci::Seccomp& seccomp, bool binary_tree = true);

}  // namespace berth::sys
