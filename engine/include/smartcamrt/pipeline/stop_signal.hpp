#pragma once
// Ctrl-C / SIGTERM handling: the first signal asks the run to stop cleanly (flush, write the
// summary); a second one restores the default action, so it ends the process at once.
namespace smartcamrt {

void install_stop_handlers();
bool stop_requested();
void request_stop();  // the same as a signal, for the library API and tests
void reset_stop();

}  // namespace smartcamrt
