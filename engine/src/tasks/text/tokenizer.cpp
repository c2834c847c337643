// Vocabularies, the three tokenizers of tokenizer.hpp, and the process-wide cache that lets every
// task instance of a model share one loaded tokenizer.
#include "smartcamrt/tasks/text/tokenizer.hpp"

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <unordered_map>

#include "smartcamrt/core/error.hpp"
#include "smartcamrt/tasks/text/unicode.hpp"

namespace smartcamrt {
namespace {

// Token -> id over stable storage, looked up by string_view (no allocation per probe).
class Vocabulary {
 public:
  void add(std::string token, int64_t id) {
    storage_.push_back(std::move(token));
    ids_[storage_.back()] = id;  // a repeated token keeps its last id, as tokenizers' and BERT's readers do
    max_id_ = std::max(max_id_, id);
  }
  const int64_t* find(std::string_view token) const {
    const auto it = ids_.find(token);
    return it == ids_.end() ? nullptr : &it->second;
  }
  size_t size() const { return static_cast<size_t>(max_id_ + 1); }
  bool empty() const { return ids_.empty(); }

 private:
  std::deque<std::string> storage_;
  std::unordered_map<std::string_view, int64_t> ids_;
  int64_t max_id_ = -1;
};

std::string trim_right(std::string line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ' || line.back() == '\t')) {
    line.pop_back();
  }
  return line;
}

// One token per line, the line number is the id ("wordpiece", "words"); or "word id" per line
// ("model-maker", TFLite Model Maker's vocab file).
Vocabulary read_vocabulary(const TokenizerConfig& config) {
  const std::string& path = config.vocab_path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error("tokenizer vocabulary '" + path + "': no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("tokenizer vocabulary '" + path + "': cannot be read: " + std::strerror(errno));
  Vocabulary vocabulary;
  const bool with_ids = config.kind == "model-maker";
  std::string line;
  int64_t number = 0;
  for (; std::getline(in, line); ++number) {
    line = trim_right(std::move(line));
    if (number == 0 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a UTF-8 byte order mark
    const size_t invalid = text::find_invalid_utf8(line);
    if (invalid != std::string::npos) {
      throw Error("tokenizer vocabulary '" + path + "': line " + std::to_string(number + 1) + " is not valid UTF-8 (" +
                  text::describe_invalid_utf8(line, invalid) + ")");
    }
    if (!with_ids) {
      vocabulary.add(line, number);
      continue;
    }
    if (line.empty()) continue;
    const size_t space = line.find_last_of(' ');
    const std::string id_text = space == std::string::npos ? "" : line.substr(space + 1);
    const bool digits =
        !id_text.empty() && id_text.size() < 12 && id_text.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || space == 0) {
      throw Error("tokenizer vocabulary '" + path + "': line " + std::to_string(number + 1) +
                  " is not 'word id' (a model-maker vocabulary)");
    }
    vocabulary.add(trim_right(line.substr(0, space)), std::stoll(id_text));
  }
  if (vocabulary.empty()) throw Error("tokenizer vocabulary '" + path + "': is empty");
  return vocabulary;
}

int64_t special_id(const Vocabulary& vocabulary, const TokenizerConfig& config, const std::string& token,
                   const char* field) {
  const int64_t* id = vocabulary.find(token);
  if (!id) {
    throw Error("tokenizer vocabulary '" + config.vocab_path + "': has no '" + token + "' (the manifest's " + field +
                ")");
  }
  return *id;
}

std::u32string decode(std::string_view text) { return text::decode_utf8(text); }

// --- BERT WordPiece --------------------------------------------------------------------------------

class WordPieceTokenizer final : public Tokenizer {
 public:
  explicit WordPieceTokenizer(const TokenizerConfig& config) : Tokenizer(config), vocabulary_(read_vocabulary(config)) {
    if (!config.lower_case) {
      throw Error("tokenizer vocabulary '" + config.vocab_path +
                  "': only uncased WordPiece (lower_case: true) is implemented");
    }
    if (config.max_length < 2) throw Error("tokenizer: max_length " + std::to_string(config.max_length) + " < 2");
    cls_id_ = special_id(vocabulary_, config, config.cls_token, "cls_token");
    sep_id_ = special_id(vocabulary_, config, config.sep_token, "sep_token");
    unk_id_ = special_id(vocabulary_, config, config.unk_token, "unk_token");
    pad_id_ = special_id(vocabulary_, config, config.pad_token, "pad_token");
    vocab_size_ = vocabulary_.size();
  }

  Encoding encode(std::string_view text) const override {
    Encoding encoding;
    const size_t budget = static_cast<size_t>(config_.max_length) - 2;
    encoding.ids.push_back(cls_id_);
    // Tokens are a prefix-stable function of the words: stop once the budget is full (and one
    // token more, to know that the text was truncated).
    for_each_word(text, [&](const std::u32string& word) {
      append_word(word, [&](int64_t id) { encoding.ids.push_back(id); });
      return encoding.ids.size() <= budget + 1;
    });
    if (encoding.ids.size() > budget + 1) {
      encoding.ids.resize(budget + 1);
      encoding.truncated = true;
    }
    encoding.ids.push_back(sep_id_);
    encoding.attention_mask.assign(encoding.ids.size(), 1);
    return encoding;
  }

  std::vector<std::string> tokenize(std::string_view text) const override {
    std::vector<std::string> tokens;
    for_each_word(text, [&](const std::u32string& word) {
      std::vector<std::string> pieces;
      if (!word_pieces(word, &pieces, nullptr)) pieces.assign(1, config_.unk_token);
      tokens.insert(tokens.end(), pieces.begin(), pieces.end());
      return true;
    });
    return tokens;
  }

 private:
  // Normalises the text and calls `visit(word)` for each word of the pre-tokenizer (whitespace-
  // separated, punctuation isolated) until it returns false.
  template <typename Visit>
  void for_each_word(std::string_view text, Visit visit) const {
    const std::u32string codes = decode(text);
    std::u32string normalized;
    normalized.reserve(codes.size() + 8);
    for (const char32_t code : codes) text::bert_normalize_append(code, normalized);
    std::u32string word;
    for (const char32_t code : normalized) {
      if (code == U' ') {  // the normaliser made every whitespace character a space
        if (!word.empty() && !visit(word)) return;
        word.clear();
      } else if (text::bert_is_punctuation(code)) {
        if (!word.empty() && !visit(word)) return;
        word.assign(1, code);
        if (!visit(word)) return;
        word.clear();
      } else {
        word.push_back(code);
      }
    }
    if (!word.empty()) visit(word);
  }

  // Greedy longest-match-first. False (and nothing emitted) when some part of the word has no piece.
  bool word_pieces(const std::u32string& word, std::vector<std::string>* pieces, std::vector<int64_t>* ids) const {
    if (word.size() > static_cast<size_t>(config_.max_chars_per_word)) return false;
    std::string utf8;
    std::vector<size_t> boundary;  // byte offset of each code point, and the end
    for (const char32_t code : word) {
      boundary.push_back(utf8.size());
      text::append_utf8(utf8, code);
    }
    boundary.push_back(utf8.size());
    std::string probe;
    size_t start = 0;
    const size_t count = word.size();
    std::vector<int64_t> found_ids;
    std::vector<std::string> found;
    while (start < count) {
      size_t end = count;
      const int64_t* id = nullptr;
      for (; end > start; --end) {
        const std::string_view piece(utf8.data() + boundary[start], boundary[end] - boundary[start]);
        if (start > 0) {
          probe.assign("##");
          probe.append(piece);
          id = vocabulary_.find(probe);
        } else {
          id = vocabulary_.find(piece);
        }
        if (id) break;
      }
      if (!id) return false;
      found_ids.push_back(*id);
      if (pieces)
        found.push_back((start > 0 ? "##" : "") + utf8.substr(boundary[start], boundary[end] - boundary[start]));
      start = end;
    }
    if (ids) ids->insert(ids->end(), found_ids.begin(), found_ids.end());
    if (pieces) pieces->insert(pieces->end(), found.begin(), found.end());
    return true;
  }

  template <typename Emit>
  void append_word(const std::u32string& word, Emit emit) const {
    std::vector<int64_t> ids;
    if (!word_pieces(word, nullptr, &ids)) ids.assign(1, unk_id_);
    for (const int64_t id : ids) emit(id);
  }

  Vocabulary vocabulary_;
  int64_t cls_id_ = 0, sep_id_ = 0, unk_id_ = 0;
};

// --- word vocabularies ("words" and "model-maker") ------------------------------------------------

class WordTokenizer final : public Tokenizer {
 public:
  explicit WordTokenizer(const TokenizerConfig& config) : Tokenizer(config), vocabulary_(read_vocabulary(config)) {
    model_maker_ = config.kind == "model-maker";
    if (config.max_length < (model_maker_ ? 2 : 1)) {
      throw Error("tokenizer: max_length " + std::to_string(config.max_length) + " is too small");
    }
    unk_id_ = special_id(vocabulary_, config, config.unk_token, "unk_token");
    pad_id_ = special_id(vocabulary_, config, config.pad_token, "pad_token");
    if (model_maker_) start_id_ = special_id(vocabulary_, config, config.start_token, "start_token");
    vocab_size_ = vocabulary_.size();
  }

  Encoding encode(std::string_view text) const override {
    Encoding encoding;
    const auto max_length = static_cast<size_t>(config_.max_length);
    if (model_maker_) encoding.ids.push_back(start_id_);
    for_each_token(text, [&](const std::string& token) {
      const int64_t* id = vocabulary_.find(token);
      encoding.ids.push_back(id ? *id : unk_id_);
      return encoding.ids.size() <= max_length;
    });
    if (encoding.ids.size() > max_length) {
      encoding.ids.resize(max_length);
      encoding.truncated = true;
    }
    if (encoding.ids.empty()) encoding.ids.push_back(pad_id_);  // "words": a text without tokens
    encoding.attention_mask.assign(encoding.ids.size(), 1);
    if (model_maker_) {  // Model Maker pads every text to its sequence length
      encoding.attention_mask.resize(max_length, 0);
      encoding.ids.resize(max_length, pad_id_);
    }
    return encoding;
  }

  std::vector<std::string> tokenize(std::string_view text) const override {
    std::vector<std::string> tokens;
    for_each_token(text, [&](const std::string& token) {
      tokens.push_back(token);
      return true;
    });
    return tokens;
  }

 private:
  template <typename Visit>
  void for_each_token(std::string_view text, Visit visit) const {
    const std::u32string codes = decode(text);
    const std::u32string lowered = config_.lower_case ? text::python_lower(codes) : std::u32string();
    const std::u32string& input = config_.lower_case ? lowered : codes;
    std::string token;
    const auto flush = [&] {
      if (token.empty()) return true;
      const bool more = visit(token);
      token.clear();
      return more;
    };
    for (const char32_t code : input) {
      if (model_maker_) {  // re.split(r"[^\w']+"): runs of word characters and apostrophes
        if (text::python_is_word(code) || code == U'\'') {
          text::append_utf8(token, code);
        } else if (!flush()) {
          return;
        }
        continue;
      }
      // re.findall(r"[a-z0-9']+|[^\sa-z0-9']"): runs of [a-z0-9'], or any other non-space character alone
      const bool run_char = (code >= U'a' && code <= U'z') || (code >= U'0' && code <= U'9') || code == U'\'';
      if (run_char) {
        text::append_utf8(token, code);
      } else {
        if (!flush()) return;
        if (!text::python_is_space(code)) {
          text::append_utf8(token, code);
          if (!flush()) return;
        }
      }
    }
    flush();
  }

  Vocabulary vocabulary_;
  bool model_maker_ = false;
  int64_t unk_id_ = 0, start_id_ = 0;
};

std::unique_ptr<Tokenizer> make_tokenizer(const TokenizerConfig& config) {
  if (config.kind == "wordpiece") return std::make_unique<WordPieceTokenizer>(config);
  if (config.kind == "words" || config.kind == "model-maker") return std::make_unique<WordTokenizer>(config);
  std::string known;
  for (const std::string& kind : tokenizer_kinds()) known += (known.empty() ? "" : ", ") + kind;
  throw Error("tokenizer kind '" + config.kind + "' is unknown (known: " + known + ")");
}

std::string cache_key(const TokenizerConfig& config) {
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(config.vocab_path, ec);
  const auto size = std::filesystem::file_size(config.vocab_path, ec);
  const auto time = std::filesystem::last_write_time(config.vocab_path, ec).time_since_epoch().count();
  std::string key = config.kind + '\n' + (canonical.empty() ? config.vocab_path : canonical.string()) + '\n' +
                    std::to_string(size) + '\n' + std::to_string(time) + '\n' + (config.lower_case ? "1" : "0") + '\n' +
                    std::to_string(config.max_length) + '\n' + std::to_string(config.max_chars_per_word);
  for (const std::string* token :
       {&config.cls_token, &config.sep_token, &config.unk_token, &config.pad_token, &config.start_token}) {
    key += '\n' + *token;
  }
  return key;
}

}  // namespace

std::vector<std::string> tokenizer_kinds() { return {"model-maker", "wordpiece", "words"}; }

std::shared_ptr<const Tokenizer> load_tokenizer(const TokenizerConfig& config) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<const Tokenizer>> cache;
  const std::string key = cache_key(config);
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = cache.begin(); it != cache.end();) {  // forget the ones nobody holds
    it = it->second.expired() ? cache.erase(it) : std::next(it);
  }
  if (auto found = cache[key].lock()) return found;
  std::shared_ptr<const Tokenizer> tokenizer = make_tokenizer(config);
  cache[key] = tokenizer;
  return tokenizer;
}

}  // namespace smartcamrt
