// The sd-bus functions the systemd driver calls, defined here as forwarders into a
// libsystemd that is dlopen'ed on first use. Only `--systemd-cgroup` creates call them, so
// every other command runs without mapping libsystemd and the compression and crypto
// libraries it pulls in (~0.75 MiB of peak RSS on `run`, measured with
// tests/bench/lifecycle_bench.sh). systemd_manager.cpp keeps calling the plain sd-bus API.
#include "util/error.hpp"

#include <systemd/sd-bus.h>

#include <cstdarg>
#include <dlfcn.h>

namespace {

void* libsystemd() {
    static void* const handle = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    return handle;
}

// The symbol `name` of libsystemd as a pointer of type Fn; throws when the
// library or the symbol is missing, so the driver fails with one line, not a crash.
template <class Fn>
Fn resolve(const char* name) {
    void* handle = libsystemd();
    if (!handle) berth::throw_error("systemd cgroup driver: cannot load libsystemd.so.0: {}", ::dlerror());
    void* symbol = ::dlsym(handle, name);
    if (!symbol) berth::throw_error("systemd cgroup driver: libsystemd.so.0 has no {}", name);
    return reinterpret_cast<Fn>(symbol);
}

#define BERTH_SD_FN(name) (*resolve<decltype(&::name)>(#name))

}  // namespace

extern "C" {

int sd_bus_open_system(sd_bus** ret) { return BERTH_SD_FN(sd_bus_open_system)(ret); }

int sd_bus_open_user(sd_bus** ret) { return BERTH_SD_FN(sd_bus_open_user)(ret); }

int sd_bus_get_property_string(sd_bus* bus, const char* destination, const char* path, const char* interface,
                               const char* member, sd_bus_error* ret_error, char** ret) {
    return BERTH_SD_FN(sd_bus_get_property_string)(bus, destination, path, interface, member, ret_error, ret);
}

sd_bus* sd_bus_flush_close_unref(sd_bus* bus) { return BERTH_SD_FN(sd_bus_flush_close_unref)(bus); }

int sd_bus_process(sd_bus* bus, sd_bus_message** r) { return BERTH_SD_FN(sd_bus_process)(bus, r); }

int sd_bus_wait(sd_bus* bus, uint64_t timeout_usec) { return BERTH_SD_FN(sd_bus_wait)(bus, timeout_usec); }

int sd_bus_call(sd_bus* bus, sd_bus_message* m, uint64_t usec, sd_bus_error* ret_error, sd_bus_message** reply) {
    return BERTH_SD_FN(sd_bus_call)(bus, m, usec, ret_error, reply);
}

int sd_bus_call_method(sd_bus* bus, const char* destination, const char* path, const char* interface,
                       const char* member, sd_bus_error* ret_error, sd_bus_message** reply, const char* types, ...) {
    va_list ap;
    va_start(ap, types);
    const int r = BERTH_SD_FN(sd_bus_call_methodv)(bus, destination, path, interface, member, ret_error, reply,
                                                   types, ap);
    va_end(ap);
    return r;
}

int sd_bus_match_signal(sd_bus* bus, sd_bus_slot** ret, const char* sender, const char* path,
                        const char* interface, const char* member, sd_bus_message_handler_t callback,
                        void* userdata) {
    return BERTH_SD_FN(sd_bus_match_signal)(bus, ret, sender, path, interface, member, callback, userdata);
}

sd_bus_slot* sd_bus_slot_unref(sd_bus_slot* slot) { return BERTH_SD_FN(sd_bus_slot_unref)(slot); }

int sd_bus_message_new_method_call(sd_bus* bus, sd_bus_message** m, const char* destination, const char* path,
                                   const char* interface, const char* member) {
    return BERTH_SD_FN(sd_bus_message_new_method_call)(bus, m, destination, path, interface, member);
}

sd_bus_message* sd_bus_message_unref(sd_bus_message* m) { return BERTH_SD_FN(sd_bus_message_unref)(m); }

int sd_bus_message_append(sd_bus_message* m, const char* types, ...) {
    va_list ap;
    va_start(ap, types);
    const int r = BERTH_SD_FN(sd_bus_message_appendv)(m, types, ap);
    va_end(ap);
    return r;
}

int sd_bus_message_append_array(sd_bus_message* m, char type, const void* ptr, size_t size) {
    return BERTH_SD_FN(sd_bus_message_append_array)(m, type, ptr, size);
}

int sd_bus_message_open_container(sd_bus_message* m, char type, const char* contents) {
    return BERTH_SD_FN(sd_bus_message_open_container)(m, type, contents);
}

int sd_bus_message_close_container(sd_bus_message* m) { return BERTH_SD_FN(sd_bus_message_close_container)(m); }

int sd_bus_message_read(sd_bus_message* m, const char* types, ...) {
    va_list ap;
    va_start(ap, types);
    const int r = BERTH_SD_FN(sd_bus_message_readv)(m, types, ap);
    va_end(ap);
    return r;
}

void sd_bus_error_free(sd_bus_error* e) {
    // Nothing to free when the library never loaded (the error was never filled in).
    if (e && (e->name || e->message)) BERTH_SD_FN(sd_bus_error_free)(e);
}

}  // extern "C"
