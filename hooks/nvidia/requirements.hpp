// NVIDIA_REQUIRE_* constraint expressions (shared/nvidia.md §2).
//
// Pure; parent side. A value is a space-separated list of alternatives (OR), each a
// comma-separated list of terms (AND); a term is `key op value` with op one of
// = != < <= > >=. Keys: cuda, driver and arch (the GPU's compute capability, "8.0")
// compare as versions (numeric by dotted parts, missing parts are 0, so 12.4 == 12.4.0);
// brand compares as a case-insensitive string with = and != only (nvml.hpp brand_name()
// spellings). A term whose key is unknown, or whose fact is unknown (NVML unavailable
// for brand/arch), is satisfied. All requirements must hold, for every selected GPU.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::nvidia {

enum class RequireOp { eq, ne, lt, le, gt, ge };

struct RequireTerm {
    std::string key;  // lowercase
    RequireOp op = RequireOp::eq;
    std::string value;
    std::string text;  // as written, for messages
};

struct Requirement {
    std::string name;                              // "NVIDIA_REQUIRE_CUDA"
    std::string text;                              // the whole value
    std::vector<std::vector<RequireTerm>> any_of;  // OR of ANDs
};

// Parses one value; throws berth::Error
// "nvidia: requirement error: invalid expression 'cuda~12' in NVIDIA_REQUIRE_CUDA".
Requirement parse_requirement(std::string_view name, std::string_view value);

// What the requirements are checked against; nullopt = unknown.
struct RequireFacts {
    std::optional<std::string> cuda;    // "12.4"
    std::optional<std::string> driver;  // "550.54.15"
    std::optional<std::string> arch;    // "8.0"
    std::optional<std::string> brand;   // "tesla"
    std::string device = {};            // "GPU 0 GPU-…" for messages; empty: no GPU selected
};

// True when a term of `requirements` has a key in `keys` (e.g. {"brand", "arch"}).
bool uses_key(const std::vector<Requirement>& requirements, std::initializer_list<std::string_view> keys);

// -1, 0, 1 comparing dotted numeric versions; nullopt when either is not one.
std::optional<int> compare_versions(std::string_view a, std::string_view b);

// True when the expression holds for `facts`.
bool satisfied(const Requirement& requirement, const RequireFacts& facts);

// Throws berth::Error, for the first requirement unsatisfied by any of `facts` (one
// entry per selected GPU, or a single one when no GPU is selected):
// "nvidia: requirement error: unsatisfied condition: cuda>=12.8 (NVIDIA_REQUIRE_CUDA;
//  driver 550.54.15 supports CUDA 12.4)", with "GPU 0 GPU-…: brand tesla, arch 8.0; "
// before "driver" when the facts name a device and know its brand or arch. The quoted term is the requirement's
// first space-separated alternative, as libnvidia-container reports it.
void check_requirements(const std::vector<Requirement>& requirements, const std::vector<RequireFacts>& facts);

// Go strconv.ParseBool's true spellings, for NVIDIA_DISABLE_REQUIRE.
bool parse_go_bool_true(std::string_view value);

}  // namespace berth::nvidia
