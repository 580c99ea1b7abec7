#include "runtime/state_store.hpp"

#include "cgroup/manager.hpp"
#include "oci/config.hpp"
#include "oci/json.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <cstdlib>
#include <ctime>

namespace berth::runtime {

void validate_id(const std::string& id) {
    if (id.empty()) throw_error("container id must not be empty");
    if (id == "." || id == ".." || id.size() > 1024)
        throw_error("invalid container id \"{}\"", id);
    // berth's own entries in the state root: runc has none, so it allows these names.
    if (id == kFreeDirs || id == kSeccompCacheDir || id == kCriuCheckCache)
        throw_error("invalid container id \"{}\": the name is reserved for berth's state root", id);
    for (unsigned char c : id) {
        bool ok = std::isalnum(c) || c == '_' || c == '+' || c == '-' || c == '.';
        if (!ok) throw_error("invalid container id \"{}\": only letters, digits, '_', '+', '-' and '.' are allowed", id);
    }
}

namespace {

// Takes an empty directory from <root>/kFreeDirs as `target`: true when one was taken,
// false when none was left. RENAME_NOREPLACE: an existing container is never replaced.
bool take_free_dir(const std::string& root, const std::string& target, const std::string& id) {
    const std::string pool = root + "/" + kFreeDirs;
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(pool.c_str()), ::closedir);
    if (!d) return false;
    while (const dirent* e = ::readdir(d.get())) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        const std::string from = pool + "/" + name;
        if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) return true;
        if (errno == EEXIST) throw_error("container \"{}\" already exists", id);
        // ENOENT: another create took it first; anything else: leave the pool to mkdir.
        if (errno != ENOENT) return false;
    }
    return false;
}

// The names whose inodes a pooled directory keeps as spares (StateStore::write_file).
constexpr const char* kSpareNames[] = {"state.json", "config.json", "exec.fifo"};

bool is_spare(std::string_view name) { return name.starts_with(".spare.") || name.starts_with(".spare2."); }

// Keeps `name` (a file of kSpareNames) as a spare of itself: true when it was renamed.
bool keep_as_spare(int dfd, const std::string& name) {
    if (std::find(std::begin(kSpareNames), std::end(kSpareNames), name) == std::end(kSpareNames)) return false;
    for (const char* prefix : {".spare.", ".spare2."})
        if (::renameat2(dfd, name.c_str(), dfd, (prefix + name).c_str(), RENAME_NOREPLACE) == 0) return true;
    return false;
}

// The entries of `dir` go but for the spare inodes; `dir` itself stays.
void empty_dir(const std::string& dir) {
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d) throw_errno("open \"{}\"", dir);
    const int dfd = dirfd(d.get());
    while (const dirent* e = ::readdir(d.get())) {
        const std::string name = e->d_name;
        if (name == "." || name == ".." || is_spare(name)) continue;
        if (e->d_type != DT_DIR && keep_as_spare(dfd, name)) continue;
        if (::unlinkat(dfd, e->d_name, 0) == 0 || errno == ENOENT) continue;
        if (errno != EISDIR && errno != EPERM) throw_errno("remove \"{}/{}\"", dir, name);
        fs::remove_tree(dir + "/" + name);
    }
}

void pwrite_all(int fd, std::string_view data, const std::string& path) {
    for (size_t done = 0; done < data.size();) {
        ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("write \"{}\"", path);
        done += static_cast<size_t>(n);
    }
    if (::ftruncate(fd, static_cast<off_t>(data.size())) < 0) throw_errno("truncate \"{}\"", path);
}

// The spare inode of <dir>/<name>, opened for writing: .spare.<name>, else .spare2.<name>
// renamed to it, else a new file. O_NONBLOCK: a fifo in its place fails, never hangs.
UniqueFd open_spare(const std::string& dir, const std::string& name, const std::string& spare) {
    constexpr int flags = O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    UniqueFd fd(::open(spare.c_str(), flags));
    if (!fd && errno == ENOENT && ::rename((dir + "/.spare2." + name).c_str(), spare.c_str()) == 0)
        fd.reset(::open(spare.c_str(), flags));
    if (!fd && errno == ENOENT) fd.reset(::open(spare.c_str(), flags | O_CREAT | O_EXCL, 0600));
    if (!fd) throw_errno("open \"{}\"", spare);
    return fd;
}

}  // namespace

void StateStore::create_dir(const std::string& id) const {
    fs::make_dirs(root_, 0711);
    if (take_free_dir(root_, dir(id), id)) return;
    if (::mkdir(dir(id).c_str(), 0711) < 0) {
        if (errno == EEXIST) throw_error("container \"{}\" already exists", id);
        throw_errno("mkdir \"{}\"", dir(id));
    }
}

void StateStore::save(const ContainerRecord& r) const {
    json::Writer w;
    w.begin_object();
    w.key("ociVersion").string(oci::kSpecVersion);
    w.key("id").string(r.id);
    w.key("pid").integer(r.pid);
    w.key("startTime").unsigned_integer(r.start_time);
    w.key("bundle").string(r.bundle);
    w.key("rootfs").string(r.rootfs);
    w.key("created").string(r.created);
    w.key("owner").string(r.owner);
    w.key("cgroup").string(r.cgroup);
    w.key("creating").boolean(r.creating);
    if (r.no_new_keyring) w.key("noNewKeyring").boolean(true);
    if (!r.post_hooks) w.key("noPostHooks").boolean(true);
    w.key("annotations").begin_object();
    for (const auto& [k, v] : r.annotations) w.key(k).string(v);
    w.end_object();
    w.end_object();
    write_file(r.id, "state.json", w.str());
}

void StateStore::write_file(const std::string& id, const std::string& name, std::string_view data) const {
    const std::string d = dir(id), target = d + "/" + name, spare = d + "/.spare." + name;
    pwrite_all(open_spare(d, name, spare).get(), data, spare);
    if (::renameat2(AT_FDCWD, spare.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) return;
    // ENOENT: the first write; EINVAL: a file system without RENAME_EXCHANGE.
    if ((errno != ENOENT && errno != EINVAL) || ::rename(spare.c_str(), target.c_str()) < 0)
        throw_errno("rename \"{}\"", target);
}

std::string StateStore::spare_exec_fifo(const std::string& id) const { return dir(id) + "/.spare.exec.fifo"; }

bool StateStore::reuse_exec_fifo(const std::string& id) const {
    const std::string spare = spare_exec_fifo(id);
    struct stat st{};
    // Only a fifo berth made as it makes one (root-owned state: anything else is left alone).
    if (::lstat(spare.c_str(), &st) < 0 || !S_ISFIFO(st.st_mode) || (st.st_mode & 07777) != 0622 ||
        st.st_uid != ::geteuid())
        return false;
    return ::renameat2(AT_FDCWD, spare.c_str(), AT_FDCWD, (dir(id) + "/exec.fifo").c_str(), RENAME_NOREPLACE) == 0;
}

namespace {

std::string member_string(const json::Value& doc, const char* key) {
    const json::Value* v = doc.find(key);
    return v && v->kind == json::Value::Kind::string ? v->text : std::string();
}

std::int64_t member_int(const json::Value& doc, const char* key) {
    const json::Value* v = doc.find(key);
    return v && v->kind == json::Value::Kind::number ? std::strtoll(v->text.c_str(), nullptr, 10) : 0;
}

}  // namespace

std::optional<ContainerRecord> StateStore::load(const std::string& id) const {
    validate_id(id);
    std::string path = dir(id) + "/state.json";
    auto text = fs::read_file_if_exists(path);
    // A directory without a readable state.json: berth died before the first save, or
    // the host lost power (state.json is never fsync'd). `delete --force` removes it.
    auto unsaved = [&] {
        ContainerRecord r;
        r.id = id;
        return r;
    };
    if (!text) {
        if (fs::exists(dir(id))) return unsaved();
        return std::nullopt;
    }
    json::Value doc;
    try {
        doc = json::parse(*text, path);
    } catch (const Error& e) {
        log::warn("{}", e.what());
        return unsaved();
    }
    ContainerRecord r;
    r.id = member_string(doc, "id");
    r.pid = static_cast<pid_t>(member_int(doc, "pid"));
    const json::Value* st = doc.find("startTime");
    r.start_time = st ? std::strtoull(st->text.c_str(), nullptr, 10) : 0;
    r.bundle = member_string(doc, "bundle");
    r.rootfs = member_string(doc, "rootfs");
    r.created = member_string(doc, "created");
    r.owner = member_string(doc, "owner");
    r.cgroup = member_string(doc, "cgroup");
    const json::Value* creating = doc.find("creating");
    r.creating = creating && creating->boolean;
    const json::Value* no_keyring = doc.find("noNewKeyring");
    r.no_new_keyring = no_keyring && no_keyring->boolean;
    const json::Value* no_post_hooks = doc.find("noPostHooks");
    r.post_hooks = !(no_post_hooks && no_post_hooks->boolean);
    if (const json::Value* a = doc.find("annotations"))
        for (const auto& [k, v] : a->members) r.annotations[k] = v.text;
    return r;
}

ContainerRecord StateStore::require(const std::string& id) const {
    auto r = load(id);
    if (!r) throw_error("container \"{}\" does not exist", id);
    return *r;
}

std::vector<std::string> StateStore::ids() const {
    std::vector<std::string> out;
    DIR* d = ::opendir(root_.c_str());
    if (d == nullptr) {
        if (errno == ENOENT) return out;
        throw_errno("open \"{}\"", root_);
    }
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == ".." || name == kSeccompCacheDir || name == kFreeDirs || e->d_type != DT_DIR)
            continue;
        out.push_back(name);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

void StateStore::remove(const std::string& id, bool keep_for_reuse) const {
    if (!keep_for_reuse) return fs::remove_tree(dir(id));
    try {
        empty_dir(dir(id));
    } catch (const Error&) {
        if (!fs::exists(dir(id))) return;
        throw;
    }
    // A unique name in the pool; a pool that cannot take it (not made yet, full disk,
    // another file system) leaves the directory to rmdir.
    const std::string pool = root_ + "/" + kFreeDirs;
    const std::string slot = fmt::format("{}/{}.{}", pool, ::getpid(), now_rfc3339());
    if (::renameat2(AT_FDCWD, dir(id).c_str(), AT_FDCWD, slot.c_str(), RENAME_NOREPLACE) == 0) return;
    if (errno == ENOENT && ::mkdir(pool.c_str(), 0711) == 0 &&
        ::renameat2(AT_FDCWD, dir(id).c_str(), AT_FDCWD, slot.c_str(), RENAME_NOREPLACE) == 0)
        return;
    fs::remove_tree(dir(id));
}

ContainerLock::ContainerLock(const StateStore& store, const std::string& id) {
    fd_.reset(::open(store.dir(id).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd_) {
        if (errno == ENOENT) throw_error("container \"{}\" does not exist", id);
        throw_errno("open \"{}\"", store.dir(id));
    }
    if (::flock(fd_.get(), LOCK_EX) < 0) throw_errno("lock \"{}\"", store.dir(id));
    struct stat locked{}, now{};
    if (::fstat(fd_.get(), &locked) < 0) throw_errno("stat \"{}\"", store.dir(id));
    if (::stat(store.dir(id).c_str(), &now) < 0 || now.st_ino != locked.st_ino || now.st_dev != locked.st_dev)
        throw_error("container \"{}\" does not exist", id);
}

std::uint64_t process_start_time(pid_t pid) {
    if (pid <= 0) return 0;
    auto stat = fs::read_file_if_exists(fmt::format("/proc/{}/stat", pid));
    if (!stat) return 0;
    // comm may hold spaces and parentheses: fields start after the last ')'.
    auto close = stat->rfind(')');
    if (close == std::string::npos || close + 2 >= stat->size()) return 0;
    const char* p = stat->c_str() + close + 2;
    if (*p == 'Z' || *p == 'X') return 0;
    // Field 3 is the state; start time is field 22: skip 19 more fields.
    for (int field = 3; field < 22 && *p; ++field) {
        while (*p && *p != ' ') ++p;
        while (*p == ' ') ++p;
    }
    return std::strtoull(p, nullptr, 10);
}

oci::Status derive_status(const StateStore& store, const ContainerRecord& r) {
    if (r.pid <= 0) return r.creating ? oci::Status::creating : oci::Status::stopped;
    std::uint64_t start = process_start_time(r.pid);
    if (start == 0 || start != r.start_time) return oci::Status::stopped;
    if (!r.cgroup.empty()) {
        try {
            if (cgroup::load_manager(r.cgroup)->is_frozen()) return oci::Status::paused;
        } catch (const Error& e) {
            log::debug("cgroup of \"{}\": {}", r.id, e.what());
        }
    }
    if (r.creating) return oci::Status::creating;
    return fs::exists(store.dir(r.id) + "/exec.fifo") ? oci::Status::created : oci::Status::running;
}

oci::State oci_state(const ContainerRecord& r, oci::Status status) {
    oci::State s;
    s.oci_version = oci::kSpecVersion;
    s.id = r.id;
    s.status = status;
    s.pid = status == oci::Status::stopped ? 0 : r.pid;
    s.bundle = r.bundle;
    s.annotations = r.annotations;
    return s;
}

std::string now_rfc3339() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    tm utc{};
    gmtime_r(&now.tv_sec, &utc);
    char buf[64];
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    return fmt::format("{}.{:09d}Z", std::string_view(buf, n), now.tv_nsec);
}

}  // namespace berth::runtime
