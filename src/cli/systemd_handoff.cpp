#include "cli/systemd_handoff.hpp"

#include "berth_build_info.h"
#include "cgroup/saved_form.hpp"
#include "runtime/state_store.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace berth::cli {

namespace {

// The id of an existing container the command talks to systemd about, or nullptr.
const std::string* saved_container_id(const CommandOptions& options) {
    if (const auto* d = std::get_if<runtime::DeleteOptions>(&options)) return &d->id;
    if (const auto* u = std::get_if<runtime::UpdateOptions>(&options)) return &u->id;
    if (const auto* e = std::get_if<runtime::ExecOptions>(&options)) return &e->id;
    // A full dump deletes the container (its scope stopped) once CRIU is done.
    if (const auto* c = std::get_if<runtime::CheckpointOptions>(&options)) return &c->id;
    return nullptr;
}

}  // namespace

bool needs_systemd_driver(const ParsedCommand& parsed) {
    if (parsed.global.systemd_cgroup) return true;
    const std::string* id = saved_container_id(parsed.options);
    if (!id || id->empty()) return false;
    try {
        auto record = runtime::StateStore(parsed.global.root).load(*id);
        return record && !record->cgroup.empty() &&
               cgroup::SavedForm::decode(record->cgroup).get_or("driver", "") == "systemd";
    } catch (...) {
        return false;  // the command itself reports a broken state
    }
}

std::string exec_systemd_build(char** argv) {
    std::string beside;
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        if (const char* slash = std::strrchr(self, '/')) beside = std::string(static_cast<const char*>(self), slash) + "/berth-systemd";
    }
    const std::string installed = std::string(BERTH_LIBEXECDIR) + "/berth-systemd";
    const std::string& path = !beside.empty() && ::access(beside.c_str(), X_OK) == 0 ? beside : installed;
    ::execv(path.c_str(), argv);
    return fmt::format("systemd cgroup driver: exec \"{}\": {}", path, std::strerror(errno));
}

}  // namespace berth::cli
