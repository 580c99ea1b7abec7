// Whole command lines into option structs: global flags, each subcommand's flags, and the
// usage errors with their exact one-line messages.
#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/systemd_handoff.hpp"
#include "cgroup/saved_form.hpp"
#include "runtime/state_store.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

using namespace berth::cli;
using berth::runtime::CreateOptions;
namespace rt = berth::runtime;

namespace {

ParsedCommand parse(std::vector<std::string> args) { return parse_command_line(args); }

std::string error_of(std::vector<std::string> args) {
    try {
        parse_command_line(args);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "no error";
}

// A copy, so `const auto& o = options_of<T>(parse(...))` never dangles.
template <typename T>
T options_of(const ParsedCommand& parsed) {
    BOOST_REQUIRE(std::holds_alternative<T>(parsed.options));
    return std::get<T>(parsed.options);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(command_line)

BOOST_AUTO_TEST_CASE(global_flags_fill_global_and_log_options) {
    auto p = parse({"--root", "/r", "--log", "/l.json", "--log-format", "json", "--systemd-cgroup",
                    "--debug", "--criu", "/usr/sbin/criu", "state", "c1"});
    BOOST_TEST(p.global.root == "/r");
    BOOST_TEST(p.global.systemd_cgroup);
    BOOST_TEST(p.global.debug);
    BOOST_TEST(p.log.path == "/l.json");
    BOOST_TEST(p.log.json);
    BOOST_TEST(p.log.debug);
    BOOST_TEST(p.command == "state");
    BOOST_TEST(options_of<ContainerIdOptions>(p).id == "c1");
}

BOOST_AUTO_TEST_CASE(global_defaults) {
    auto p = parse({"state", "c1"});
    BOOST_TEST(p.global.root == "/run/berth");
    BOOST_TEST(!p.global.systemd_cgroup);
    BOOST_TEST(!p.global.debug);
    BOOST_TEST(p.log.path.empty());
    BOOST_TEST(!p.log.json);
    // runc's default for --rootless is auto; with systemd it means false.
    BOOST_TEST(!parse({"--systemd-cgroup", "state", "c1"}).global.rootless);
}

BOOST_AUTO_TEST_CASE(rootless_forms) {
    BOOST_TEST(parse({"--rootless=true", "list"}).global.rootless);
    BOOST_TEST(!parse({"--rootless=false", "list"}).global.rootless);
    BOOST_TEST(parse({"--rootless", "true", "list"}).global.rootless);
    BOOST_TEST(!parse({"--rootless", "false", "list"}).global.rootless);
    auto bare = parse({"--rootless", "list"});
    BOOST_TEST(bare.global.rootless);
    BOOST_TEST(bare.command == "list");
    BOOST_TEST(!parse({"--rootless=auto", "--systemd-cgroup", "list"}).global.rootless);
    BOOST_TEST(!parse({"--rootless", "auto", "--systemd-cgroup", "list"}).global.rootless);
    BOOST_TEST(parse({"--rootless=1", "--systemd-cgroup", "list"}).global.rootless);
    BOOST_TEST(error_of({"--rootless=maybe", "list"}) ==
               "berth: invalid value \"maybe\" for flag --rootless: want true or false");
}

BOOST_AUTO_TEST_CASE(log_format_is_checked) {
    BOOST_TEST(!parse({"--log-format=text", "list"}).log.json);
    BOOST_TEST(error_of({"--log-format", "xml", "list"}) ==
               "berth: invalid value \"xml\" for flag --log-format: want text or json");
}

BOOST_AUTO_TEST_CASE(global_flags_belong_before_the_command) {
    BOOST_TEST(error_of({"list", "--root", "/r"}) == "berth list: unknown flag \"--root\"");
}

BOOST_AUTO_TEST_CASE(version_and_help) {
    BOOST_TEST(std::holds_alternative<VersionRequest>(parse({"--version"}).options));
    BOOST_TEST(std::holds_alternative<VersionRequest>(parse({"-v"}).options));
    BOOST_TEST(options_of<HelpRequest>(parse({})).text.find("Commands:") != std::string::npos);
    BOOST_TEST(options_of<HelpRequest>(parse({"--help"})).text.find("create") != std::string::npos);
    BOOST_TEST(options_of<HelpRequest>(parse({"-h"})).text.find("--systemd-cgroup") != std::string::npos);
    auto create_help = options_of<HelpRequest>(parse({"create", "--help"})).text;
    BOOST_TEST(create_help.find("--pid-file") != std::string::npos);
    BOOST_TEST(options_of<HelpRequest>(parse({"help", "create"})).text == create_help);
    BOOST_TEST(options_of<HelpRequest>(parse({"kill", "-h"})).text.find("--all") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_command_has_help) {
    for (auto name : {"checkpoint", "check", "create", "delete", "events", "exec", "features", "kill",
                      "list", "pause", "ps", "restore", "resume", "run", "spec", "start", "state",
                      "update"}) {
        auto p = parse({name, "--help"});
        BOOST_TEST_CONTEXT(name) {
            BOOST_TEST(options_of<HelpRequest>(p).text.find(std::string("berth ") + name) !=
                       std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(create_all_flags) {
    auto p = parse({"create", "-b", "/bundle", "--console-socket", "/s.sock", "--pid-file", "/p.pid",
                    "--no-pivot", "--no-new-keyring", "--preserve-fds", "3", "c1"});
    const auto& o = options_of<CreateOptions>(p);
    BOOST_TEST(o.id == "c1");
    BOOST_TEST(o.bundle == "/bundle");
    BOOST_TEST(o.console_socket == "/s.sock");
    BOOST_TEST(o.pid_file == "/p.pid");
    BOOST_TEST(o.no_pivot);
    BOOST_TEST(o.no_new_keyring);
    BOOST_TEST(o.preserve_fds == 3u);
}

BOOST_AUTO_TEST_CASE(create_bundle_defaults_to_the_absolute_current_directory) {
    const auto& o = options_of<CreateOptions>(parse({"create", "c1"}));
    char cwd[4096];
    BOOST_REQUIRE(::getcwd(cwd, sizeof cwd));
    BOOST_TEST(o.bundle == absolute_path(cwd));
    const auto& rel = options_of<CreateOptions>(parse({"create", "--bundle=sub/../b", "c1"}));
    BOOST_TEST(rel.bundle == absolute_path(cwd) + "/b");
}

BOOST_AUTO_TEST_CASE(run_flags) {
    auto p = parse({"run", "-d", "--keep", "--no-subreaper", "-b", "/b", "--pid-file=/p", "c1"});
    const auto& o = options_of<berth::runtime::RunOptions>(p);
    BOOST_TEST(o.detach);
    BOOST_TEST(o.keep);
    BOOST_TEST(o.create.id == "c1");
    BOOST_TEST(o.create.bundle == "/b");
    BOOST_TEST(o.create.pid_file == "/p");
}

BOOST_AUTO_TEST_CASE(kill_signal_is_positional_and_defaults_to_term) {
    auto p = parse({"kill", "c1"});
    BOOST_TEST(options_of<berth::runtime::KillOptions>(p).signal == SIGTERM);
    BOOST_TEST(!options_of<berth::runtime::KillOptions>(p).all);
    auto q = parse({"kill", "c1", "KILL", "--all"});
    BOOST_TEST(options_of<berth::runtime::KillOptions>(q).signal == SIGKILL);
    BOOST_TEST(options_of<berth::runtime::KillOptions>(q).all);
    auto r = parse({"kill", "-a", "c1", "sigusr1"});
    BOOST_TEST(options_of<berth::runtime::KillOptions>(r).signal == SIGUSR1);
    BOOST_TEST(error_of({"kill", "c1", "NOPE"}) == "berth kill: unknown signal \"NOPE\"");
    BOOST_TEST(error_of({"kill"}) == "berth kill: missing <container-id> [signal]");
    BOOST_TEST(error_of({"kill", "c1", "9", "x"}) ==
               "berth kill: unexpected argument \"x\" (usage: <container-id> [signal])");
}

BOOST_AUTO_TEST_CASE(delete_list_ps_events) {
    BOOST_TEST(options_of<berth::runtime::DeleteOptions>(parse({"delete", "-f", "c1"})).force);
    BOOST_TEST(options_of<berth::runtime::DeleteOptions>(parse({"delete", "c1", "--force"})).force);
    const auto& l = options_of<berth::runtime::ListOptions>(parse({"list", "-f", "json", "-q"}));
    BOOST_TEST(l.json);
    BOOST_TEST(l.quiet);
    BOOST_TEST(!options_of<berth::runtime::ListOptions>(parse({"list", "--format=table"})).json);
    BOOST_TEST(error_of({"list", "--format", "yaml"}) ==
               "berth list: invalid value \"yaml\" for flag --format: want table or json");
    BOOST_TEST(error_of({"list", "x"}) == "berth list: unexpected argument \"x\": takes no arguments");
    const auto& ps = options_of<berth::runtime::PsOptions>(parse({"ps", "c1", "-ef", "--forest"}));
    BOOST_TEST(ps.id == "c1");
    BOOST_TEST(!ps.json);
    BOOST_TEST(ps.ps_args == (std::vector<std::string>{"-ef", "--forest"}), boost::test_tools::per_element());
    const auto& ev = options_of<berth::runtime::EventsOptions>(parse({"events", "--interval", "10s", "c1"}));
    BOOST_TEST(ev.interval_seconds == 10u);
    BOOST_TEST(!ev.stats);
    BOOST_TEST(options_of<berth::runtime::EventsOptions>(parse({"events", "c1"})).interval_seconds == 5u);
}

BOOST_AUTO_TEST_CASE(exec_inline_command_keeps_its_own_flags) {
    auto p = parse({"exec", "-t", "-e", "A=1", "-e", "B=2", "-u", "1000:1000", "-g", "10", "-g", "20",
                    "--cap", "CAP_SYS_ADMIN", "-c", "CAP_NET_RAW", "--cwd", "/tmp", "--no-new-privs",
                    "--apparmor", "prof", "--process-label", "lbl", "--cgroup", "sub", "--ignore-paused",
                    "--preserve-fds=2", "c1", "ls", "-la", "--color", "-d"});
    const auto& o = options_of<berth::runtime::ExecOptions>(p);
    BOOST_TEST(o.id == "c1");
    BOOST_TEST(o.args == (std::vector<std::string>{"ls", "-la", "--color", "-d"}), boost::test_tools::per_element());
    BOOST_TEST(o.tty);
    BOOST_TEST(!o.detach);
    BOOST_TEST(o.env == (std::vector<std::string>{"A=1", "B=2"}), boost::test_tools::per_element());
    BOOST_TEST(o.user.value_or("") == "1000:1000");
    BOOST_TEST(o.additional_gids == (std::vector<std::uint32_t>{10, 20}), boost::test_tools::per_element());
    BOOST_TEST(o.caps == (std::vector<std::string>{"CAP_SYS_ADMIN", "CAP_NET_RAW"}),
               boost::test_tools::per_element());
    BOOST_TEST(o.cwd == "/tmp");
    BOOST_TEST(o.no_new_privs);
    BOOST_TEST(o.apparmor == "prof");
    BOOST_TEST(o.process_label == "lbl");
    BOOST_TEST(o.cgroup == "sub");
    BOOST_TEST(o.ignore_paused);
    BOOST_TEST(o.preserve_fds == 2u);
}

BOOST_AUTO_TEST_CASE(exec_errors) {
    BOOST_TEST(error_of({"exec", "c1"}) == "berth exec: missing <command> (or --process FILE)");
    BOOST_TEST(error_of({"exec"}) == "berth exec: missing <container-id> <command>");
    BOOST_TEST(error_of({"exec", "-u", "root", "c1", "sh"}) ==
               "berth exec: invalid value \"root\" for flag -u: want an integer from 0 to 4294967295");
    BOOST_TEST(error_of({"exec", "-g", "x", "c1", "sh"}).starts_with("berth exec: invalid value \"x\" for flag -g"));
    BOOST_TEST(error_of({"exec", "--cgroup", "a", "--cgroup", "b", "c1", "sh"}) ==
               "berth exec: invalid value \"b\" for flag --cgroup: berth takes one --cgroup");
}

BOOST_AUTO_TEST_CASE(update_flags_are_set_only_when_given) {
    auto p = parse({"update", "--memory", "512m", "--cpu-quota=50000", "--pids-limit", "100",
                    "--cpuset-cpus", "0-1", "--kernel-memory", "1", "c1"});
    const auto& o = options_of<berth::runtime::UpdateOptions>(p);
    BOOST_TEST(o.id == "c1");
    BOOST_TEST(o.memory.value_or("") == "512m");
    BOOST_TEST(o.cpu_quota.value_or("") == "50000");
    BOOST_TEST(o.pids_limit.value_or("") == "100");
    BOOST_TEST(o.cpuset_cpus.value_or("") == "0-1");
    BOOST_TEST(o.kernel_memory.value_or("") == "1");
    BOOST_TEST(!o.cpu_period.has_value());
    BOOST_TEST(!o.memory_swap.has_value());
    BOOST_TEST(o.resources_file.empty());
}

BOOST_AUTO_TEST_CASE(spec_check_features_options) {
    const auto& s = options_of<SpecOptions>(parse({"spec", "--rootless", "-b", "/b"}));
    BOOST_TEST(s.rootless);
    BOOST_TEST(s.bundle == "/b");
    BOOST_TEST(options_of<CheckOptions>(parse({"check"})).bundle == ".");
    BOOST_TEST(options_of<CheckOptions>(parse({"check", "--bundle", "/b"})).bundle == "/b");
    BOOST_TEST(std::holds_alternative<FeaturesOptions>(parse({"features"}).options));
    BOOST_TEST(error_of({"features", "x"}) == "berth features: unexpected argument \"x\": takes no arguments");
}

BOOST_AUTO_TEST_CASE(usage_errors_are_one_line_naming_the_command) {
    BOOST_TEST(error_of({"create", "c1", "--pid-file"}) == "berth create: flag --pid-file needs a value");
    BOOST_TEST(error_of({"create", "--foo", "c1"}) == "berth create: unknown flag \"--foo\"");
    BOOST_TEST(error_of({"create"}) == "berth create: missing <container-id>");
    BOOST_TEST(error_of({"create", "a", "b"}) == "berth create: unexpected argument \"b\" (usage: <container-id>)");
    BOOST_TEST(error_of({"start"}) == "berth start: missing <container-id>");
    BOOST_TEST(error_of({"foo"}) == "berth: unknown command \"foo\"");
    BOOST_TEST(error_of({"--foo", "list"}) == "berth: unknown flag \"--foo\"");
    BOOST_TEST(error_of({"--root"}) == "berth: flag --root needs a value");
    BOOST_TEST(error_of({"create", "--preserve-fds", "-1", "c1"}).starts_with(
        "berth create: invalid value \"-1\" for flag --preserve-fds"));
}

BOOST_AUTO_TEST_CASE(checkpoint_and_restore_accept_runc_flags) {
    auto p = parse({"checkpoint", "--image-path", "/img", "--work-path", "/w", "--leave-running",
                    "--tcp-established", "--pre-dump", "--parent-path", "../pre", "c1"});
    const auto& cp = options_of<rt::CheckpointOptions>(p);
    BOOST_TEST(cp.id == "c1");
    BOOST_TEST(cp.criu.image_path == "/img");
    BOOST_TEST(cp.criu.work_path == "/w");
    BOOST_TEST(cp.leave_running);
    BOOST_TEST(cp.criu.tcp_established);
    BOOST_TEST(cp.pre_dump);
    BOOST_TEST(cp.parent_path == "../pre");
    auto r = parse({"restore", "--image-path", "/img", "--detach", "--pid-file", "/p", "-no-subreaper",
                    "--bundle", "/b", "--lsm-profile", "apparmor:x", "--empty-ns", "network", "c1"});
    const auto& rs = options_of<rt::RestoreOptions>(r);
    BOOST_TEST(rs.id == "c1");
    BOOST_TEST(rs.detach);
    BOOST_TEST(rs.no_subreaper);
    BOOST_TEST(rs.pid_file == "/p");
    BOOST_TEST(rs.bundle == "/b");
    BOOST_TEST(rs.lsm_profile == "apparmor:x");
    BOOST_TEST(rs.criu.empty_ns == std::vector<std::string>{"network"}, boost::test_tools::per_element());
    BOOST_TEST(error_of({"checkpoint", "--manage-cgroups-mode", "bogus", "c1"}).starts_with(
        "berth checkpoint: invalid value \"bogus\" for flag --manage-cgroups-mode"));
    BOOST_TEST(error_of({"restore", "--empty-ns", "ipc", "c1"}).starts_with(
        "berth restore: invalid value \"ipc\" for flag --empty-ns"));
}

BOOST_AUTO_TEST_SUITE_END()

// Podman runs delete, update, exec and checkpoint without --systemd-cgroup: a container the
// systemd driver made still goes to berth-systemd for them (a checkpoint deletes it).
BOOST_AUTO_TEST_CASE(commands_on_a_systemd_container_need_the_systemd_driver) {
    char tmpl[] = "/tmp/berth-handoff.XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    const std::string root = tmpl;
    rt::StateStore store(root);
    for (const char* id : {"sd", "fs"}) {
        store.create_dir(id);
        rt::ContainerRecord record;
        record.id = id;
        berth::cgroup::SavedForm form;
        form.add("driver", std::string(id) == "sd" ? "systemd" : "cgroupfs");
        record.cgroup = form.encode();
        store.save(record);
    }
    for (std::string command : {"delete", "update", "exec", "checkpoint"}) {
        std::vector<std::string> args{"--root", root, command, "sd"};
        if (command == "exec") args.push_back("true");
        BOOST_TEST(needs_systemd_driver(parse(args)), command);
        args[3] = "fs";
        BOOST_TEST(!needs_systemd_driver(parse(args)), command);
    }
    BOOST_TEST(!needs_systemd_driver(parse({"--root", root, "kill", "sd"})));
    BOOST_TEST(needs_systemd_driver(parse({"--root", root, "--systemd-cgroup", "kill", "fs"})));
    std::filesystem::remove_all(root);
}

