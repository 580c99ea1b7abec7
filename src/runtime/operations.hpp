// The runtime's operations, one per runc subcommand. The CLI parses flags into these
// option structs and calls exactly one function; each returns the process exit code
// and throws berth::Error for a failure (main prints it and exits 1).
//
// Runs in the parent (the berth process). Output documents go to stdout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace berth::runtime {

struct GlobalOptions {
    std::string root = "/run/berth";  // --root: the state store
    bool systemd_cgroup = false;      // --systemd-cgroup
    bool rootless = false;            // --rootless (accepted; "auto" and "true" alike)
    bool debug = false;               // --debug
    std::string criu = "criu";        // --criu: the CRIU binary (PATH is searched)
};

struct CreateOptions {
    std::string id;
    std::string bundle = ".";      // --bundle/-b; made absolute by the CLI
    std::string console_socket;    // --console-socket
    std::string pid_file;          // --pid-file
    unsigned preserve_fds = 0;     // --preserve-fds
    bool no_pivot = false;         // --no-pivot
    bool no_new_keyring = false;   // --no-new-keyring
};

struct RunOptions {
    CreateOptions create;
    bool detach = false;  // --detach/-d
    bool keep = false;    // --keep: do not delete after the container exits
};

struct KillOptions {
    std::string id;
    int signal = 15;   // parsed from a name ("KILL", "SIGKILL") or a number by the CLI
    bool all = false;  // --all/-a
};

struct DeleteOptions {
    std::string id;
    bool force = false;  // --force/-f
};

struct ListOptions {
    bool json = false;   // --format json
    bool quiet = false;  // --quiet/-q
};

struct PsOptions {
    std::string id;
    bool json = false;             // --format json
    std::vector<std::string> ps_args;  // passed to ps(1) for the table form
};

struct ExecOptions {
    std::string id;
    std::string process_file;      // --process/-p
    std::vector<std::string> args; // inline command when no --process
    bool tty = false;              // --tty/-t
    bool detach = false;           // --detach/-d
    std::string console_socket;
    std::string pid_file;
    std::string cwd;
    std::vector<std::string> env;  // -e KEY=VALUE
    std::optional<std::string> user;  // -u uid[:gid]
    std::vector<std::uint32_t> additional_gids;  // -g
    std::vector<std::string> caps;  // --cap
    bool no_new_privs = false;
    std::string apparmor;
    std::string process_label;
    unsigned preserve_fds = 0;
    std::string cgroup;  // --cgroup
    bool ignore_paused = false;
};

struct UpdateOptions {
    std::string id;
    std::string resources_file;  // --resources/-r FILE or "-"
    // runc's individual flags, each set only when given.
    std::optional<std::string> memory, memory_reservation, memory_swap, kernel_memory, kernel_memory_tcp;
    std::optional<std::string> cpu_shares, cpu_period, cpu_quota, cpu_burst, cpu_rt_period, cpu_rt_runtime;
    std::optional<std::string> cpuset_cpus, cpuset_mems, blkio_weight, pids_limit, l3_cache_schema, mem_bw_schema;
};

struct EventsOptions {
    std::string id;
    bool stats = false;    // --stats: one shot
    unsigned interval_seconds = 5;  // --interval
};

// The CRIU options checkpoint and restore share (runc's flags of the same names).
struct CriuCommonOptions {
    std::string image_path;         // --image-path; empty: ./checkpoint
    std::string work_path;          // --work-path; empty: the image path
    std::string manage_cgroups_mode;  // --manage-cgroups-mode soft|full|strict|ignore; empty: soft
    std::vector<std::string> empty_ns;  // --empty-ns network
    bool tcp_established = false;   // --tcp-established
    bool ext_unix_sk = false;       // --ext-unix-sk
    bool shell_job = false;         // --shell-job
    bool file_locks = false;        // --file-locks
    bool auto_dedup = false;        // --auto-dedup
    bool lazy_pages = false;        // --lazy-pages
    std::string status_fd;          // --status-fd (lazy pages: written when ready)
};

struct CheckpointOptions {
    std::string id;
    CriuCommonOptions criu;
    std::string parent_path;  // --parent-path (relative to the image path, as criu takes it)
    std::string page_server;  // --page-server ADDRESS:PORT
    bool leave_running = false;  // --leave-running
    bool pre_dump = false;       // --pre-dump
};

struct RestoreOptions {
    std::string id;
    CriuCommonOptions criu;
    std::string bundle = ".";       // --bundle/-b; made absolute by the CLI
    std::string console_socket;     // --console-socket
    std::string pid_file;           // --pid-file
    std::string lsm_profile;        // --lsm-profile TYPE:NAME
    std::string lsm_mount_context;  // --lsm-mount-context
    bool detach = false;            // --detach/-d
    bool no_subreaper = false;      // --no-subreaper
    bool no_pivot = false;          // --no-pivot
};

int create(const GlobalOptions& global, const CreateOptions& options);
int start(const GlobalOptions& global, const std::string& id);
int run(const GlobalOptions& global, const RunOptions& options);
int state(const GlobalOptions& global, const std::string& id);
int kill(const GlobalOptions& global, const KillOptions& options);
int remove(const GlobalOptions& global, const DeleteOptions& options);  // `delete`
int list(const GlobalOptions& global, const ListOptions& options);
int ps(const GlobalOptions& global, const PsOptions& options);
int exec(const GlobalOptions& global, const ExecOptions& options);
int pause(const GlobalOptions& global, const std::string& id);
int resume(const GlobalOptions& global, const std::string& id);
int update(const GlobalOptions& global, const UpdateOptions& options);
int events(const GlobalOptions& global, const EventsOptions& options);
int checkpoint(const GlobalOptions& global, const CheckpointOptions& options);
int restore(const GlobalOptions& global, const RestoreOptions& options);

}  // namespace berth::runtime
