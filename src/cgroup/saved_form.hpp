// The one-line saved form of a manager (Manager::saved_form, load_manager): space-separated
// key=value tokens after a version tag, values percent-encoded so that any path survives.
// Keys may repeat; order is kept. Pure; runs in the parent.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace berth::cgroup {

class SavedForm {
public:
    static constexpr const char* kTag = "berth-cgroup/1";

    void add(std::string key, std::string value) { items_.emplace_back(std::move(key), std::move(value)); }
    // The value of the first `key`; throws berth::Error when absent.
    const std::string& get(const std::string& key) const;
    // The value of the first `key`, or `fallback` when absent (a key newer than the state).
    std::string get_or(const std::string& key, const std::string& fallback) const;
    const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

    std::string encode() const;
    // Throws berth::Error("load cgroup state: …") for a line that is not a saved form.
    static SavedForm decode(const std::string& line);

private:
    std::vector<std::pair<std::string, std::string>> items_;
};

}  // namespace berth::cgroup
