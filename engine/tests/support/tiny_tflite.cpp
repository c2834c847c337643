#include "tiny_tflite.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <utility>

namespace smartcamrt::testing {
namespace {

// --- A minimal FlatBuffers writer, front to back ---------------------------------------------------
// Every object is written after the one that refers to it, so each reference (an unsigned offset from
// the referring field forward to the object) is patched in once the object's position is known.
class FlatWriter {
 public:
  using Child = std::function<size_t(FlatWriter&)>;  // writes an object, returns its position

  struct Field {
    enum Kind { kU8, kI32, kU32, kOffset } kind;
    uint32_t value = 0;
    Child child;
  };
  using Table = std::vector<std::pair<int, Field>>;  // (field id, field)

  static Field u8(uint8_t v) { return {Field::kU8, v, {}}; }
  static Field i32(int32_t v) { return {Field::kI32, static_cast<uint32_t>(v), {}}; }
  static Field u32(uint32_t v) { return {Field::kU32, v, {}}; }
  static Field ref(Child child) { return {Field::kOffset, 0, std::move(child)}; }

  // The finished buffer: root offset, file identifier, root table.
  static std::string finish(const char* identifier, const Table& root) {
    FlatWriter w;
    w.put<uint32_t>(0);
    w.bytes_.insert(w.bytes_.end(), identifier, identifier + 4);
    const size_t root_at = w.table(root);
    w.patch<uint32_t>(0, static_cast<uint32_t>(root_at));
    return std::string(w.bytes_.begin(), w.bytes_.end());
  }

  size_t table(const Table& fields) {
    int slots = 0;
    for (const auto& [id, field] : fields) slots = std::max(slots, id + 1);
    // Inline layout after the 4-byte vtable offset: 4-byte fields first, then 1-byte ones.
    std::vector<uint16_t> slot_offset(static_cast<size_t>(slots), 0);
    uint16_t size = 4;
    for (const bool one_byte : {false, true}) {
      for (const auto& [id, field] : fields) {
        if ((field.kind == Field::kU8) != one_byte) continue;
        slot_offset[static_cast<size_t>(id)] = size;
        size = static_cast<uint16_t>(size + (one_byte ? 1 : 4));
      }
    }
    align(2);
    const size_t vtable_at = put<uint16_t>(static_cast<uint16_t>(4 + 2 * slots));
    put<uint16_t>(size);
    for (const uint16_t offset : slot_offset) put<uint16_t>(offset);
    align(4);
    const size_t table_at = put<int32_t>(static_cast<int32_t>(0));
    patch<int32_t>(table_at, static_cast<int32_t>(table_at - vtable_at));
    bytes_.resize(table_at + size, 0);
    for (const auto& [id, field] : fields) {
      const size_t at = table_at + slot_offset[static_cast<size_t>(id)];
      if (field.kind == Field::kU8) bytes_[at] = static_cast<uint8_t>(field.value);
      if (field.kind == Field::kI32 || field.kind == Field::kU32) patch<uint32_t>(at, field.value);
    }
    for (const auto& [id, field] : fields) {
      if (field.kind != Field::kOffset) continue;
      const size_t at = table_at + slot_offset[static_cast<size_t>(id)];
      const size_t child_at = field.child(*this);
      patch<uint32_t>(at, static_cast<uint32_t>(child_at - at));
    }
    return table_at;
  }

  template <typename T>
  size_t vector(const std::vector<T>& values, size_t element_align = sizeof(T)) {
    align(4);
    while ((bytes_.size() + 4) % element_align != 0) bytes_.push_back(0);  // elements aligned after the length
    const size_t at = put<uint32_t>(static_cast<uint32_t>(values.size()));
    for (const T& v : values) put<T>(v);
    return at;
  }

  size_t tables(const std::vector<Table>& items) {
    align(4);
    const size_t at = put<uint32_t>(static_cast<uint32_t>(items.size()));
    std::vector<size_t> slots;
    for (size_t i = 0; i < items.size(); ++i) slots.push_back(put<uint32_t>(0));
    for (size_t i = 0; i < items.size(); ++i) {
      const size_t child_at = table(items[i]);
      patch<uint32_t>(slots[i], static_cast<uint32_t>(child_at - slots[i]));
    }
    return at;
  }

  size_t string(const std::string& text) {
    align(4);
    const size_t at = put<uint32_t>(static_cast<uint32_t>(text.size()));
    bytes_.insert(bytes_.end(), text.begin(), text.end());
    bytes_.push_back(0);
    return at;
  }

 private:
  void align(size_t n) {
    while (bytes_.size() % n != 0) bytes_.push_back(0);
  }
  template <typename T>
  size_t put(T value) {
    align(sizeof(T));
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(&bytes_[at], &value, sizeof(T));
    return at;
  }
  template <typename T>
  void patch(size_t at, T value) {
    std::memcpy(&bytes_[at], &value, sizeof(T));
  }

  std::vector<uint8_t> bytes_;
};

// --- The model (schema.fbs field ids) ----------------------------------------------------------------
using F = FlatWriter;
constexpr int kTensorShape = 0, kTensorType = 1, kTensorBuffer = 2, kTensorName = 3, kTensorQuantization = 4;
constexpr int kQuantizationScale = 2, kQuantizationZeroPoint = 3;

F::Table tensor_table(const TfliteTensor& tensor) {
  F::Table t{{kTensorShape, F::ref([shape = tensor.shape](F& w) { return w.vector(shape); })},
             {kTensorType, F::u8(tensor.type)},
             {kTensorBuffer, F::u32(tensor.buffer)},
             {kTensorName, F::ref([name = tensor.name](F& w) { return w.string(name); })}};
  if (tensor.scale != 0.f) {
    const F::Table quantization{
        {kQuantizationScale, F::ref([scale = tensor.scale](F& w) { return w.vector(std::vector<float>{scale}); })},
        {kQuantizationZeroPoint,
         F::ref([zero_point = tensor.zero_point](F& w) { return w.vector(std::vector<int64_t>{zero_point}); })}};
    t.push_back({kTensorQuantization, F::ref([quantization](F& w) { return w.table(quantization); })});
  }
  return t;
}

}  // namespace

std::string tiny_tflite_model(int32_t op, const std::vector<TfliteTensor>& tensors,
                              const std::vector<int32_t>& op_inputs, const std::vector<int32_t>& graph_inputs,
                              const std::vector<int32_t>& outputs, const std::vector<std::vector<uint8_t>>& buffers) {
  std::vector<F::Table> tensor_tables;
  for (const TfliteTensor& tensor : tensors) tensor_tables.push_back(tensor_table(tensor));
  const F::Table opcode{{0, F::u8(static_cast<uint8_t>(op))}, {2, F::i32(1)}, {3, F::i32(op)}};
  const F::Table oper{{0, F::u32(0)},
                      {1, F::ref([op_inputs](F& w) { return w.vector(op_inputs); })},
                      {2, F::ref([outputs](F& w) { return w.vector(outputs); })}};
  const F::Table subgraph{{0, F::ref([tensor_tables](F& w) { return w.tables(tensor_tables); })},
                          {1, F::ref([graph_inputs](F& w) { return w.vector(graph_inputs); })},
                          {2, F::ref([outputs](F& w) { return w.vector(outputs); })},
                          {3, F::ref([oper](F& w) { return w.tables({oper}); })},
                          {4, F::ref([](F& w) { return w.string("main"); })}};
  std::vector<F::Table> buffer_tables{F::Table{}};
  for (const auto& data : buffers) {
    buffer_tables.push_back({{0, F::ref([data](F& w) { return w.vector(data, 16); })}});
  }
  return F::finish("TFL3", {{0, F::u32(3)},
                            {1, F::ref([opcode](F& w) { return w.tables({opcode}); })},
                            {2, F::ref([subgraph](F& w) { return w.tables({subgraph}); })},
                            {3, F::ref([](F& w) { return w.string("smartcamrt test"); })},
                            {4, F::ref([buffer_tables](F& w) { return w.tables(buffer_tables); })}});
}

std::string save_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace smartcamrt::testing
