// Internal to src/sys/seccomp*: the libseccomp translation of an OCI profile.
#pragma once

#include "sys/seccomp.hpp"

namespace berth::sys {

// Parent: validates `seccomp` and compiles it with libseccomp into BPF and seccomp(2)
// flags. Throws berth::Error naming the field (`.linux.seccomp.syscalls[3].action: …`).
// The three shapes decide every call alike; the others are there for tests to compare.
enum class SeccompShape {
    linear,  // libseccomp's default program: the rules in a chain per architecture
    tree,    // libseccomp's binary tree of syscall numbers
    ranges,  // the tree rewritten as ranges of equal decision (sys/seccomp_ranges.hpp), when it can be
};
SeccompPlan compile_seccomp(const oci::Seccomp& seccomp, SeccompShape shape = SeccompShape::ranges);

}  // namespace berth::sys
