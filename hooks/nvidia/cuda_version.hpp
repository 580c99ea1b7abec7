// The CUDA driver API version, from cuDriverGetVersion() of the host's libcuda, called in
// a forked child so berth never keeps the vendor library (and its threads, handlers and
// atexit hooks) mapped in the runtime itself.
//
// Parent side. Call it while the process is single-threaded: the child calls dlopen()
// between fork and _exit, which is only safe when no other thread held a lock at fork.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace berth::nvidia {

// "12.4" from 12040 (major = v/1000, minor = (v%1000)/10).
std::string format_cuda_version(int version);

// nullopt when the library cannot be loaded, lacks the symbol, the call fails, or the
// child does not answer within `timeout` (it is then killed). Never throws for those:
// an unknown CUDA version satisfies every cuda requirement. Throws berth::Error only if
// fork or pipe fail.
std::optional<std::string> query_cuda_version(const std::string& libcuda_path,
                                              std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace berth::nvidia
