// The OCI state document (runtime.md#state) that `berth state` prints and hooks read.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace berth::oci {

enum class Status { creating, created, running, stopped, paused };

struct State {
    std::string oci_version;
    std::string id;
    Status status = Status::creating;
    int pid = 0;  // written only while the process exists (not for stopped)
    std::string bundle;
    std::map<std::string, std::string> annotations;
    bool operator==(const State&) const = default;
};

const char* to_string(Status status);
State parse_state(std::string_view text, std::string_view source = "state.json");
std::string to_json(const State& state, bool pretty = false);

}  // namespace berth::oci
