// Asking vendor code a question in a forked child (cuda_version.hpp, nvml.hpp): the
// library is loaded in the child only, answers with a fixed-size record over a pipe and
// is killed if it does not answer in time, so the runtime never maps it.
//
// Parent side. Forks: call it while the process is single-threaded (the child typically
// dlopen()s, which is only safe when no other thread held a lock at fork).
#pragma once

#include <chrono>
#include <cstddef>

namespace berth::nvidia {

// Runs `child(arg, fd)` in a forked child; it must write its answer to `fd` and _exit.
// The parent reads exactly `size` bytes into `out`. Returns false if the answer is
// short (the child exited first) or not complete within `timeout`; the child is then
// killed. It is always reaped. Throws berth::Error "nvidia: fork for <what>: ..." if
// pipe or fork fail.
bool ask_child(const char* what, void (*child)(const char* arg, int fd), const char* arg, void* out,
               std::size_t size, std::chrono::milliseconds timeout);

}  // namespace berth::nvidia
