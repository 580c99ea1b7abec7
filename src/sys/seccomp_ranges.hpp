// Internal to src/sys/seccomp*: a compiled filter rewritten as ranges of syscall numbers.
//
// Most of a profile decides a syscall by its architecture and number alone. The rewrite
// runs the program once per architecture it compares with (plus one foreign value) and
// per interval of syscall numbers between the constants the program compares with, and
// emits, per architecture, a binary search over the intervals of equal decision. Where
// the program reads anything else of seccomp_data (an argument or the instruction
// pointer), the interval jumps to a copy of the original instructions from that read on.
// Since every comparison of the number is with one of the interval bounds, every number
// of an interval takes the original's path, so the new program decides every input as
// the original does. A program of any other shape is left alone.
#pragma once

#include <linux/filter.h>

#include <optional>
#include <span>
#include <vector>

namespace berth::sys {

// Parent: the ranged form of `program`, or nullopt when its shape is not one this handles
// (loads other than absolute words of seccomp_data, X or scratch memory before an
// argument is read, comparisons of the number that are not with constants, ...). The
// result may be longer than `program` for a small one. Pure; never throws but std::bad_alloc.
std::optional<std::vector<sock_filter>> range_seccomp_program(std::span<const sock_filter> program);

}  // namespace berth::sys
