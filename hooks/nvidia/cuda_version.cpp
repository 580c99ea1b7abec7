#include "hooks/nvidia/cuda_version.hpp"

#include "hooks/nvidia/child_query.hpp"

namespace berth::nvidia {

std::string format_cuda_version(int version) {
    return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

std::optional<std::string> query_cuda_version(const std::string& libcuda_path,
                                              std::chrono::milliseconds timeout) {
    int version = 0;
    if (!ask_child("the CUDA version query", "cuda-version", libcuda_path.c_str(), &version, sizeof version, timeout) ||
        version <= 0)
        return std::nullopt;
    return format_cuda_version(version);
}

}  // namespace berth::nvidia
