// Operations not built yet. Each fails loudly rather than pretending to work; an
// operation moves out of this file when it is implemented.
#include "runtime/operations.hpp"
#include "util/error.hpp"

namespace berth::runtime {
namespace {
[[noreturn]] void not_implemented(const char* command) {
    throw Error(fmt::format("{}: not implemented yet", command));
}
}  // namespace

int exec(const GlobalOptions&, const ExecOptions&) { not_implemented("exec"); }
int pause(const GlobalOptions&, const std::string&) { not_implemented("pause"); }
int resume(const GlobalOptions&, const std::string&) { not_implemented("resume"); }
int update(const GlobalOptions&, const UpdateOptions&) { not_implemented("update"); }
int events(const GlobalOptions&, const EventsOptions&) { not_implemented("events"); }

}  // namespace berth::runtime
