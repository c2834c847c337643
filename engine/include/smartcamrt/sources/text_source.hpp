#pragma once
// Text sources, one text per item (Frame::text, UTF-8):
//  - a .txt file: one text per line;
//  - a .tsv file whose header row names a `sentence` column (GLUE's SST-2 format: a field is all
//    between two tabs, no quoting): one text per data row;
//  - "-": standard input, one text per line, each handed on as soon as its line ends (an
//    interactive stream: type a sentence, get its answer); a .txt that is a named pipe reads the same way.
// Lines end at \n; a \r before it and a UTF-8 byte order mark at the start are dropped.
// Frame::index is the text's position in the source (0-based line of a .txt or stdin, 0-based data
// row of a .tsv), so answers can be matched to rows even where rows were skipped.
// Skipped, and never answered: blank lines (nothing but whitespace as Python's str.isspace() sees it:
// spaces, tabs, U+00A0, U+3000...; no sentence to classify, and the Python reference loop skips the
// same), silently; a line that is not valid UTF-8, or a .tsv row without a sentence field, with one line
// naming it through `warn` (stderr by default), e.g.
//   source 'dev.tsv': text 12 (line 14) is not valid UTF-8 (byte 0xff at offset 3); skipped
// Opening throws Error with a one-line message (no such file, a .tsv without a `sentence` column,
// a file without any text).
#include <functional>
#include <memory>
#include <string>

#include "smartcamrt/sources/source.hpp"

namespace smartcamrt {

using TextSourceWarn = std::function<void(const std::string& line)>;

// Whether open_source() takes `path` for a text file (.txt or .tsv, any case).
bool is_text_file(const std::string& path);

// `spec` is a .txt/.tsv path or "-" (standard input).
std::unique_ptr<FrameSource> open_text_source(const std::string& spec, TextSourceWarn warn = {});

// Texts read from an open file descriptor, one per line, as standard input is (for tests and
// embedding: a pipe or socket). The source does not close `fd`.
std::unique_ptr<FrameSource> open_text_fd(int fd, const std::string& name, TextSourceWarn warn = {});

}  // namespace smartcamrt
