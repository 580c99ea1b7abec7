// Asking vendor code a question in a forked child (cuda_version.hpp, nvml.hpp): the
// library is loaded in the child only, answers with a fixed-size record over a pipe and
// is killed if it does not answer in time, so the runtime never maps it.
//
// A statically linked process (berth itself) cannot dlopen a vendor library soundly:
// glibc's static dlopen brings a second libc, whose pthread_create crashes, and it needs
// the very glibc berth was built with. So the code that loads the libraries
// (vendor_answers.hpp) is linked only into dynamic programs (the hook, the tests), which
// run it in the forked child; in any other (berth), the child execs the query helper (the
// dynamically linked berth-nvidia-hook, `query-driver <query> <library>`), which runs the
// same code with its answer on standard output.
//
// Parent side. Forks: call it while the process is single-threaded (the child typically
// dlopen()s, which is only safe when no other thread held a lock at fork).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace berth::nvidia {

// The helper a static process execs for its queries (berth sets it to the hookPath it
// injects). Not thread-safe; set it before asking.
void set_query_helper(std::string path);

// Runs the query called `query` (vendor_answers.hpp) on `library` in a forked child, or in
// the helper it execs. The parent reads
// exactly `size` bytes into `out`. Returns false if the answer is short (the child
// exited first) or not complete within `timeout`; the child is then killed. It is always
// reaped. Throws berth::Error "nvidia: fork for <what>: ..." if pipe or fork fail.
bool ask_child(const char* what, const char* query, const char* library, void* out, std::size_t size,
               std::chrono::milliseconds timeout);

}  // namespace berth::nvidia
