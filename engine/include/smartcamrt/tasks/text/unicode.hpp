#pragma once
// UTF-8 and the per-code-point facts the text tokenizers need, from tables generated once by
// scripts/text/gen_unicode_tables.py out of each tokenizer's reference: HuggingFace `tokenizers`
// (BertNormalizer, BertPreTokenizer) for WordPiece, Python's `str` for the word tokenizers.
// Pure functions; any thread.
#include <cstddef>
#include <string>
#include <string_view>

namespace smartcamrt::text {

// Where the first byte of `text` that is not well-formed UTF-8 lies (a stray continuation byte, a
// truncated or overlong sequence, a surrogate, a code point above U+10FFFF); npos when none is.
size_t find_invalid_utf8(std::string_view text);

// "byte 0xff at offset 3" for the invalid byte at `offset`, for one-line errors.
std::string describe_invalid_utf8(std::string_view text, size_t offset);

// Decodes well-formed UTF-8; throws Error ("not valid UTF-8: byte 0xff at offset 3") otherwise.
std::u32string decode_utf8(std::string_view text);
void append_utf8(std::string& out, char32_t code);
std::string encode_utf8(std::u32string_view codes);

// BERT (tokenizers' BertNormalizer with clean_text, handle_chinese_chars, strip_accents and
// lowercase, as the uncased models use it): appends what it makes of one code point, which may be
// nothing (a control or nonspacing mark), a space (whitespace), the code point spaced apart (a CJK
// ideograph) or other code points (accent stripped, lower-cased; a Hangul syllable's jamo).
void bert_normalize_append(char32_t code, std::u32string& out);
// BertPreTokenizer's punctuation: ASCII punctuation and Unicode P* (as `tokenizers` knows them).
bool bert_is_punctuation(char32_t code);
// BERT's "Chinese character" blocks (CJK Unified Ideographs and extensions, compatibility ideographs).
bool is_cjk_ideograph(char32_t code);

// Python `str` facts: str.lower() (code point by code point, and its one context rule: a capital
// sigma ending a word becomes a final sigma); str.isspace() (the regex \s); the regex \w.
std::u32string python_lower(std::u32string_view text);
bool python_is_space(char32_t code);
bool python_is_word(char32_t code);

// The references the tables were generated from ("tokenizers 0.23.3", "Python 3.11.7, unicodedata 14.0.0").
const char* bert_tables_reference();
const char* python_tables_reference();

}  // namespace smartcamrt::text
