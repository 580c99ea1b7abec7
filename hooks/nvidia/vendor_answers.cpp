#include "hooks/nvidia/vendor_answers.hpp"

namespace berth::nvidia {

void answer_query(const std::string& name, const char* library, int fd) {
    if (name == "nvml") answer_nvml(library, fd);
    if (name == "cuda-version") answer_cuda_version(library, fd);
}

}  // namespace berth::nvidia
