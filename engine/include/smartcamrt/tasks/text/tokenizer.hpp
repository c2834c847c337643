#pragma once
// Text tokenizers in C++, each equal to a reference (tested on every sentence of SST-2 train and dev):
//
//  - "wordpiece": BERT uncased, as HuggingFace `tokenizers` (BertNormalizer + BertPreTokenizer +
//    WordPiece + the [CLS] A [SEP] template): clean-up (controls, U+FFFD dropped, whitespace made a
//    space), CJK ideographs spaced apart, accents stripped (NFD, nonspacing marks dropped),
//    lower-cased, split on whitespace and punctuation, greedy longest-match-first with "##"
//    continuations, a word longer than max_chars_per_word (100) code points -> [UNK], truncated to max_length with
//    [CLS]/[SEP] kept. Vocabulary: vocab.txt, one token per line, the line number is the id.
//  - "words": the LSTM's word vocabulary, as the training code (Python) defines it:
//    re.findall(r"[a-z0-9']+|[^\sa-z0-9']", text.lower()), unknown words -> unk_token, truncated to
//    max_length. A text without any token is given as one pad_token. Vocabulary: one token per line.
//  - "model-maker": TensorFlow Lite Model Maker's text classifiers (the average-word-vector model in
//    the assets): text.lower(), split on re [^\w']+, start_token first, unknown -> unk_token,
//    truncated and padded (pad_token) to max_length. Vocabulary: "word id" per line.
//
// Invalid UTF-8 is refused with Error ("not valid UTF-8: byte 0xff at offset 3").
// A Tokenizer is immutable once loaded: any number of threads may use one (it is the model state
// that every task instance of a model shares; load_tokenizer() hands out the same one).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace smartcamrt {

struct TokenizerConfig {
  std::string kind;        // "wordpiece", "words", "model-maker"
  std::string vocab_path;  // the vocabulary file
  bool lower_case = true;
  int max_length = 128;          // tokens fed to the model, special tokens included
  int max_chars_per_word = 100;  // wordpiece: a longer word is unk_token
  std::string cls_token = "[CLS]", sep_token = "[SEP]";
  std::string unk_token = "[UNK]", pad_token = "[PAD]";
  std::string start_token = "<START>";  // model-maker only
};

struct Encoding {
  std::vector<int64_t> ids;
  std::vector<int64_t> attention_mask;  // 1 for a token of the text or a special token, 0 for padding
  bool truncated = false;               // the text had more tokens than max_length allows
  size_t length() const { return ids.size(); }
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  const TokenizerConfig& config() const { return config_; }
  size_t vocab_size() const { return vocab_size_; }
  int64_t pad_id() const { return pad_id_; }

  // Ids (special tokens and, for model-maker, padding included) and mask. Throws Error on invalid UTF-8.
  virtual Encoding encode(std::string_view text) const = 0;
  // The text's tokens as strings, before ids, special tokens, truncation and padding (the word
  // tokenizers' unknown words stay as they are). Throws Error on invalid UTF-8.
  virtual std::vector<std::string> tokenize(std::string_view text) const = 0;

 protected:
  explicit Tokenizer(TokenizerConfig config) : config_(std::move(config)) {}
  TokenizerConfig config_;
  size_t vocab_size_ = 0;
  int64_t pad_id_ = 0;
};

// Loads the vocabulary and checks that the special tokens are in it; throws Error naming the
// vocabulary file and what is wrong. The same file with the same settings gives the same shared
// tokenizer while anyone holds it (the vocabulary is read once per process).
std::shared_ptr<const Tokenizer> load_tokenizer(const TokenizerConfig& config);

// The tokenizer kinds load_tokenizer() knows.
std::vector<std::string> tokenizer_kinds();

}  // namespace smartcamrt
