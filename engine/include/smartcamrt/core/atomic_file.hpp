#pragma once
// Replacing a file so that a reader (or a power cut) sees either the old content or the new, never
// half of it: write a temporary file beside it, fsync it, rename it over the target, fsync the folder.
#include <string>

namespace smartcamrt {

// Throws Error naming the file when it cannot be written.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace smartcamrt
