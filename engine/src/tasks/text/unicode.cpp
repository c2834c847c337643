#include "smartcamrt/tasks/text/unicode.hpp"

#include <algorithm>
#include <cstdio>

#include "smartcamrt/core/error.hpp"
#include "unicode_tables.hpp"

namespace smartcamrt::text {
namespace {

using text_tables::CodeMapping;
using text_tables::CodeRange;

bool in_ranges(const CodeRange* table, size_t size, char32_t code) {
  const CodeRange* end = table + size;
  const CodeRange* it = std::upper_bound(table, end, code, [](char32_t c, const CodeRange& r) { return c < r.first; });
  return it != table && code <= (it - 1)->last;
}

const char* find_mapping(const CodeMapping* table, size_t size, char32_t code) {
  const CodeMapping* end = table + size;
  const CodeMapping* it =
      std::lower_bound(table, end, code, [](const CodeMapping& m, char32_t c) { return m.code < c; });
  return it != end && it->code == code ? it->utf8 : nullptr;
}

// The tables hold well-formed UTF-8 (generated); decode without checks.
void append_decoded(const char* utf8, std::u32string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(utf8);
  while (*p) {
    char32_t code;
    if (*p < 0x80) {
      code = *p++;
    } else if (*p < 0xE0) {
      code = static_cast<char32_t>(((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu));
      p += 2;
    } else if (*p < 0xF0) {
      code = static_cast<char32_t>(((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu));
      p += 3;
    } else {
      code = static_cast<char32_t>(((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
                                   (p[3] & 0x3Fu));
      p += 4;
    }
    out.push_back(code);
  }
}

// The length of the well-formed sequence starting at `i` (Unicode Table 3-7), 0 when it is not one.
size_t sequence_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte, C0/C1 (overlong) or F5..FF
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

constexpr char32_t kHangulFirst = 0xAC00, kHangulCount = 11172;

}  // namespace

size_t find_invalid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = sequence_length(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

std::string describe_invalid_utf8(std::string_view text, size_t offset) {
  char buffer[64];
  if (offset >= text.size()) {
    std::snprintf(buffer, sizeof buffer, "a truncated sequence at offset %zu", offset);
  } else {
    std::snprintf(buffer, sizeof buffer, "byte 0x%02x at offset %zu", static_cast<unsigned char>(text[offset]), offset);
  }
  return buffer;
}

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t length = sequence_length(text, i);
    if (length == 0) throw Error("not valid UTF-8: " + describe_invalid_utf8(text, i));
    const auto byte = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(text[i + k])); };
    char32_t code = 0;
    switch (length) {
      case 1: code = byte(0); break;
      case 2: code = ((byte(0) & 0x1F) << 6) | (byte(1) & 0x3F); break;
      case 3: code = ((byte(0) & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F); break;
      default: code = ((byte(0) & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) | (byte(3) & 0x3F);
    }
    out.push_back(code);
    i += length;
  }
  return out;
}

void append_utf8(std::string& out, char32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

std::string encode_utf8(std::u32string_view codes) {
  std::string out;
  out.reserve(codes.size());
  for (const char32_t code : codes) append_utf8(out, code);
  return out;
}

bool is_cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

void bert_normalize_append(char32_t code, std::u32string& out) {
  if (code < 0x80) {  // ASCII: controls dropped, tab/newline/CR a space, letters lower-cased
    if (code == '\t' || code == '\n' || code == '\r') {
      out.push_back(U' ');
    } else if (code < 0x20 || code == 0x7F) {
      return;
    } else {
      out.push_back(code >= 'A' && code <= 'Z' ? code + 32 : code);
    }
    return;
  }
  using namespace text_tables;
  if (in_ranges(kBertRemoved, kBertRemoved_size, code)) return;
  if (in_ranges(kBertSpace, kBertSpace_size, code)) {
    out.push_back(U' ');
    return;
  }
  if (code >= kHangulFirst && code < kHangulFirst + kHangulCount) {  // NFD: Unicode's algorithm
    const char32_t index = code - kHangulFirst;
    out.push_back(0x1100 + index / 588);
    out.push_back(0x1161 + (index % 588) / 28);
    if (index % 28 != 0) out.push_back(0x11A7 + index % 28);
    return;
  }
  const bool cjk = is_cjk_ideograph(code);
  if (cjk) out.push_back(U' ');
  if (const char* mapped = find_mapping(kBertMapped, kBertMapped_size, code)) {
    append_decoded(mapped, out);
  } else {
    out.push_back(code);
  }
  if (cjk) out.push_back(U' ');
}

bool bert_is_punctuation(char32_t code) {
  return in_ranges(text_tables::kBertPunctuation, text_tables::kBertPunctuation_size, code);
}

namespace {

bool python_case_ignorable(char32_t code) {
  return in_ranges(text_tables::kPythonCaseIgnorable, text_tables::kPythonCaseIgnorable_size, code);
}
bool python_cased(char32_t code) { return in_ranges(text_tables::kPythonCased, text_tables::kPythonCased_size, code); }

// CPython's handle_capital_sigma: cased, case-ignorables, U+03A3, not (case-ignorables, cased).
bool final_sigma(std::u32string_view text, size_t i) {
  size_t j = i;
  while (j > 0 && python_case_ignorable(text[j - 1])) --j;
  if (j == 0 || !python_cased(text[j - 1])) return false;
  size_t k = i + 1;
  while (k < text.size() && python_case_ignorable(text[k])) ++k;
  return k == text.size() || !python_cased(text[k]);
}

}  // namespace

std::u32string python_lower(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t code = text[i];
    if (code < 0x80) {
      out.push_back(code >= 'A' && code <= 'Z' ? code + 32 : code);
    } else if (code == 0x3A3) {
      out.push_back(final_sigma(text, i) ? 0x3C2 : 0x3C3);
    } else if (const char* mapped = find_mapping(text_tables::kPythonLower, text_tables::kPythonLower_size, code)) {
      append_decoded(mapped, out);
    } else {
      out.push_back(code);
    }
  }
  return out;
}

bool python_is_space(char32_t code) {
  return in_ranges(text_tables::kPythonSpace, text_tables::kPythonSpace_size, code);
}

bool python_is_word(char32_t code) {
  if (code < 0x80)
    return (code >= 'a' && code <= 'z') || (code >= 'A' && code <= 'Z') || (code >= '0' && code <= '9') || code == '_';
  return in_ranges(text_tables::kPythonWord, text_tables::kPythonWord_size, code);
}

const char* bert_tables_reference() { return text_tables::kBertReference; }
const char* python_tables_reference() { return text_tables::kPythonReference; }

}  // namespace smartcamrt::text
