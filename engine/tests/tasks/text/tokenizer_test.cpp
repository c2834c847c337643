// The C++ tokenizers against their references: HuggingFace `tokenizers` (WordPiece, the
// all-MiniLM-L6-v2 vocabulary) and the Python definitions of the word tokenizers, on hand-picked texts
// (full ids) and on every sentence of SST-2 train and dev (block hashes), both written by
// scripts/text/tokenizer_golden.py. The SST-2 texts are read by the engine's own .tsv source.
#include "smartcamrt/tasks/text/tokenizer.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../../support/process.hpp"
#include "../../support/tiny_onnx.hpp"
#include "../../support/tiny_text_models.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/sources/text_source.hpp"

namespace smartcamrt {
namespace {

constexpr uint64_t kFnvOffset = 0xCBF29CE484222325ull, kFnvPrime = 0x100000001B3ull;

void fnv(uint64_t& state, const void* data, size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) state = (state ^ bytes[i]) * kFnvPrime;
}

std::string hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

TokenizerConfig minilm_config() {
  TokenizerConfig config;
  config.kind = "wordpiece";
  config.vocab_path = testing::minilm_vocab();
  config.max_length = 128;
  return config;
}

// The word tokenizers need a vocabulary with their special tokens; the golden data are token strings.
std::shared_ptr<const Tokenizer> word_tokenizer(const std::string& kind) {
  static const std::string dir = testing::make_temp_dir("word-vocab");
  TokenizerConfig config;
  config.kind = kind;
  config.max_length = 1000000;
  if (kind == "words") {
    config.vocab_path = dir + "/words.txt";
    std::ofstream(config.vocab_path) << "<pad>\n<unk>\nthe\n";
    config.unk_token = "<unk>";
    config.pad_token = "<pad>";
  } else {
    config.vocab_path = dir + "/model-maker.txt";
    std::ofstream(config.vocab_path) << "<PAD> 0\n<START> 1\n<UNKNOWN> 2\nthe 3\n";
    config.unk_token = "<UNKNOWN>";
    config.pad_token = "<PAD>";
  }
  return load_tokenizer(config);
}

nlohmann::json golden_cases() {
  std::ifstream in(testing::text_golden_dir() + "/tokenizer_cases.json");
  return nlohmann::json::parse(in);
}

TEST(WordPieceTokenizer, EqualsTokenizersOnHandPickedTexts) {
  const auto tokenizer = load_tokenizer(minilm_config());
  const nlohmann::json doc = golden_cases();
  ASSERT_EQ(doc["max_length"], 128);
  ASSERT_GE(doc["cases"].size(), 30u);
  for (const auto& c : doc["cases"]) {
    const std::string text = c["text"];
    const Encoding encoding = tokenizer->encode(text);
    EXPECT_EQ(encoding.ids, c["wordpiece_ids"].get<std::vector<int64_t>>()) << "text: " << text;
    EXPECT_EQ(encoding.attention_mask, std::vector<int64_t>(encoding.ids.size(), 1));
    std::vector<std::string> expected = c["wordpiece_tokens"];
    expected.erase(expected.begin());  // [CLS]
    expected.pop_back();               // [SEP]
    if (!encoding.truncated) {
      EXPECT_EQ(tokenizer->tokenize(text), expected) << "text: " << text;
    }
  }
}

TEST(WordTokenizers, EqualTheirPythonDefinitionsOnHandPickedTexts) {
  const auto words = word_tokenizer("words");
  const auto model_maker = word_tokenizer("model-maker");
  for (const auto& c : golden_cases()["cases"]) {
    const std::string text = c["text"];
    EXPECT_EQ(words->tokenize(text), c["words_tokens"].get<std::vector<std::string>>()) << "text: " << text;
    EXPECT_EQ(model_maker->tokenize(text), c["model_maker_tokens"].get<std::vector<std::string>>()) << "text: " << text;
  }
}

// Every sentence of SST-2 train and dev: ids (WordPiece) and token strings (the word tokenizers)
// hashed per block of texts, as the golden file holds them.
TEST(Tokenizers, EqualTheReferencesOnEverySst2Sentence) {
  const auto wordpiece = load_tokenizer(minilm_config());
  const auto words = word_tokenizer("words");
  const auto model_maker = word_tokenizer("model-maker");
  std::ifstream golden(testing::text_golden_dir() + "/sst2_hashes.txt");
  ASSERT_TRUE(golden) << "no golden file: run scripts/text/tokenizer_golden.py";
  std::map<std::string, std::vector<std::string>> texts;
  for (const char* split : {"train", "dev"}) {
    auto source = open_text_source(testing::assets_dir() + "/text/sst2/" + split + ".tsv");
    Frame frame;
    while (source->read(frame)) texts[split].push_back(frame.text);
  }
  ASSERT_EQ(texts["train"].size(), 67349u);
  ASSERT_EQ(texts["dev"].size(), 872u);
  size_t checked = 0, mismatched = 0;
  std::string line;
  while (std::getline(golden, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string split, want_ids, want_words, want_model_maker;
    size_t start = 0, count = 0;
    fields >> split >> start >> count >> want_ids >> want_words >> want_model_maker;
    const std::vector<std::string>& all = texts[split];
    ASSERT_LE(start + count, all.size()) << line;
    uint64_t ids_hash = kFnvOffset, words_hash = kFnvOffset, model_maker_hash = kFnvOffset;
    const int64_t close_ids = -1;
    const auto hash_tokens = [](uint64_t& state, const std::vector<std::string>& tokens) {
      for (const std::string& token : tokens) fnv(state, token.c_str(), token.size() + 1);  // with its NUL
      const char close = '\x01';
      fnv(state, &close, 1);
    };
    for (size_t i = start; i < start + count; ++i) {
      const Encoding encoding = wordpiece->encode(all[i]);
      fnv(ids_hash, encoding.ids.data(), encoding.ids.size() * sizeof(int64_t));  // little-endian hosts
      fnv(ids_hash, &close_ids, sizeof close_ids);
      hash_tokens(words_hash, words->tokenize(all[i]));
      hash_tokens(model_maker_hash, model_maker->tokenize(all[i]));
    }
    checked += count;
    for (const auto& [name, got, want] :
         {std::tuple<const char*, uint64_t, std::string>{"wordpiece", ids_hash, want_ids},
          {"words", words_hash, want_words},
          {"model-maker", model_maker_hash, want_model_maker}}) {
      if (hex(got) == want) continue;
      if (++mismatched <= 5) {
        ADD_FAILURE() << name << " differs from the reference in " << split << " texts " << start << ".."
                      << start + count - 1 << " (see: .venv/bin/python scripts/text/tokenizer_golden.py --show "
                      << split << ":" << start << ")";
      }
    }
  }
  EXPECT_EQ(checked, 67349u + 872u);
  EXPECT_EQ(mismatched, 0u);
}

TEST(WordPieceTokenizer, TruncatesKeepingClsAndSepAndMarksUnknownWords) {
  TokenizerConfig config = minilm_config();
  config.max_length = 8;
  const auto tokenizer = load_tokenizer(config);
  std::string long_text;
  for (int i = 0; i < 10000; ++i) long_text += "word ";
  const Encoding encoding = tokenizer->encode(long_text);
  ASSERT_EQ(encoding.length(), 8u);
  EXPECT_TRUE(encoding.truncated);
  EXPECT_EQ(encoding.ids.front(), 101);  // [CLS]
  EXPECT_EQ(encoding.ids.back(), 102);   // [SEP]
  EXPECT_EQ(encoding.ids[1], 2773);      // "word"
  const Encoding fits = tokenizer->encode("one two three four five six");
  EXPECT_EQ(fits.length(), 8u);
  EXPECT_FALSE(fits.truncated);
  EXPECT_EQ(tokenizer->encode("").ids, (std::vector<int64_t>{101, 102}));
  EXPECT_EQ(tokenizer->tokenize(std::string(101, 'a') + " " + std::string(100, 'a')).front(), "[UNK]");
  EXPECT_EQ(tokenizer->pad_id(), 0);
  EXPECT_EQ(tokenizer->vocab_size(), 30522u);
}

TEST(Tokenizers, RefuseInvalidUtf8InOneLine) {
  const auto tokenizer = load_tokenizer(minilm_config());
  for (const auto& t : {tokenizer, word_tokenizer("words"), word_tokenizer("model-maker")}) {
    try {
      t->encode("caf\xC3 au lait");
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), "not valid UTF-8: byte 0xc3 at offset 3");
    }
  }
}

TEST(WordTokenizers, EncodeWithUnknownTruncationAndModelMakerPadding) {
  const std::string dir = testing::make_temp_dir("words-encode");
  TokenizerConfig words;
  words.kind = "words";
  words.vocab_path = dir + "/vocab.txt";
  words.unk_token = "<unk>";
  words.pad_token = "<pad>";
  words.max_length = 4;
  std::ofstream(words.vocab_path) << "<pad>\n<unk>\ngood\nmovie\n!\n";
  const auto tokenizer = load_tokenizer(words);
  EXPECT_EQ(tokenizer->encode("Good movie!").ids, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(tokenizer->encode("good BAD movie").ids, (std::vector<int64_t>{2, 1, 3}));
  const Encoding cut = tokenizer->encode("good good good good good");
  EXPECT_EQ(cut.ids, (std::vector<int64_t>{2, 2, 2, 2}));
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(tokenizer->encode(" \u3000 ").ids, (std::vector<int64_t>{0}));  // no token: one <pad>

  TokenizerConfig mm;
  mm.kind = "model-maker";
  mm.vocab_path = dir + "/mm.txt";
  mm.unk_token = "<UNKNOWN>";
  mm.pad_token = "<PAD>";
  mm.max_length = 6;
  std::ofstream(mm.vocab_path) << "<PAD> 0\n<START> 1\n<UNKNOWN> 2\ngood 7\nit's 9\n";
  const auto maker = load_tokenizer(mm);
  const Encoding padded = maker->encode("It's GOOD, really");
  EXPECT_EQ(padded.ids, (std::vector<int64_t>{1, 9, 7, 2, 0, 0}));
  EXPECT_EQ(padded.attention_mask, (std::vector<int64_t>{1, 1, 1, 1, 0, 0}));
  EXPECT_TRUE(maker->encode("good good good good good good").truncated);
  EXPECT_EQ(maker->encode("good good good good good good").ids, (std::vector<int64_t>{1, 7, 7, 7, 7, 7}));
}

TEST(Tokenizers, VocabularyProblemsAreOneLineErrorsNamingTheFile) {
  const std::string dir = testing::make_temp_dir("vocab-errors");
  const auto error_of = [](const TokenizerConfig& config) {
    try {
      load_tokenizer(config);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  TokenizerConfig config;
  config.kind = "wordpiece";
  config.vocab_path = dir + "/absent.txt";
  EXPECT_EQ(error_of(config), "tokenizer vocabulary '" + dir + "/absent.txt': no such file");
  config.vocab_path = dir + "/no-cls.txt";
  std::ofstream(config.vocab_path) << "[PAD]\n[UNK]\n[SEP]\n";
  EXPECT_EQ(error_of(config),
            "tokenizer vocabulary '" + config.vocab_path + "': has no '[CLS]' (the manifest's cls_token)");
  config.vocab_path = dir + "/empty.txt";
  std::ofstream(config.vocab_path) << "";
  EXPECT_EQ(error_of(config), "tokenizer vocabulary '" + config.vocab_path + "': is empty");
  config.kind = "model-maker";
  config.vocab_path = dir + "/bad-line.txt";
  std::ofstream(config.vocab_path) << "<PAD> 0\nnoid\n";
  EXPECT_EQ(error_of(config),
            "tokenizer vocabulary '" + config.vocab_path + "': line 2 is not 'word id' (a model-maker vocabulary)");
  config.kind = "sentencepiece";
  EXPECT_EQ(error_of(config), "tokenizer kind 'sentencepiece' is unknown (known: model-maker, wordpiece, words)");
}

TEST(Tokenizers, OneVocabularyIsLoadedOnceAndShared) {
  const auto a = load_tokenizer(minilm_config());
  const auto b = load_tokenizer(minilm_config());
  EXPECT_EQ(a.get(), b.get());
  TokenizerConfig other = minilm_config();
  other.max_length = 64;
  EXPECT_NE(load_tokenizer(other).get(), a.get());
}

}  // namespace
}  // namespace smartcamrt
