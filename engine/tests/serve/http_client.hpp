#pragma once
// A minimal HTTP/1.1 client over plain sockets for the live view's tests: full control over how
// (and how slowly) a response is read, which a library client would hide.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <string>

namespace smartcamrt::testing {

// A connected socket to host:port, or -1. Reads time out after `timeout_ms` (a test never hangs).
inline int connect_to(const std::string& host, int port, int timeout_ms = 5000, int receive_buffer = 0) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (receive_buffer > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline bool send_all(int fd, const std::string& data) {
  for (size_t sent = 0; sent < data.size();) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

inline std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

struct HttpHead {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
};

// Parses "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\n" (without the body).
inline HttpHead parse_head(const std::string& head) {
  HttpHead out;
  if (head.rfind("HTTP/1.", 0) == 0 && head.size() > 12) out.status = std::atoi(head.c_str() + 9);
  for (size_t line = head.find("\r\n"); line != std::string::npos && line + 2 < head.size();) {
    const size_t next = head.find("\r\n", line + 2);
    const std::string text = head.substr(line + 2, (next == std::string::npos ? head.size() : next) - line - 2);
    const size_t colon = text.find(':');
    if (colon != std::string::npos) {
      size_t value = colon + 1;
      while (value < text.size() && text[value] == ' ') ++value;
      out.headers[lower(text.substr(0, colon))] = text.substr(value);
    }
    line = next;
  }
  return out;
}

// Undoes chunked transfer coding from the front of `raw` into `body`; true once the last chunk is seen.
inline bool dechunk(std::string& raw, std::string& body) {
  for (;;) {
    const size_t line_end = raw.find("\r\n");
    if (line_end == std::string::npos) return false;
    const size_t size = std::strtoul(raw.c_str(), nullptr, 16);
    if (size == 0) return line_end > 0;
    if (raw.size() < line_end + 2 + size + 2) return false;
    body.append(raw, line_end + 2, size);
    raw.erase(0, line_end + 2 + size + 2);
  }
}

struct HttpResponse : HttpHead {
  std::string body;
};

// One request on a fresh connection; reads the whole response (the server closes after it).
inline HttpResponse http_request(int port, const std::string& method, const std::string& path,
                                 const std::string& body = "", const std::string& host = "127.0.0.1") {
  HttpResponse response;
  const int fd = connect_to(host, port);
  if (fd < 0) return response;
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n";
  if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  send_all(fd, request + "\r\n" + body);
  std::string raw;
  char buffer[8192];
  for (ssize_t n; (n = recv(fd, buffer, sizeof(buffer), 0)) > 0;) raw.append(buffer, static_cast<size_t>(n));
  close(fd);
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return response;
  static_cast<HttpHead&>(response) = parse_head(raw.substr(0, head_end + 2));
  std::string rest = raw.substr(head_end + 4);
  if (lower(response.headers["transfer-encoding"]) == "chunked") {
    dechunk(rest, response.body);
  } else {
    response.body = rest;
  }
  return response;
}

// Reads an MJPEG response (multipart/x-mixed-replace) part by part, as slowly as the test likes.
class MjpegReader {
 public:
  MjpegReader(int port, const std::string& path, int receive_buffer = 0) {
    fd_ = connect_to("127.0.0.1", port, 5000, receive_buffer);
    if (fd_ < 0) return;
    send_all(fd_, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    while (raw_.find("\r\n\r\n") == std::string::npos) {
      if (!read_more()) return;
    }
    const size_t head_end = raw_.find("\r\n\r\n");
    head_ = parse_head(raw_.substr(0, head_end + 2));
    raw_.erase(0, head_end + 4);
    const std::string type = head_.headers["content-type"];
    const size_t b = type.find("boundary=");
    if (b != std::string::npos) boundary_ = type.substr(b + 9);
    chunked_ = lower(head_.headers["transfer-encoding"]) == "chunked";
    if (chunked_) {
      ended_ = dechunk(raw_, body_);
    } else {
      body_.swap(raw_);
    }
  }
  ~MjpegReader() { close_now(); }
  MjpegReader(const MjpegReader&) = delete;
  MjpegReader& operator=(const MjpegReader&) = delete;

  const HttpHead& head() const { return head_; }
  const std::string& boundary() const { return boundary_; }

  // The next part's body (a JPEG); empty when the response ends or nothing comes within the timeout.
  std::string next_part() {
    for (;;) {
      const std::string delimiter = "--" + boundary_ + "\r\n";
      const size_t start = body_.find(delimiter);
      const size_t head_end = start == std::string::npos ? start : body_.find("\r\n\r\n", start);
      if (head_end != std::string::npos) {
        const HttpHead part = parse_head("HTTP/1.1 0\r\n" + body_.substr(start + delimiter.size(), head_end - start));
        const auto length = part.headers.find("content-length");
        if (length == part.headers.end()) return "";
        const size_t size = std::strtoul(length->second.c_str(), nullptr, 10);
        if (body_.size() >= head_end + 4 + size) {
          std::string jpeg = body_.substr(head_end + 4, size);
          body_.erase(0, head_end + 4 + size);
          return jpeg;
        }
      }
      if (ended_ || !read_more()) return "";
    }
  }

  // Whether the server ends the response (or closes) within the read timeout.
  bool ends() {
    while (!ended_) {
      if (!read_more()) return ended_ || eof_;
    }
    return true;
  }

  void close_now() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  bool read_more() {
    if (fd_ < 0) return false;
    char buffer[16384];
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      eof_ = n == 0;
      return false;
    }
    if (head_.status == 0) {
      raw_.append(buffer, static_cast<size_t>(n));
    } else if (chunked_) {
      raw_.append(buffer, static_cast<size_t>(n));
      ended_ = dechunk(raw_, body_);
    } else {
      body_.append(buffer, static_cast<size_t>(n));
    }
    return true;
  }

  int fd_ = -1;
  HttpHead head_;
  std::string boundary_, raw_, body_;
  bool chunked_ = false, ended_ = false, eof_ = false;
};

inline bool is_jpeg(const std::string& bytes) {
  return bytes.size() > 4 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
         static_cast<unsigned char>(bytes[1]) == 0xD8 && static_cast<unsigned char>(bytes[bytes.size() - 2]) == 0xFF &&
         static_cast<unsigned char>(bytes[bytes.size() - 1]) == 0xD9;
}

}  // namespace smartcamrt::testing
