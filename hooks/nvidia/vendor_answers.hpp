// The vendor queries' child side (child_query.hpp): each loads a driver library with
// dlopen, writes its fixed-size answer to `fd` and _exits. A separate library
// (berth-nvidia-answers) linked whole into the dynamically linked programs only (the
// hook, the tests): the static berth has no dlopen code and execs the hook instead.
#pragma once

#include <string>

namespace berth::nvidia {

void answer_nvml(const char* library, int fd);          // "nvml": nvml_wire.hpp's record
void answer_cuda_version(const char* library, int fd);  // "cuda-version": an int

// Runs the query called `name` on `library`, answering on `fd`, and _exits; returns only
// when no query has that name.
void answer_query(const std::string& name, const char* library, int fd);

}  // namespace berth::nvidia
