#include "harness.hpp"

#include "oci/parse.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <dirent.h>
#include <functional>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace berth::it {

std::string berth_path() {
    const char* p = std::getenv("BERTH");
    if (!p) throw std::runtime_error("BERTH is not set");
    return p;
}

static std::string probe_path() {
    const char* p = std::getenv("BERTH_PROBE");
    if (!p) throw std::runtime_error("BERTH_PROBE is not set");
    return p;
}

void write_file(const std::string& path, const std::string& content, unsigned mode) {
    std::ofstream(path, std::ios::trunc) << content;
    ::chmod(path.c_str(), mode);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool path_exists(const std::string& path) {
    struct stat st{};
    return ::lstat(path.c_str(), &st) == 0;
}

oci::Mount make_mount(const std::string& destination, const std::string& type, const std::string& source,
                      std::vector<std::string> options) {
    oci::Mount m;
    m.destination = destination;
    m.type = type;
    m.source = source;
    m.options = std::move(options);
    return m;
}

std::string host_mountinfo() { return read_file("/proc/self/mountinfo"); }

namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

std::vector<std::string> host_mounts(const std::string& own_dir) {
    std::vector<std::string> out;
    std::istringstream in(host_mountinfo());
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::string id, parent, dev, root, mp, opts, field;
        f >> id >> parent >> dev >> root >> mp >> opts;
        while (f >> field && field != "-") {
        }
        std::string type, source;
        f >> type >> source;
        // Other engineers' tests mount under /tmp, /run and /var/lib at the same time.
        bool foreign = (mp.rfind("/tmp/", 0) == 0 || mp.rfind("/run/", 0) == 0 || mp.rfind("/var/lib/", 0) == 0) &&
                       mp.rfind(own_dir, 0) != 0;
        if (!foreign) out.push_back(mp + " " + type + " " + source);
    }
    return sorted(out);
}

std::vector<std::string> dir_entries(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.push_back(e->d_name);
        ::closedir(d);
    }
    return sorted(out);
}

void fingerprint(const std::string& path, std::vector<std::string>& out) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0) {
        out.push_back(path + " absent");
        return;
    }
    std::string line = path + " " + std::to_string(st.st_mode) + " " + std::to_string(st.st_size) + " " +
                       std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + " " +
                       std::to_string(st.st_rdev);
    if (S_ISREG(st.st_mode)) line += " " + std::to_string(std::hash<std::string>{}(read_file(path)));
    out.push_back(line);
    if (S_ISDIR(st.st_mode))
        for (const auto& e : dir_entries(path)) fingerprint(path + "/" + e, out);
}

}  // namespace

HostSnapshot snapshot_host(const Bundle& b, const std::vector<std::string>& decoys,
                           const std::vector<std::string>& cgroup_needles) {
    HostSnapshot s;
    s.mounts = host_mounts(b.dir());
    s.state = dir_entries(b.state_root());
    // The emptied directories a delete keeps for the next create (runtime/state_store.hpp).
    std::erase(s.state, ".free");
    std::vector<std::string> needles = cgroup_needles;
    needles.push_back(b.id());
    std::istringstream dirs(run_command({"/usr/bin/find", "/sys/fs/cgroup", "-maxdepth", "4", "-type", "d"}).out);
    for (std::string dir; std::getline(dirs, dir);) {
        std::string name = dir.substr(dir.rfind('/') + 1);
        for (const auto& n : needles)
            if (name.find(n) != std::string::npos) s.cgroups.push_back(dir);
    }
    s.cgroups = sorted(s.cgroups);
    for (const auto& pid : dir_entries("/proc")) {
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        char root[4096];
        ssize_t n = ::readlink(("/proc/" + pid + "/root").c_str(), root, sizeof root - 1);
        std::string r = n > 0 ? std::string(root, static_cast<size_t>(n)) : "";
        if (r.rfind(b.dir(), 0) == 0 || read_file("/proc/" + pid + "/cgroup").find(b.id()) != std::string::npos)
            s.procs.push_back(pid);
    }
    for (const auto& d : decoys) fingerprint(d, s.files);
    return s;
}

std::string diff(const HostSnapshot& before, const HostSnapshot& after) {
    std::string out;
    auto compare = [&out](const char* what, const std::vector<std::string>& a, const std::vector<std::string>& b) {
        for (const auto& x : a)
            if (std::find(b.begin(), b.end(), x) == b.end()) out += std::string(what) + " gone: " + x + "\n";
        for (const auto& x : b)
            if (std::find(a.begin(), a.end(), x) == a.end()) out += std::string(what) + " new: " + x + "\n";
    };
    compare("mount", before.mounts, after.mounts);
    compare("state", before.state, after.state);
    compare("cgroup", before.cgroups, after.cgroups);
    compare("process", before.procs, after.procs);
    compare("file", before.files, after.files);
    return out;
}

Result run_command(const std::vector<std::string>& argv, const std::string& input) {
    int out[2], err[2], in[2];
    if (::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0 || ::pipe2(in, O_CLOEXEC) < 0)
        throw std::runtime_error("pipe");
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in[0], 0);
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    ::close(in[0]);
    if (!input.empty() && ::write(in[1], input.data(), input.size()) < 0) {
    }
    ::close(in[1]);
    Result r;
    // A detached container (create) keeps our pipes open: stop at the command's exit,
    // not at end of file, and take what is buffered.
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    ::fcntl(out[0], F_SETFL, O_NONBLOCK);
    ::fcntl(err[0], F_SETFL, O_NONBLOCK);
    auto drain = [&r](int fd, int which) {
        char buf[4096];
        ssize_t n;
        bool eof = false;
        while ((n = ::read(fd, buf, sizeof buf)) > 0) (which == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
        if (n == 0) eof = true;
        return eof;
    };
    pollfd p[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {pidfd, POLLIN, 0}};
    for (;;) {
        if (::poll(p, 3, -1) < 0) continue;
        for (int i = 0; i < 2; ++i)
            if (p[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP)) && drain(p[i].fd, i)) p[i].fd = -1;
        if (p[2].revents & POLLIN) {
            drain(out[0], 0);
            drain(err[0], 1);
            break;
        }
    }
    ::close(pidfd);
    ::close(out[0]);
    ::close(err[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

std::string Report::get(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
}

std::vector<std::string> Report::all(const std::string& key) const {
    std::vector<std::string> out;
    auto [a, b] = values.equal_range(key);
    for (auto it = a; it != b; ++it) out.push_back(it->second);
    return out;
}

bool Report::has_mount(const std::string& mountpoint, const std::string& fstype) const {
    for (const auto& m : all("mount")) {
        std::istringstream s(m);
        std::string mp, opts, type;
        s >> mp >> type >> opts;
        if (mp == mountpoint && (fstype.empty() || type == fstype)) return true;
    }
    return false;
}

std::string Report::mount_options(const std::string& mountpoint) const {
    std::string found;
    for (const auto& m : all("mount")) {
        std::istringstream s(m);
        std::string mp, opts, type;
        s >> mp >> type >> opts;
        if (mp == mountpoint) found = opts;  // the last one is the visible one
    }
    return found;
}

Report parse_report(const std::string& text) {
    Report r;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        auto eq = line.find('=');
        if (eq != std::string::npos) r.values.emplace(line.substr(0, eq), line.substr(eq + 1));
    }
    return r;
}

namespace {

// The default config: close to `runc spec`, with the probe as the process.
constexpr const char* kDefaultConfig = R"({
  "ociVersion": "1.2.0",
  "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/probe"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {"bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true},
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "berth-test",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
      "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
})";

std::atomic<int> counter{0};

}  // namespace

Bundle::Bundle() {
    char tmpl[] = "/tmp/berth-it.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);
    id_ = "it-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    std::string rootfs = dir_ + "/rootfs";
    for (const char* d : {"", "/bin", "/etc", "/tmp", "/proc", "/sys", "/dev", "/root"})
        ::mkdir((rootfs + d).c_str(), 0755);
    ::chmod((rootfs + "/tmp").c_str(), 01777);
    auto copy = [](const std::string& from, const std::string& to) {
        Result r = run_command({"/bin/cp", from, to});
        if (r.status != 0) throw std::runtime_error("cp " + from + ": " + r.err);
    };
    copy("/bin/busybox", rootfs + "/bin/busybox");
    copy(probe_path(), rootfs + "/probe");
    for (const char* applet : {"sh", "true", "false", "cat", "echo", "sleep", "ls", "id", "env", "hostname", "ps", "touch"})
        if (::symlink("busybox", (rootfs + "/bin/" + applet).c_str()) != 0) throw std::runtime_error("symlink");
    write_file(rootfs + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    write_file(rootfs + "/etc/group", "root:x:0:\n");
    config = oci::parse_config(kDefaultConfig, "default config");
    config.hostname = "berth-test";
}

Bundle::~Bundle() {
    // Whatever a test left: force-delete every container of this root, then the files.
    Result ids = berth({"list", "-q"});
    std::istringstream in(ids.out);
    for (std::string id; std::getline(in, id);)
        if (!id.empty()) berth({"delete", "--force", id});
    run_command({"/bin/rm", "-rf", "--one-file-system", dir_});
}

oci::Hook hook(const std::string& path, std::vector<std::string> args) {
    oci::Hook h;
    h.path = path;
    h.args = std::move(args);
    return h;
}

void Bundle::save() const { write_file(dir_ + "/config.json", oci::to_json(config, true)); }

Result Bundle::berth(const std::vector<std::string>& args, const std::string& input) const {
    std::vector<std::string> argv = {berth_path(), "--root", state_root()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, input);
}

std::string container_status(const Bundle& b) {
    Result r = b.berth({"state", b.id()});
    auto at = r.out.find("\"status\"");
    if (at == std::string::npos) return "";
    auto q1 = r.out.find('"', r.out.find(':', at) + 1);
    auto q2 = r.out.find('"', q1 + 1);
    return r.out.substr(q1 + 1, q2 - q1 - 1);
}

bool wait_for_status(const Bundle& b, const std::string& want) {
    for (int i = 0; i < 150; ++i) {
        if (container_status(b) == want) return true;
        ::usleep(20000);
    }
    return false;
}

Result Bundle::run(const std::vector<std::string>& extra) const {
    save();
    std::vector<std::string> args = {"run", "--bundle", dir_};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(id_);
    return berth(args);
}

}  // namespace berth::it
