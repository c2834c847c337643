#include "smartcamrt/pipeline/stop_signal.hpp"

#include <atomic>
#include <csignal>

namespace smartcamrt {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void on_stop_signal(int signal_number) {
  g_stop.store(true);
  // A second Ctrl-C / SIGTERM ends the process the default way.
  std::signal(signal_number, SIG_DFL);
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: blocking reads return so the loops see the flag
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() { return g_stop.load(std::memory_order_relaxed); }
void request_stop() { g_stop.store(true); }
void reset_stop() { g_stop.store(false); }

}  // namespace smartcamrt
