// Child side: the loopback interface of a new network namespace. No allocation.
#pragma once

#include "child/child_util.hpp"

namespace berth::child {

// Sets IFF_UP on "lo" of the caller's network namespace (the kernel then gives it
// 127.0.0.1/8 and ::1). runc and crun do the same for a new network namespace; the spec
// is silent. Needs CAP_NET_ADMIN over the namespace: the init is its root.
bool bring_up_loopback(Failure& f) noexcept;

}  // namespace berth::child
