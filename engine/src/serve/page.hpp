#pragma once
// The live view's page: one self-contained HTML document (inline CSS and script, no external
// resources, so it works on a camera box without internet and leaks nothing to a CDN).
#include <cstddef>
#include <string>

namespace smartcamrt {

// A view (an <img> of its MJPEG and a table of figures) per stream; the script fills the figures
// from /stats.json every 500 ms, writing data as text only (never as HTML).
std::string live_page_html(size_t streams);

// The Content-Security-Policy the page is served with: nothing but this server, inline code allowed.
const char* live_page_csp();

}  // namespace smartcamrt
