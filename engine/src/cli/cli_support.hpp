#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace smartcamrt::cli {

// Parses with CLI11 and runs `body`, turning every failure into one line on stderr and an exit
// code: usage errors 2, set-up errors (smartcamrt::Error) 2, anything unexpected 1.
int run_guarded(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

// Logical CPUs online: the default thread count.
int default_threads();

}  // namespace smartcamrt::cli
