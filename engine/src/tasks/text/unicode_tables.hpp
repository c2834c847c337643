#pragma once
// The generated per-code-point tables (unicode_tables.cpp, written by scripts/text/gen_unicode_tables.py).
// Sorted by code point; looked up by binary search in unicode.cpp.
#include <cstddef>

namespace smartcamrt::text_tables {

struct CodeRange {
  char32_t first, last;  // inclusive
};

struct CodeMapping {
  char32_t code;
  const char* utf8;  // what the code point becomes (one or more code points, UTF-8)
};

extern const char* const kBertReference;
extern const char* const kPythonReference;

extern const CodeRange kBertRemoved[];
extern const size_t kBertRemoved_size;
extern const CodeRange kBertSpace[];
extern const size_t kBertSpace_size;
extern const CodeMapping kBertMapped[];
extern const size_t kBertMapped_size;
extern const CodeRange kBertPunctuation[];
extern const size_t kBertPunctuation_size;

extern const CodeMapping kPythonLower[];
extern const size_t kPythonLower_size;
extern const CodeRange kPythonCaseIgnorable[];
extern const size_t kPythonCaseIgnorable_size;
extern const CodeRange kPythonCased[];
extern const size_t kPythonCased_size;
extern const CodeRange kPythonSpace[];
extern const size_t kPythonSpace_size;
extern const CodeRange kPythonWord[];
extern const size_t kPythonWord_size;

}  // namespace smartcamrt::text_tables
