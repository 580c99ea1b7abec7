// The state store: <root>/<id>/ holds state.json (written atomically), exec.fifo while
// the container is `created`, and a copy of config.json as create read it. Commands that
// change a container hold an flock on the directory. Parent only; throws berth::Error.
// Each of those files also has spare inodes beside it (.spare.<name>, .spare2.<name>):
// a write fills a spare and swaps it in, and delete keeps the files for the pool, since
// on a disk-backed root a new inode costs 0.1-0.2 ms (ext4) and a reused one ~0.02 ms.
#pragma once

#include "oci/state.hpp"
#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::runtime {

// What berth keeps about a container beyond the OCI state.
struct ContainerRecord {
    std::string id;
    std::string bundle;
    std::string rootfs;
    pid_t pid = 0;                 // host pid of the init; 0 while creating
    std::uint64_t start_time = 0;  // /proc/<pid>/stat field 22: detects pid reuse
    std::string created;           // RFC 3339
    std::string owner;             // user name of the creator
    std::string cgroup;            // the cgroup manager's saved_form()
    bool creating = true;          // false once the init reported ready
    bool no_new_keyring = false;   // create --no-new-keyring: exec joins no keyring either
    // The saved config.json has poststart or poststop hooks, so start and delete read it.
    // False spares them parsing it (0.1 ms with podman's seccomp profile in it); a record
    // written before this field existed reads as true.
    bool post_hooks = true;
    std::map<std::string, std::string> annotations;
};

// Container ids as runc accepts them: [A-Za-z0-9_+.-]+, not "." or "..".
void validate_id(const std::string& id);

// The compiled seccomp filters under the state root (sys/seccomp_cache.hpp): a
// directory beside the containers', never one of them.
inline constexpr const char* kSeccompCacheDir = ".seccomp-cache";
// Emptied container directories kept for the next create: on a disk-backed root rmdir(2)
// costs 1-1.6 ms here (ext4) and mkdir(2) 0.15 ms, a rename 0.01 ms. Never a container's.
inline constexpr const char* kFreeDirs = ".free";
// The criu check cache, a file (runtime/criu.cpp).
inline constexpr const char* kCriuCheckCache = ".criu-check";

class StateStore {
public:
    explicit StateStore(std::string root) : root_(std::move(root)) {}

    const std::string& root() const { return root_; }
    std::string dir(const std::string& id) const { return root_ + "/" + id; }

    // Makes <root>/<id> (0711), or takes an empty one from kFreeDirs; throws
    // `container "id" already exists`.
    void create_dir(const std::string& id) const;
    // Atomic (write_file).
    void save(const ContainerRecord& record) const;
    // Replaces <root>/<id>/<name> atomically: fills the spare inode and swaps it in
    // (RENAME_EXCHANGE), so readers see the old or the new content, never a mix, and the
    // old inode becomes the next spare. The caller holds the ContainerLock (one spare per
    // name). Mode 0600. No fsync (as fs::write_file_atomic).
    void write_file(const std::string& id, const std::string& name, std::string_view data) const;
    // Renames the spare fifo (a started or deleted container's exec.fifo) to
    // <root>/<id>/exec.fifo: false when there is none, and mkfifo is the caller's.
    bool reuse_exec_fifo(const std::string& id) const;
    // Where start moves exec.fifo once the init opened it, for reuse_exec_fifo().
    std::string spare_exec_fifo(const std::string& id) const;
    // std::nullopt when there is no such container.
    std::optional<ContainerRecord> load(const std::string& id) const;
    // load() that throws `container "id" does not exist`.
    ContainerRecord require(const std::string& id) const;
    // The containers' ids: every directory but kSeccompCacheDir and kFreeDirs.
    std::vector<std::string> ids() const;
    // Removes <root>/<id>: its content, then the directory itself, which goes to
    // kFreeDirs when `keep_for_reuse` (a delete) rather than rmdir'd (a failed create,
    // which leaves nothing behind).
    void remove(const std::string& id, bool keep_for_reuse = false) const;

private:
    std::string root_;
};

// An exclusive flock on <root>/<id>, held while the object lives. Throws `container "id"
// does not exist` when, once locked, the directory is no longer <root>/<id> (a delete
// that held the lock removed it, and a create may have reused it for another id).
class ContainerLock {
public:
    ContainerLock(const StateStore& store, const std::string& id);
    int fd() const { return fd_.get(); }

private:
    UniqueFd fd_;
};

// /proc/<pid>/stat start time, or 0 when the process does not exist or is a zombie.
std::uint64_t process_start_time(pid_t pid);

// The status derived from the live init, never from the file alone: stopped when the
// pid is gone, reused or a zombie; created while exec.fifo exists; paused when frozen.
oci::Status derive_status(const StateStore& store, const ContainerRecord& record);

// The OCI state document (runtime.md#state) for hooks and `state`.
oci::State oci_state(const ContainerRecord& record, oci::Status status);

std::string now_rfc3339();

}  // namespace berth::runtime
