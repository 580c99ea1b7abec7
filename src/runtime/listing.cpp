// list and ps.
#include "runtime/container.hpp"
#include "oci/json.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/text.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace berth::runtime {

namespace {

struct Row {
    ContainerRecord record;
    oci::Status status;
};

std::vector<Row> rows(const StateStore& store) {
    std::vector<Row> out;
    for (const auto& id : store.ids()) {
        try {
            auto r = store.load(id);
            if (r) out.push_back({*r, derive_status(store, *r)});
        } catch (const Error& e) {
            log::warn("list: {}", e.what());
        }
    }
    return out;
}

// Columns as Go's tabwriter lays out runc's table: min width 12, padding 3.
std::string table(const std::vector<std::vector<std::string>>& cells) {
    std::vector<size_t> width;
    for (const auto& row : cells)
        for (size_t i = 0; i < row.size(); ++i) {
            if (width.size() <= i) width.push_back(12);
            width[i] = std::max(width[i], row[i].size() + 3);
        }
    std::string out;
    for (const auto& row : cells) {
        for (size_t i = 0; i < row.size(); ++i) {
            out += row[i];
            if (i + 1 < row.size()) out.append(width[i] - row[i].size(), ' ');
        }
        out += '\n';
    }
    return out;
}

void print(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

}  // namespace

int list(const GlobalOptions& global, const ListOptions& options) {
    StateStore store(global.root);
    auto all = rows(store);
    if (options.quiet) {
        for (const auto& r : all) print(r.record.id + "\n");
        return 0;
    }
    if (options.json) {
        json::Writer w;
        w.begin_array();
        for (const auto& [r, status] : all) {
            w.begin_object();
            w.key("ociVersion").string(oci::kSpecVersion);
            w.key("id").string(r.id);
            w.key("pid").integer(status == oci::Status::stopped ? 0 : r.pid);
            w.key("status").string(oci::to_string(status));
            w.key("bundle").string(r.bundle);
            w.key("rootfs").string(r.rootfs);
            w.key("created").string(r.created);
            w.key("owner").string(r.owner);
            w.end_object();
        }
        w.end_array();
        print(w.str() + "\n");
        return 0;
    }
    std::vector<std::vector<std::string>> cells = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
    for (const auto& [r, status] : all)
        cells.push_back({r.id, std::to_string(status == oci::Status::stopped ? 0 : r.pid), oci::to_string(status),
                         r.bundle, r.created, r.owner});
    print(table(cells));
    return 0;
}

namespace {

std::string run_ps(const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw_errno("pipe");
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) {
        ::dup2(fds[1], 1);
        std::vector<std::string> argv_s = {"ps"};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_s) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execvp("ps", argv.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw_error("ps: exited with status {}", WEXITSTATUS(status));
    return out;
}

}  // namespace

int ps(const GlobalOptions& global, const PsOptions& options) {
    try {
        StateStore store(global.root);
        ContainerRecord record = store.require(options.id);
        std::vector<pid_t> pids;
        if (auto cg = container_cgroup(record)) pids = cg->pids();
        else if (derive_status(store, record) != oci::Status::stopped) pids = {record.pid};
        std::sort(pids.begin(), pids.end());
        if (options.json) {
            json::Writer w;
            w.begin_array();
            for (pid_t p : pids) w.integer(p);
            w.end_array();
            print(w.str() + "\n");
            return 0;
        }
        std::string out = run_ps(options.ps_args.empty() ? std::vector<std::string>{"-ef"} : options.ps_args);
        const auto lines = text::split(out, '\n');
        const std::string& header = lines.front();
        const auto columns = text::fields(header);
        const auto pid_col = std::find(columns.begin(), columns.end(), "PID") - columns.begin();
        if (pid_col == static_cast<std::ptrdiff_t>(columns.size())) throw_error("ps: no PID column in \"{}\"", header);
        std::string result = header + "\n";
        for (std::size_t i = 1; i < lines.size(); ++i) {
            const auto f = text::fields(lines[i]);
            if (static_cast<std::ptrdiff_t>(f.size()) <= pid_col) continue;
            const auto p = text::to_integer(f[static_cast<std::size_t>(pid_col)]);
            if (p && std::binary_search(pids.begin(), pids.end(), static_cast<pid_t>(*p))) result += lines[i] + "\n";
        }
        print(result);
    } catch (const Error& e) {
        throw e.with_context(fmt::format("ps \"{}\"", options.id));
    }
    return 0;
}

}  // namespace berth::runtime
