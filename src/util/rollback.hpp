// Undo steps for a multi-step operation (create): run in reverse unless committed.
// Undo failures are logged, never thrown, so the first error survives. Parent only.
#pragma once

#include "util/log.hpp"

#include <exception>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace berth {

class Rollback {
public:
    Rollback() = default;
    Rollback(const Rollback&) = delete;
    Rollback& operator=(const Rollback&) = delete;
    ~Rollback() { run(); }

    // `what` names the step in the warning when its undo fails.
    void add(std::string what, std::function<void()> undo) {
        steps_.emplace_back(std::move(what), std::move(undo));
    }
    void commit() noexcept { steps_.clear(); }

    // Runs the undo steps now, newest first.
    void run() noexcept {
        while (!steps_.empty()) {
            auto step = std::move(steps_.back());
            steps_.pop_back();
            try {
                step.second();
            } catch (const std::exception& e) {
                log::warn("rollback: {}: {}", step.first, e.what());
            } catch (...) {
                log::warn("rollback: {}: unknown error", step.first);
            }
        }
    }

private:
    std::vector<std::pair<std::string, std::function<void()>>> steps_;
};

}  // namespace berth
