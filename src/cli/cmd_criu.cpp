// berth checkpoint / berth restore: runc's CRIU commands and flags (runtime/checkpoint.cpp,
// runtime/restore.cpp do the work).
#include "cli/args.hpp"
#include "cli/command.hpp"

namespace berth::cli {
namespace {

// The flags checkpoint and restore share, with runc's names and meanings.
void add_criu_flags(FlagSet& flags, runtime::CriuCommonOptions& o) {
    flags.string("image-path", "DIR", o.image_path, "path for the CRIU image files (default: ./checkpoint)");
    flags.string("work-path", "DIR", o.work_path, "path for CRIU's logs and work files (default: the image path)");
    flags.boolean("tcp-established", o.tcp_established, "checkpoint/restore established TCP connections");
    flags.boolean("ext-unix-sk", o.ext_unix_sk, "allow external unix sockets");
    flags.boolean("shell-job", o.shell_job, "allow shell jobs (a controlling terminal from outside)");
    flags.boolean("file-locks", o.file_locks, "handle file locks");
    flags.boolean("auto-dedup", o.auto_dedup, "deduplicate memory pages against the parent images");
    flags.boolean("lazy-pages", o.lazy_pages, "use userfaultfd to transfer memory pages lazily");
    flags.string("status-fd", "FD", o.status_fd, "with --lazy-pages: fd CRIU writes \\0 to when ready");
    flags.value("manage-cgroups-mode", "MODE", "cgroups mode: soft (default), full, strict or ignore",
                [&o](std::string_view v) {
                    if (v != "soft" && v != "full" && v != "strict" && v != "ignore")
                        throw UsageError("want soft, full, strict or ignore");
                    o.manage_cgroups_mode = std::string(v);
                });
    flags.value("empty-ns", "NS", "create the namespace but do not restore its properties (network)",
                [&o](std::string_view v) {
                    if (v != "network") throw UsageError("only \"network\" is supported");
                    o.empty_ns.emplace_back(v);
                });
}

}  // namespace

CommandOptions parse_checkpoint(std::span<const std::string> args) {
    runtime::CheckpointOptions options;
    FlagSet flags("berth checkpoint [options] <container-id>",
                  "Checkpoint a running container with CRIU into --image-path. Unless\n"
                  "--leave-running or --pre-dump, the container is stopped and deleted, as by runc.");
    add_criu_flags(flags, options.criu);
    flags.string("parent-path", "DIR", options.parent_path,
                 "path of the previous (pre-dump) images, relative to --image-path");
    flags.boolean("leave-running", options.leave_running, "leave the process running after the checkpoint");
    flags.boolean("pre-dump", options.pre_dump, "dump the memory only, leaving the container running");
    flags.string("page-server", "ADDRESS:PORT", options.page_server, "send the memory pages to a CRIU page server");
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 1, 1, "<container-id>");
    options.id = result.positionals[0];
    return options;
}

CommandOptions parse_restore(std::span<const std::string> args) {
    runtime::RestoreOptions options;
    FlagSet flags("berth restore [options] <container-id>",
                  "Restore a container from the CRIU images in --image-path, using the bundle\n"
                  "(config.json and rootfs) given by --bundle, as a new container <container-id>.");
    add_criu_flags(flags, options.criu);
    flags.string("bundle,b", "DIR", options.bundle, "path to the root of the bundle directory (default: .)");
    flags.string("console-socket", "PATH", options.console_socket,
                 "AF_UNIX socket that receives the master end of the console's pseudoterminal");
    flags.string("pid-file", "FILE", options.pid_file, "write the restored init's pid to FILE");
    flags.boolean("detach,d", options.detach, "detach from the restored container");
    flags.boolean("no-subreaper", options.no_subreaper, "do not make berth a subreaper while it waits");
    flags.boolean("no-pivot", options.no_pivot, "accepted for runc compatibility; CRIU restores the root itself");
    flags.string("lsm-profile", "TYPE:NAME", options.lsm_profile,
                 "restore with this LSM profile (apparmor:NAME or selinux:CONTEXT)");
    flags.string("lsm-mount-context", "CONTEXT", options.lsm_mount_context,
                 "the SELinux mount context for the restored mounts that had one");
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 1, 1, "<container-id>");
    options.id = result.positionals[0];
    options.bundle = absolute_path(options.bundle);
    return options;
}

int run_checkpoint(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::checkpoint(global, std::get<runtime::CheckpointOptions>(options));
}

int run_restore(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::restore(global, std::get<runtime::RestoreOptions>(options));
}

}  // namespace berth::cli
