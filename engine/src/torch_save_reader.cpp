#include "ncsn/torch_save_reader.hpp"

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <map>

#include <torch/torch.h>

#include "archive_check.hpp"
#include "ncsn/errors.hpp"

namespace ncsn {
namespace {

using Kind = PickleValue::Kind;

PickleValue make(Kind k) {
  PickleValue v;
  v.kind = k;
  if (k == Kind::Tuple || k == Kind::List) v.items = std::make_shared<std::vector<PickleValue>>();
  if (k == Kind::Dict) v.entries = std::make_shared<std::vector<std::pair<PickleValue, PickleValue>>>();
  return v;
}

torch::ScalarType storage_dtype(const std::string& global) {
  static const std::map<std::string, torch::ScalarType> types = {
      {"torch.FloatStorage", torch::kFloat},   {"torch.DoubleStorage", torch::kDouble},
      {"torch.HalfStorage", torch::kHalf},     {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kLong},     {"torch.IntStorage", torch::kInt},
      {"torch.ShortStorage", torch::kShort},   {"torch.CharStorage", torch::kChar},
      {"torch.ByteStorage", torch::kByte},     {"torch.BoolStorage", torch::kBool}};
  auto it = types.find(global);
  if (it == types.end()) throw DataError("unsupported tensor storage type " + global);
  return it->second;
}

class Unpickler {
 public:
  Unpickler(const std::string& path, caffe2::serialize::PyTorchStreamReader& zip, const char* data, size_t size)
      : path_(path), zip_(zip), data_(data), size_(size) {}

  PickleValue run() {
    while (true) {
      const uint8_t op = byte();
      if (op == '.') break;
      dispatch(op);
    }
    if (stack_.size() != 1) fail("the pickle ends with an unbalanced stack");
    return stack_.back();
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw DataError("checkpoint " + path_ + " is not a readable torch.save file: " + what);
  }

  const char* take(size_t n) {
    if (n > size_ - pos_) fail("truncated pickle");
    const char* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  uint8_t byte() { return static_cast<uint8_t>(*take(1)); }
  template <typename T>
  T little() {
    T v{};
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;  // x86-64 and aarch64 are little-endian, as pickle's binary ints are
  }
  std::string line() {
    size_t end = pos_;
    while (end < size_ && data_[end] != '\n') ++end;
    if (end >= size_) fail("unterminated GLOBAL");
    std::string s(data_ + pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }

  PickleValue pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) fail("stack underflow");
    PickleValue v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  PickleValue& top() {
    if (stack_.empty()) fail("stack underflow");
    return stack_.back();
  }
  std::vector<PickleValue> pop_to_mark() {
    if (marks_.empty()) fail("missing MARK");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<PickleValue> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(mark)),
                                   std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
  }
  PickleValue tuple_of(std::vector<PickleValue> items) {
    auto t = make(Kind::Tuple);
    *t.items = std::move(items);
    return t;
  }
  void memo_put(size_t index) { memo_[index] = top(); }
  PickleValue memo_get(size_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("reference to an unknown memo entry");
    return it->second;
  }
  void push_int(int64_t v) {
    auto x = make(Kind::Int);
    x.integer = v;
    stack_.push_back(std::move(x));
  }
  void push_string(size_t n) {
    auto s = make(Kind::String);
    s.text.assign(take(n), n);
    stack_.push_back(std::move(s));
  }

  void set_items(PickleValue& dict, std::vector<PickleValue>& kv) {
    if (!dict.is(Kind::Dict)) fail("SETITEMS on something that is not a dict");
    if (kv.size() % 2) fail("odd number of dict items");
    for (size_t i = 0; i < kv.size(); i += 2) dict.entries->emplace_back(std::move(kv[i]), std::move(kv[i + 1]));
  }
  void append_items(PickleValue& list, std::vector<PickleValue>& xs) {
    if (!list.is(Kind::List)) fail("APPENDS on something that is not a list");
    for (auto& x : xs) list.items->push_back(std::move(x));
  }

  torch::Tensor storage(const PickleValue& pid) {
    // ('storage', <storage type>, key, location, numel)
    if (!pid.is(Kind::Tuple) || pid.items->size() < 5) fail("bad persistent id");
    const auto& f = *pid.items;
    if (!f[1].is(Kind::Global) || !f[2].is(Kind::String) || !f[4].is(Kind::Int)) fail("bad storage reference");
    auto cached = storages_.find(f[2].text);
    if (cached != storages_.end()) return cached->second;
    const auto dtype = storage_dtype(f[1].text);
    const int64_t numel = f[4].integer;
    const std::string record = "data/" + f[2].text;
    if (numel < 0 || !zip_.hasRecord(record)) fail("missing tensor data " + record);
    auto [ptr, bytes] = zip_.getRecord(record);
    // Divide rather than multiply: a huge numel must not wrap around to the record's size.
    const size_t element = c10::elementSize(dtype);
    if (bytes % element != 0 || bytes / element != static_cast<uint64_t>(numel))
      fail("tensor data " + record + " has the wrong size");
    auto t = torch::from_blob(ptr.get(), {numel}, dtype).clone();
    storages_.emplace(f[2].text, t);
    return t;
  }

  std::vector<int64_t> int_tuple(const PickleValue& v) {
    if (!v.is(Kind::Tuple)) fail("expected a tuple of ints");
    std::vector<int64_t> out;
    for (const auto& x : *v.items) {
      if (!x.is(Kind::Int) || x.integer < 0) fail("expected non-negative ints");
      out.push_back(x.integer);
    }
    return out;
  }

  PickleValue rebuild_tensor(const PickleValue& args) {
    // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])
    if (!args.is(Kind::Tuple) || args.items->size() < 4 || !(*args.items)[0].is(Kind::Tensor) || !(*args.items)[1].is(Kind::Int))
      fail("bad tensor record");
    const auto& a = *args.items;
    const auto size = int_tuple(a[2]), stride = int_tuple(a[3]);
    if (size.size() != stride.size()) fail("tensor size and stride differ in rank");
    const int64_t offset = a[1].integer;
    const auto& st = a[0].tensor;
    // Overflow-checked: the last element's index and the element count must both fit the storage,
    // so no header can make us read outside it or allocate more than the file holds.
    int64_t last = offset, numel = 1;
    bool empty = false, overflow = false;
    for (size_t d = 0; d < size.size(); ++d) {
      if (size[d] == 0) {
        empty = true;
        continue;
      }
      int64_t reach = 0;
      overflow = overflow || __builtin_mul_overflow(size[d] - 1, stride[d], &reach) ||
                 __builtin_add_overflow(last, reach, &last) || __builtin_mul_overflow(numel, size[d], &numel);
    }
    if (offset < 0 || (!empty && (overflow || last >= st.numel()))) fail("tensor extends beyond its storage");
    if (!empty && numel > st.numel()) fail("tensor has more elements than its storage (broadcast views are not supported)");
    auto v = make(Kind::Tensor);
    v.tensor = empty ? torch::empty(size, st.options()) : st.as_strided(size, stride, offset).clone();
    return v;
  }

  PickleValue reduce(const PickleValue& callable, const PickleValue& args) {
    if (!callable.is(Kind::Global)) fail("REDUCE on a non-global");
    const auto& name = callable.text;
    if (name == "collections.OrderedDict") return make(Kind::Dict);
    if (name == "torch._utils._rebuild_tensor_v2") return rebuild_tensor(args);
    if (name == "torch._utils._rebuild_parameter") {
      if (!args.is(Kind::Tuple) || args.items->empty() || !(*args.items)[0].is(Kind::Tensor)) fail("bad parameter record");
      return (*args.items)[0];
    }
    return make(Kind::Opaque);  // e.g. torch.device in optimizer states: not needed here
  }

  void dispatch(uint8_t op) {
    switch (op) {
      case 0x80: byte(); break;                                   // PROTO
      case 0x95: take(8); break;                                  // FRAME
      case '(': marks_.push_back(stack_.size()); break;           // MARK
      case '}': stack_.push_back(make(Kind::Dict)); break;        // EMPTY_DICT
      case ']': stack_.push_back(make(Kind::List)); break;        // EMPTY_LIST
      case ')': stack_.push_back(make(Kind::Tuple)); break;       // EMPTY_TUPLE
      case 'N': stack_.push_back(make(Kind::None)); break;
      case 0x88:
      case 0x89: {                                                // NEWTRUE / NEWFALSE
        auto b = make(Kind::Bool);
        b.boolean = op == 0x88;
        stack_.push_back(b);
        break;
      }
      case 'K': push_int(byte()); break;                          // BININT1
      case 'M': push_int(little<uint16_t>()); break;              // BININT2
      case 'J': push_int(little<int32_t>()); break;               // BININT
      case 0x8a: {                                                // LONG1
        const uint8_t n = byte();
        if (n > 8) fail("integer too large");
        const char* p = take(n);
        int64_t v = 0;
        for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
        if (n > 0 && n < 8 && (static_cast<uint8_t>(p[n - 1]) & 0x80)) v -= int64_t{1} << (8 * n);
        push_int(v);
        break;
      }
      case 'G': {                                                 // BINFLOAT, big-endian
        const char* p = take(8);
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<uint8_t>(p[i]);
        auto f = make(Kind::Float);
        std::memcpy(&f.real, &bits, 8);
        stack_.push_back(f);
        break;
      }
      case 'X':                                                   // BINUNICODE
      case 'T': push_string(little<uint32_t>()); break;           // BINSTRING
      case 0x8c:                                                  // SHORT_BINUNICODE
      case 'U': push_string(byte()); break;                       // SHORT_BINSTRING
      case 'c': {                                                 // GLOBAL
        auto g = make(Kind::Global);
        g.text = line();
        g.text += "." + line();
        stack_.push_back(g);
        break;
      }
      case 'q': memo_put(byte()); break;                          // BINPUT
      case 'r': memo_put(little<uint32_t>()); break;              // LONG_BINPUT
      case 0x94: memo_put(memo_.size()); break;                   // MEMOIZE
      case 'h': stack_.push_back(memo_get(byte())); break;        // BINGET
      case 'j': stack_.push_back(memo_get(little<uint32_t>())); break;
      case 't': stack_.push_back(tuple_of(pop_to_mark())); break; // TUPLE
      case 0x85:
      case 0x86:
      case 0x87: {                                                // TUPLE1..3
        std::vector<PickleValue> items(op - 0x84);
        for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
        stack_.push_back(tuple_of(std::move(items)));
        break;
      }
      case 'R': {                                                 // REDUCE
        auto args = pop();
        auto callable = pop();
        stack_.push_back(reduce(callable, args));
        break;
      }
      case 'b': pop(); break;                                     // BUILD: attributes like _metadata are not needed
      case 'Q': {                                                 // BINPERSID
        auto pid = pop();
        auto t = make(Kind::Tensor);
        t.tensor = storage(pid);
        stack_.push_back(t);
        break;
      }
      case 's': {                                                 // SETITEM
        auto value = pop();
        auto key = pop();
        std::vector<PickleValue> kv{std::move(key), std::move(value)};
        set_items(top(), kv);
        break;
      }
      case 'u': {                                                 // SETITEMS
        auto kv = pop_to_mark();
        set_items(top(), kv);
        break;
      }
      case 'a': {                                                 // APPEND
        std::vector<PickleValue> xs{pop()};
        append_items(top(), xs);
        break;
      }
      case 'e': {                                                 // APPENDS
        auto xs = pop_to_mark();
        append_items(top(), xs);
        break;
      }
      default: fail("unsupported pickle opcode " + std::to_string(op));
    }
  }

  const std::string& path_;
  caffe2::serialize::PyTorchStreamReader& zip_;
  const char* data_;
  size_t size_;
  size_t pos_ = 0;
  std::vector<PickleValue> stack_;
  std::vector<size_t> marks_;
  std::map<size_t, PickleValue> memo_;
  std::map<std::string, torch::Tensor> storages_;
};

}  // namespace

PickleValue read_torch_save(const std::string& path) {
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> zip;
  try {
    zip = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
  } catch (const c10::Error&) {
    throw DataError("checkpoint " + path + " is not a zip archive written by torch.save (PyTorch >= 1.6)");
  }
  if (!zip->hasRecord("data.pkl")) throw DataError("checkpoint " + path + " has no data.pkl: not a torch.save file");
  detail::verify_zip_checksums(path);  // LibTorch does not: damaged weights would load silently
  try {
    auto [data, size] = zip->getRecord("data.pkl");
    return Unpickler(path, *zip, static_cast<const char*>(data.get()), size).run();
  } catch (const c10::Error& e) {
    throw DataError("checkpoint " + path + " is damaged (" + std::string(e.what_without_backtrace()).substr(0, 200) + ")");
  }
}

}  // namespace ncsn
