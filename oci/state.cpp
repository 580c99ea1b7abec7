// The state document of runtime-spec runtime.md#state.
#include "oci/state.hpp"

#include "oci/json.hpp"
#include "oci/parse_reader.hpp"

#include <array>

namespace berth::oci {

namespace {

// Indexed by Status. "paused" is not in runtime.md but runc and crun report it, and
// runtime.md allows additional values for states it does not define.
constexpr std::array<std::string_view, 5> kStatusNames = {
    "creating", "created", "running", "stopped", "paused",
};

}  // namespace

const char* to_string(Status status) {
    auto i = static_cast<std::size_t>(status);
    return i < kStatusNames.size() ? kStatusNames[i].data() : "unknown";
}

State parse_state(std::string_view text, std::string_view source) {
    json::Value doc = json::parse(text, source);
    detail::Reader r(source);
    State state;
    r.expect(doc, json::Value::Kind::object);
    r.req(doc, "ociVersion", state.oci_version);
    {
        auto segment = r.at("ociVersion");
        detail::check_oci_version(r, state.oci_version);
    }
    r.req(doc, "id", state.id);
    if (state.id.empty()) {
        auto segment = r.at("id");
        r.fail("must not be empty");
    }
    std::string status;
    r.req(doc, "status", status, detail::EnumSet{kStatusNames, "status"});
    for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
        if (status == kStatusNames[i]) {
            state.status = static_cast<Status>(i);
        }
    }
    // "pid (int, REQUIRED when status is created or running on Linux)"; a pid is > 0.
    bool has_pid = r.opt(doc, "pid", state.pid);
    if (has_pid && state.pid < 0) {
        auto segment = r.at("pid");
        r.fail("value {} out of range for a pid", state.pid);
    }
    if (!has_pid && (state.status == Status::created || state.status == Status::running)) {
        auto segment = r.at("pid");
        r.fail("missing required field (status is {})", status);
    }
    r.req(doc, "bundle", state.bundle);
    {
        auto segment = r.at("bundle");
        detail::check_absolute(r, state.bundle);
    }
    r.opt(doc, "annotations", state.annotations);
    return state;
}

std::string to_json(const State& state, bool pretty) {
    json::Writer w(pretty);
    w.begin_object();
    w.key("ociVersion").string(state.oci_version);
    w.key("id").string(state.id);
    w.key("status").string(to_string(state.status));
    if (state.pid != 0) {
        w.key("pid").integer(state.pid);
    }
    w.key("bundle").string(state.bundle);
    if (!state.annotations.empty()) {
        w.key("annotations").begin_object();
        for (const auto& [key, value] : state.annotations) {
            w.key(key).string(value);
        }
        w.end_object();
    }
    w.end_object();
    return w.str();
}

}  // namespace berth::oci
