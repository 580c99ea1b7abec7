// Asking vendor code a question in a forked child (cuda_version.hpp, nvml.hpp): the
// library is loaded in the child only, answers with a fixed-size record over a pipe and
// is killed if it does not answer in time, so the runtime never maps it.
//
// A statically linked process (berth itself) cannot dlopen a vendor library soundly:
// glibc's static dlopen brings a second libc, whose pthread_create crashes, and it needs
// the very glibc berth was built with. Its child execs the query helper instead (the
// dynamically linked berth-nvidia-hook, `query-driver <query> <library>`), which runs
// the same query with its answer on standard output. A dynamic process (the hook, the
// tests) runs it in the forked child directly.
//
// Parent side. Forks: call it while the process is single-threaded (the child typically
// dlopen()s, which is only safe when no other thread held a lock at fork).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace berth::nvidia {

// A question for vendor code: `answer(library, fd)` loads the library, writes the
// fixed-size answer to `fd` and _exits. `name` is how the helper is told which.
struct VendorQuery {
    const char* name;
    void (*answer)(const char* library, int fd);
};

// The helper a static process execs for its queries (berth sets it to the hookPath it
// injects). Not thread-safe; set it before asking.
void set_query_helper(std::string path);

// Runs `query` on `library` in a forked child (or the helper it execs). The parent reads
// exactly `size` bytes into `out`. Returns false if the answer is short (the child
// exited first) or not complete within `timeout`; the child is then killed. It is always
// reaped. Throws berth::Error "nvidia: fork for <what>: ..." if pipe or fork fail.
bool ask_child(const char* what, const VendorQuery& query, const char* library, void* out, std::size_t size,
               std::chrono::milliseconds timeout);

// The helper's side: runs the query called `name` on `library`, answering on `fd`, and
// _exits; returns only when no query has that name.
void answer_query(const std::string& name, const char* library, int fd);

}  // namespace berth::nvidia
