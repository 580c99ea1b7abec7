// The cgroupfs driver: writes the control files directly, on legacy (v1), hybrid (v1 with a
// cgroup2 tree joined alongside, as runc does) and unified (v2) hosts. Runs in the parent.
#pragma once

#include "cgroup/layout.hpp"
#include "cgroup/manager.hpp"
#include "cgroup/saved_form.hpp"
#include "cgroup/setting.hpp"
#include "util/unique_fd.hpp"

#include <string>
#include <vector>

namespace berth::cgroup {

class FsManager final : public Manager {
public:
    // The container's directory in one hierarchy.
    struct Dir {
        Hierarchy hierarchy;
        std::string path;  // absolute, below hierarchy.mount
        bool operator==(const Dir&) const = default;
    };

    // Resolves options.cgroups_path in every hierarchy of options.host, or of
    // discover_host() (layout.hpp). Throws berth::Error when mountinfo cannot be read.
    static std::unique_ptr<FsManager> make(const ManagerOptions& options);
    // From a saved form whose driver is "fs"; throws for a malformed one.
    static std::unique_ptr<FsManager> load(const SavedForm& form);

    FsManager(Layout layout, bool emulated, std::vector<Dir> dirs);

    void create() override;
    // Rootless on v1 and hybrid hosts (what runc's v1 manager does for an unprivileged
    // caller): makes the container's directory in each hierarchy the caller may write and
    // leaves out each one the kernel refuses (EACCES, EPERM, EROFS), remembering it (saved
    // form) so that a limit or pause that needs it can say why it cannot be had. Throws the
    // first refusal when no hierarchy is writable, and any other error as create() does.
    void create_where_permitted();
    void apply(const oci::Resources& resources) override;
    int unified_fd() const override;
    // cgroup2 (unified or hybrid's tree) by CLONE_INTO_CGROUP, each v1 hierarchy by the
    // process itself through its "tasks"; complete. A test's tree (emulated): the default.
    Placement placement() const override;
    void add_process(pid_t pid) override;
    void add_process(pid_t pid, const SubCgroup& sub) override;
    void freeze(bool frozen) override;
    bool is_frozen() const override;
    std::vector<pid_t> pids() const override;
    void kill_all(int signal) override;
    void destroy() override;
    // A failed create: what create() made goes, parents included; a cgroup that existed
    // already (cgroupsPath naming one) is left as it was, with whatever runs in it.
    void undo_create() noexcept override;
    std::string saved_form() const override;
    Stats stats() const override;
    OomWatch watch_oom() const override;

    // Writes already translated settings (apply() without the translation); the systemd
    // driver uses it for what systemd has no property for.
    void apply_translation(const Translation& translation);

    Layout layout() const { return layout_; }
    bool emulated() const { return emulated_; }
    const std::vector<Dir>& dirs() const { return dirs_; }
    // The hierarchies create_where_permitted() left out (the directory it could not make).
    const std::vector<Dir>& skipped() const { return skipped_; }
    // The directory that holds `controller` ("" for the v2 core files), or nullptr.
    const Dir* dir_for(const std::string& controller) const;
    void add_to_saved_form(SavedForm& form) const;

private:
    const Dir* unified_dir() const;
    // The left-out directory of `controller`'s hierarchy, or nullptr.
    const Dir* skipped_for(const std::string& controller) const;
    // "<what>: cannot ..." for a controller without a directory: left out, or absent.
    [[noreturn]] void throw_unavailable(const std::string& what, const std::string& controller) const;
    void create_dir(const Dir& dir);
    // O_PATH fd of the cgroup2 directory (kept in unified_fd_), or -1 without one.
    int open_unified_dir() const;
    void init_dir(const Dir& dir, const std::string& path) const;
    void enable_controllers(const std::vector<std::string>& controllers, const std::string& path) const;
    // Writes to `target`, or to the directory of the setting's controller when null.
    void write_setting(const Setting& setting, const Dir* target = nullptr) const;
    void write_settings(const std::vector<Setting>& settings) const;
    // rt_budget.hpp: true when an own parent was given more realtime runtime for `s`.
    bool grant_rt_parents(const Setting& s) const;
    void check_memory_usage(std::int64_t new_limit) const;
    void apply_device_filter(const std::vector<DeviceRule>& rules);
    void apply_devices_v1(const std::vector<DeviceRule>& rules) const;
    void freeze_v1(const std::string& dir, bool frozen) const;
    void freeze_v2(const std::string& dir, bool frozen) const;
    void signal_pids(int signal) const;

    Layout layout_;
    bool emulated_;
    std::vector<Dir> dirs_;
    std::vector<Dir> skipped_;
    // What create() did in this process: the directories it made (top down), and whether
    // the container's directory existed already in some hierarchy.
    std::vector<std::string> made_;
    bool found_existing_ = false;
    mutable UniqueFd unified_fd_;
};

}  // namespace berth::cgroup
