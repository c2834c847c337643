#include "smartcamrt/sources/text_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "smartcamrt/core/error.hpp"
#include "smartcamrt/pipeline/stop_signal.hpp"
#include "smartcamrt/tasks/text/unicode.hpp"

namespace fs = std::filesystem;

namespace smartcamrt {
namespace {

constexpr int kPollMs = 100;  // how soon a blocked read notices interrupt() or a stop request

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// Nothing but whitespace as Python's str.isspace() sees it (the Python reference loop skips the
// same lines: `if not text.strip()`). Invalid UTF-8 is not blank: it is reported.
bool is_blank(const std::string& line) {
  const size_t other = line.find_first_not_of(" \t\r\n\v\f\x1c\x1d\x1e\x1f");
  if (other == std::string::npos) return true;
  if (static_cast<unsigned char>(line[other]) < 0x80 || text::find_invalid_utf8(line) != std::string::npos) {
    return false;
  }
  const std::u32string codes = text::decode_utf8(line);
  return std::all_of(codes.begin(), codes.end(), text::python_is_space);
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

std::string trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \r");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \r") - first + 1);
}

// Lines from a file descriptor; waits for input in short polls so that interrupt() and Ctrl-C end
// a read blocked on a terminal or pipe.
class LineReader {
 public:
  LineReader(int fd, bool owns, const std::atomic<bool>* interrupted)
      : fd_(fd), owns_(owns), interrupted_(interrupted) {}
  ~LineReader() {
    if (owns_ && fd_ >= 0) ::close(fd_);
  }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its \n (and \r); false at the end of input or when interrupted.
  bool next(std::string& line) {
    for (;;) {
      const size_t newline = buffer_.find('\n', start_);
      if (newline != std::string::npos) {
        take(line, newline, newline + 1);
        return true;
      }
      if (eof_) {
        if (start_ >= buffer_.size()) return false;
        take(line, buffer_.size(), buffer_.size());
        return true;
      }
      if (!fill()) return false;
    }
  }

 private:
  void take(std::string& line, size_t end, size_t next) {
    line.assign(buffer_, start_, end - start_);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (first_line_ && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    first_line_ = false;
    start_ = next;
    if (start_ > (1u << 16) && start_ * 2 > buffer_.size()) {
      buffer_.erase(0, start_);
      start_ = 0;
    }
  }

  bool fill() {
    for (;;) {
      if (interrupted_->load() || stop_requested()) return false;
      pollfd wait{fd_, POLLIN, 0};
      const int ready = ::poll(&wait, 1, kPollMs);
      if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
      char chunk[1 << 16];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n > 0) {
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
      }
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      eof_ = true;  // the end, or an error reading (reported as the end of the texts)
      return true;
    }
  }

  int fd_;
  bool owns_;
  const std::atomic<bool>* interrupted_;
  std::string buffer_;
  size_t start_ = 0;
  bool eof_ = false, first_line_ = true;
};

int open_file(const std::string& spec) {
  const int fd = ::open(spec.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("source '" + spec + "': cannot be read: " + std::strerror(errno));
  return fd;
}

class TextSource final : public FrameSource {
 public:
  // fd < 0: open `spec` as a file (and count its texts up front); else read `fd` as a stream.
  TextSource(const std::string& spec, int fd, TextSourceWarn warn, bool owns_fd = false)
      : warn_(warn ? std::move(warn) : [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }) {
    info_.kind = SourceKind::kText;
    info_.spec = spec;
    tsv_ = fd < 0 && lower_extension(spec) == ".tsv";
    if (fd >= 0) {
      reader_ = std::make_unique<LineReader>(fd, owns_fd, &interrupted_);
      return;
    }
    // A file: check the header and that there is a text at all, then read it afresh lazily.
    {
      LineReader probe(open_file(spec), true, &interrupted_);
      int64_t count = 0;
      std::string line;
      if (tsv_) read_header(probe);
      while (probe.next(line)) {
        std::string text;
        if (text_of(line, text) == Line::kText && text::find_invalid_utf8(text) == std::string::npos) ++count;
      }
      if (count == 0) {
        throw Error("source '" + spec + "': holds no text (" +
                    std::string(tsv_ ? "no data row with a sentence" : "every line is blank or unreadable") + ")");
      }
      info_.frame_count = count;
    }
    reader_ = std::make_unique<LineReader>(open_file(spec), true, &interrupted_);
    if (tsv_) {
      read_header(*reader_);
      line_number_ = 1;
    }
  }

  const SourceInfo& info() const override { return info_; }

  bool read(Frame& frame) override {
    std::string line;
    while (reader_->next(line)) {
      ++line_number_;
      const int64_t index = next_index_++;
      std::string text;
      const Line kind = text_of(line, text);
      if (kind == Line::kBlank) continue;
      if (kind == Line::kNoField) {
        warn(index, "has " + std::to_string(split_tabs(line).size()) + " fields, no '" + std::string(kColumn) +
                        "' (column " + std::to_string(column_ + 1) + ")");
        continue;
      }
      const size_t invalid = text::find_invalid_utf8(text);
      if (invalid != std::string::npos) {
        warn(index, "is not valid UTF-8 (" + text::describe_invalid_utf8(text, invalid) + ")");
        continue;
      }
      frame.image.release();
      frame.text = std::move(text);
      frame.index = index;
      frame.name.clear();
      frame.preread_ms = 0;
      return true;
    }
    return false;
  }

  void interrupt() override { interrupted_.store(true); }

 private:
  static constexpr const char* kColumn = "sentence";

  void read_header(LineReader& reader) {
    std::string header;
    if (!reader.next(header)) throw Error("source '" + info_.spec + "': empty .tsv (no header row)");
    const std::vector<std::string> names = split_tabs(header);
    for (size_t i = 0; i < names.size(); ++i) {
      if (trim(names[i]) == kColumn) {
        column_ = i;
        return;
      }
    }
    std::string listed;
    for (const std::string& name : names) listed += (listed.empty() ? "" : ", ") + trim(name);
    throw Error("source '" + info_.spec + "': a .tsv needs a '" + kColumn +
                "' column in its header row (GLUE "
                "format); its header has: " +
                listed);
  }

  enum class Line { kText, kBlank, kNoField };

  // The text of a line: the whole line, or the sentence field of a .tsv row.
  Line text_of(const std::string& line, std::string& text) const {
    if (is_blank(line)) return Line::kBlank;
    if (!tsv_) {
      text = line;
      return Line::kText;
    }
    std::vector<std::string> fields = split_tabs(line);
    if (fields.size() <= column_) return Line::kNoField;
    if (is_blank(fields[column_])) return Line::kBlank;
    text = std::move(fields[column_]);
    return Line::kText;
  }

  void warn(int64_t index, const std::string& what) {
    warn_("source '" + info_.spec + "': text " + std::to_string(index) + " (line " + std::to_string(line_number_) +
          ") " + what + "; skipped");
  }

  SourceInfo info_;
  TextSourceWarn warn_;
  bool tsv_ = false;
  size_t column_ = 0;
  std::atomic<bool> interrupted_{false};
  std::unique_ptr<LineReader> reader_;
  int64_t line_number_ = 0;  // 1-based, of the line just read
  int64_t next_index_ = 0;
};

}  // namespace

bool is_text_file(const std::string& path) {
  const std::string ext = lower_extension(path);
  return ext == ".txt" || ext == ".tsv";
}

std::unique_ptr<FrameSource> open_text_source(const std::string& spec, TextSourceWarn warn) {
  if (spec == "-") return std::make_unique<TextSource>(spec, STDIN_FILENO, std::move(warn));
  std::error_code ec;
  if (!fs::exists(spec, ec)) throw Error("source '" + spec + "': no such file or folder");
  if (fs::is_directory(spec, ec)) throw Error("source '" + spec + "': is a folder, not a text file");
  if (!fs::is_regular_file(spec, ec)) {  // a named pipe (or a device): read as it comes, like stdin
    return std::make_unique<TextSource>(spec, open_file(spec), std::move(warn), /*owns_fd=*/true);
  }
  return std::make_unique<TextSource>(spec, -1, std::move(warn));
}

std::unique_ptr<FrameSource> open_text_fd(int fd, const std::string& name, TextSourceWarn warn) {
  if (fd < 0) throw Error("source '" + name + "': not an open file descriptor");
  return std::make_unique<TextSource>(name, fd, std::move(warn));
}

}  // namespace smartcamrt
