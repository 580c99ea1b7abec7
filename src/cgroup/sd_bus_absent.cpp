// The sd-bus functions of the static berth, which has no systemd driver of its own: it
// hands every command that needs one to berth-systemd before doing anything
// (cli/systemd_handoff.hpp), so these are reached only if that check missed a path. They
// fail the way an unreachable bus does, and the driver reports it in one line.
#include <systemd/sd-bus.h>

#include <cerrno>

extern "C" {

int sd_bus_open_system(sd_bus**) { return -ENOTSUP; }
int sd_bus_open_user(sd_bus**) { return -ENOTSUP; }
int sd_bus_get_property_string(sd_bus*, const char*, const char*, const char*, const char*, sd_bus_error*, char**) {
    return -ENOTSUP;
}
sd_bus* sd_bus_flush_close_unref(sd_bus*) { return nullptr; }
int sd_bus_process(sd_bus*, sd_bus_message**) { return -ENOTSUP; }
int sd_bus_wait(sd_bus*, uint64_t) { return -ENOTSUP; }
int sd_bus_call(sd_bus*, sd_bus_message*, uint64_t, sd_bus_error*, sd_bus_message**) { return -ENOTSUP; }
int sd_bus_call_method(sd_bus*, const char*, const char*, const char*, const char*, sd_bus_error*, sd_bus_message**,
                       const char*, ...) {
    return -ENOTSUP;
}
int sd_bus_match_signal(sd_bus*, sd_bus_slot**, const char*, const char*, const char*, const char*,
                        sd_bus_message_handler_t, void*) {
    return -ENOTSUP;
}
sd_bus_slot* sd_bus_slot_unref(sd_bus_slot*) { return nullptr; }
int sd_bus_message_new_method_call(sd_bus*, sd_bus_message**, const char*, const char*, const char*, const char*) {
    return -ENOTSUP;
}
sd_bus_message* sd_bus_message_unref(sd_bus_message*) { return nullptr; }
int sd_bus_message_append(sd_bus_message*, const char*, ...) { return -ENOTSUP; }
int sd_bus_message_append_array(sd_bus_message*, char, const void*, size_t) { return -ENOTSUP; }
int sd_bus_message_open_container(sd_bus_message*, char, const char*) { return -ENOTSUP; }
int sd_bus_message_close_container(sd_bus_message*) { return -ENOTSUP; }
int sd_bus_message_read(sd_bus_message*, const char*, ...) { return -ENOTSUP; }
void sd_bus_error_free(sd_bus_error*) {}

}  // extern "C"
