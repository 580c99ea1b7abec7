// Internal to src/sys/seccomp*: the on-disk cache of compiled seccomp filters.
//
// Key: SHA-256 of a canonical, length-prefixed serialisation of everything in the
// profile that shapes the BPF (not listenerPath/listenerMetadata), plus the libseccomp
// run-time version and the native architecture. Value: `<dir>/<hex key>.bpf`, a fixed
// header (magic, format version, flags, key, SHA-256 of header and program), then the
// program.
// A file that fails any check is treated as absent and rewritten after a compile.
// The cache lives under the runtime's state root: whoever can write there can already
// change any container, so the digest guards against corruption, not against an attacker.
#pragma once

#include "sys/seccomp.hpp"
#include "sys/seccomp_sha256.hpp"

#include <optional>
#include <string>

namespace berth::sys {

// Parent: the cache key of a profile. Deterministic across runs and processes.
Sha256Digest seccomp_cache_key(const oci::Seccomp& seccomp);

// `<dir>/<64 hex digits>.bpf`
std::string seccomp_cache_path(const std::string& dir, const Sha256Digest& key);

// Parent: the cached plan for `key`, or nullopt when the file is missing, unreadable or
// fails validation (logged at debug level). Never throws but std::bad_alloc.
std::optional<SeccompPlan> load_cached_seccomp(const std::string& dir, const Sha256Digest& key);

// Parent: writes the plan atomically (temporary file, then rename), creating `dir`
// (one level, mode 0700) if missing. Best effort: a failure is logged at debug level and
// returns false, since the caller already holds a valid plan.
bool store_cached_seccomp(const std::string& dir, const Sha256Digest& key, const SeccompPlan& plan);

}  // namespace berth::sys
