// UTF-8 validation/decoding and the generated per-code-point tables (spot checks; the tokenizer
// tests compare whole texts with the references).
#include "smartcamrt/tasks/text/unicode.hpp"

#include <gtest/gtest.h>

#include <string>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt::text {
namespace {

std::u32string bert(std::u32string_view text) {
  std::u32string out;
  for (const char32_t c : text) bert_normalize_append(c, out);
  return out;
}

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_EQ(find_invalid_utf8(""), std::string::npos);
  EXPECT_EQ(find_invalid_utf8("plain ascii"), std::string::npos);
  EXPECT_EQ(find_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), std::string::npos);  // é € 😀
  EXPECT_EQ(find_invalid_utf8("\x80"), 0u);              // a stray continuation byte
  EXPECT_EQ(find_invalid_utf8("ok\xC0\x80"), 2u);        // overlong NUL
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\xAF"), 0u);      // overlong 3-byte
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);      // a surrogate
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xF5\x80\x80\x80"), 0u);  // no such lead byte
  EXPECT_EQ(find_invalid_utf8("abc\xE2\x82"), 3u);       // truncated at the end
  EXPECT_EQ(find_invalid_utf8("abc\xE2\x82x"), 3u);      // truncated before ASCII
  EXPECT_EQ(find_invalid_utf8("\xFF"), 0u);
  EXPECT_EQ(describe_invalid_utf8("ab\xFF", 2), "byte 0xff at offset 2");
}

TEST(Utf8, DecodesEncodesAndRefusesInvalidInOneLine) {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  const std::u32string codes = decode_utf8(text);
  EXPECT_EQ(codes, (std::u32string{U'a', 0xE9, 0x20AC, 0x1F600}));
  EXPECT_EQ(encode_utf8(codes), text);
  try {
    decode_utf8("bad \xFF byte");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "not valid UTF-8: byte 0xff at offset 4");
  }
}

TEST(BertTables, NormaliseCodePointsAsTokenizersDoes) {
  EXPECT_EQ(bert(U"Hello"), U"hello");
  EXPECT_EQ(bert(U"\u00C9t\u00E9"), U"ete");            // accents stripped, then lower-cased
  EXPECT_EQ(bert(U"e\u0301"), U"e");                    // a combining mark dropped
  EXPECT_EQ(bert(U"a\tb\nc\rd\u3000e"), U"a b c d e");  // whitespace -> space
  const std::u32string dropped{U'a', 0, U'b', 0xFFFD, U'c', 7, U'd', 0x200B, U'e'};
  EXPECT_EQ(bert(dropped), U"abcde");                     // NUL, U+FFFD, control, format dropped
  EXPECT_EQ(bert(U"\u4E2D\u6587"), U" \u4E2D  \u6587 ");  // CJK ideographs spaced apart
  EXPECT_EQ(bert(U"\uF900"), U" \u8C48 ");                // a compatibility ideograph: NFD then spaced
  EXPECT_EQ(bert(U"\uAC01"), U"\u1100\u1161\u11A8");      // a Hangul syllable: its jamo
  EXPECT_EQ(bert(U"\u0130"), U"i");                       // İ: NFD I + dot (dropped), then lower
  EXPECT_EQ(bert(U"\u00DF"), U"\u00DF");                  // ß stays
  EXPECT_EQ(bert(U"\u0898"), U"\u0898");  // Mn since Unicode 14, unknown to tokenizers' tables: kept, as there
  EXPECT_TRUE(bert_is_punctuation(U'!'));
  EXPECT_TRUE(bert_is_punctuation(U'$'));     // ASCII punctuation includes symbols
  EXPECT_TRUE(bert_is_punctuation(0x00BF));   // ¿
  EXPECT_TRUE(bert_is_punctuation(0x2014));   // —
  EXPECT_FALSE(bert_is_punctuation(0x20AC));  // € is a symbol, not punctuation
  EXPECT_FALSE(bert_is_punctuation(U'a'));
  EXPECT_TRUE(is_cjk_ideograph(0x4E00));
  EXPECT_FALSE(is_cjk_ideograph(0x3042));  // hiragana is not
  EXPECT_NE(std::string(bert_tables_reference()).find("tokenizers"), std::string::npos);
}

TEST(PythonTables, LowerCaseWithFinalSigmaSpaceAndWordCharacters) {
  EXPECT_EQ(python_lower(U"ABC \u00C9"), U"abc \u00E9");
  EXPECT_EQ(python_lower(U"\u0130"), U"i\u0307");  // İ -> i + combining dot, as str.lower()
  // Σ at the end of a word is ς, elsewhere σ (CPython's Final_Sigma).
  EXPECT_EQ(python_lower(U"\u039F\u0394\u039F\u03A3"), U"\u03BF\u03B4\u03BF\u03C2");
  EXPECT_EQ(python_lower(U"\u03A3\u0391"), U"\u03C3\u03B1");
  EXPECT_EQ(python_lower(U"\u03A3"), U"\u03C3");
  EXPECT_EQ(python_lower(U"\u0391\u03A3'"), U"\u03B1\u03C2'");
  EXPECT_EQ(python_lower(U"\u0391\u03A3'\u0391"), U"\u03B1\u03C3'\u03B1");  // ' is case-ignorable
  EXPECT_TRUE(python_is_space(U' '));
  EXPECT_TRUE(python_is_space(0x1C));  // str.isspace() takes the ASCII separators
  EXPECT_TRUE(python_is_space(0x3000));
  EXPECT_FALSE(python_is_space(0x200B));
  EXPECT_TRUE(python_is_word(U'_'));
  EXPECT_TRUE(python_is_word(0xE9));
  EXPECT_TRUE(python_is_word(0x0663));  // Arabic-Indic digit
  EXPECT_FALSE(python_is_word(U'\''));
  EXPECT_FALSE(python_is_word(U'-'));
}

}  // namespace
}  // namespace smartcamrt::text
