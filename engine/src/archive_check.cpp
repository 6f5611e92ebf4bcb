#include "archive_check.hpp"

#include <zlib.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "ncsn/errors.hpp"
#include "ncsn/image_dataset.hpp"

namespace ncsn::detail {
namespace {

uint32_t le_at(const std::string& b, size_t at, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint32_t{static_cast<uint8_t>(b[at + i])} << (8 * i);
  return v;
}

// Checks a member's CRC-32 and returns its content when `keep` (else ""); nullopt when damaged.
// Members are stored (method 0, as LibTorch writes tensors) or deflated (8, its code/ files).
std::optional<std::string> checked_content(const char* data, uint32_t stored, uint32_t size, uint32_t method, uint32_t crc,
                                           bool keep) {
  const auto crc_of = [](const char* p, size_t n) {
    return crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(p), static_cast<uInt>(n));
  };
  if (method == 0) {
    if (stored != size || crc_of(data, size) != crc) return std::nullopt;
    return keep ? std::string(data, size) : std::string();
  }
  // Deflate expands at most ~1032x: a larger claimed size is corrupt, and must not be allocated.
  if (method != 8 || size / 1032 > uint64_t{stored} + 1) return std::nullopt;
  std::string out(size, '\0');
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return std::nullopt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  zs.avail_in = stored;
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = size;
  const int rc = inflate(&zs, Z_FINISH);
  const bool whole = rc == Z_STREAM_END && zs.avail_out == 0;
  inflateEnd(&zs);
  if (!whole || crc_of(out.data(), size) != crc) return std::nullopt;
  return keep ? std::move(out) : std::string();
}

// name -> content (kept where `keep` says so) of every member, each checked against its CRC-32.
// ZIP64 (over 4 GiB) is not needed for these models and fails the size checks.
std::map<std::string, std::string> read_members(const std::string& zip, const std::function<DataError(const std::string&)>& damaged,
                                                const std::function<bool(const std::string&)>& keep) {
  constexpr size_t kEndRecord = 22, kCentralEntry = 46, kLocalHeader = 30;
  if (zip.size() < kEndRecord) throw damaged("too short for a zip archive");
  size_t end = std::string::npos;
  for (size_t at = zip.size() - kEndRecord + 1; at-- > 0 && zip.size() - at <= kEndRecord + 0xffff;)
    if (le_at(zip, at, 4) == 0x06054b50) {
      end = at;
      break;
    }
  if (end == std::string::npos) throw damaged("no zip directory");
  const size_t entries = le_at(zip, end + 10, 2), dir_size = le_at(zip, end + 12, 4), dir_at = le_at(zip, end + 16, 4);
  if (dir_at > end || dir_size > end - dir_at) throw damaged("the zip directory lies outside the file");
  std::map<std::string, std::string> members;
  size_t at = dir_at;
  for (size_t i = 0; i < entries; ++i) {
    if (dir_at + dir_size - at < kCentralEntry || le_at(zip, at, 4) != 0x02014b50) throw damaged("corrupt zip directory");
    const uint32_t method = le_at(zip, at + 10, 2), crc = le_at(zip, at + 16, 4), stored = le_at(zip, at + 20, 4),
                   size = le_at(zip, at + 24, 4), attributes = le_at(zip, at + 38, 4), local = le_at(zip, at + 42, 4);
    const size_t name_len = le_at(zip, at + 28, 2), extra_len = le_at(zip, at + 30, 2), comment_len = le_at(zip, at + 32, 2);
    if (dir_at + dir_size - at - kCentralEntry < name_len + extra_len + comment_len) throw damaged("corrupt zip directory");
    const std::string name = zip.substr(at + kCentralEntry, name_len);
    // LibTorch's miniz takes a member with the DOS folder bit for a folder and "reads" it without
    // filling the buffer, which then holds whatever the allocator handed back.
    if (attributes & 0x10) throw damaged("member " + name + " is marked as a folder");
    if (local > dir_at || dir_at - local < kLocalHeader || le_at(zip, local, 4) != 0x04034b50)
      throw damaged("member " + name + " has no local header");
    const size_t data_at = local + kLocalHeader + le_at(zip, local + 26, 2) + le_at(zip, local + 28, 2);
    if (data_at > dir_at || dir_at - data_at < stored) throw damaged("member " + name + " runs past its data");
    auto content = checked_content(zip.data() + data_at, stored, size, method, crc, keep(name));
    if (!content) throw damaged("CRC mismatch in " + name);
    if (!members.emplace(name, std::move(*content)).second) throw damaged("member " + name + " appears twice");
    at += kCentralEntry + name_len + extra_len + comment_len;
  }
  return members;
}

// Splits "A, B[C, D], E" at the commas outside brackets.
std::vector<std::string> split_top_level(const std::string& list) {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (char ch : list) {
    depth += ch == '[' ? 1 : ch == ']' ? -1 : 0;
    if (ch == ',' && depth == 0) parts.emplace_back();
    else if (!(ch == ' ' && parts.back().empty())) parts.back() += ch;
  }
  return parts;
}

bool known_type(const std::string& type, const std::set<std::string>& classes, int depth = 0) {
  static const std::set<std::string> plain = {"Tensor", "int", "float", "str", "bool"};
  static const std::regex generic(R"((Tuple|List|Optional)\[(.+)\])");
  std::smatch m;
  if (plain.count(type) || classes.count(type)) return true;
  if (depth > 8 || !std::regex_match(type, m, generic)) return false;
  for (const auto& part : split_top_level(m[2]))
    if (!known_type(part, classes, depth + 1)) return false;
  return true;
}

// Walks the opcodes of a pickle (protocol 2, those TorchScript writes) and checks that every
// GLOBAL names one of the archive's classes or a tensor-rebuilding helper. "" when it does.
std::string check_pickle_globals(const std::string& pickle, const std::set<std::string>& classes) {
  static const std::set<std::string> helpers = {
      "torch._utils._rebuild_tensor_v2", "collections.OrderedDict", "torch.FloatStorage", "torch.DoubleStorage",
      "torch.HalfStorage", "torch.BFloat16Storage", "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage",
      "torch.CharStorage", "torch.ByteStorage", "torch.BoolStorage"};
  size_t at = 0;
  auto skip = [&](uint64_t n) { return n <= pickle.size() - at ? (at += n, true) : false; };
  auto length = [&](size_t n) {  // a little-endian length of n bytes
    if (pickle.size() - at < n) return ~uint64_t{0};
    const uint64_t v = le_at(pickle, at, n);
    at += n;
    return v;
  };
  auto line = [&](std::string& out) {
    const size_t end = pickle.find('\n', at);
    if (end == std::string::npos) return false;
    out = pickle.substr(at, end - at);
    at = end + 1;
    return true;
  };
  while (at < pickle.size()) {
    const uint8_t op = static_cast<uint8_t>(pickle[at++]);
    bool ok = true;
    switch (op) {
      case '.': return "";
      case '(': case ')': case ']': case '}': case 'N': case 0x88: case 0x89: case 't': case 0x85: case 0x86: case 0x87:
      case 'R': case 'b': case 'Q': case 's': case 'u': case 'a': case 'e': case 0x81: case 0x94: break;
      case 0x80: case 'K': case 'q': case 'h': ok = skip(1); break;
      case 'M': ok = skip(2); break;
      case 'J': case 'r': case 'j': ok = skip(4); break;
      case 'G': case 0x95: ok = skip(8); break;
      case 0x8a: case 0x8c: case 'C': case 'U': ok = skip(length(1)); break;
      case 'X': case 'B': case 'T': ok = skip(length(4)); break;
      case 'c': {
        std::string module, name;
        ok = line(module) && line(name);
        if (ok && !classes.count(module + "." + name) && !helpers.count(module + "." + name))
          return "unexpected class '" + module.substr(0, 40) + "." + name.substr(0, 40) + "'";
        break;
      }
      default: return "unsupported pickle opcode " + std::to_string(op);
    }
    if (!ok) return "truncated pickle";
  }
  return "the pickle has no end";
}

// The class sources LibTorch writes for saved modules: attribute declarations only.
std::string check_source(const std::string& source, const std::set<std::string>& classes) {
  static const std::regex header(R"(class Module\(Module\):)");
  static const std::regex names(R"(  __(parameters|buffers)__ = \[("[^"\\]*", )*\])");
  static const std::regex no_annotations(R"(  __annotations__ = \[\])");
  static const std::regex typed(R"(  (__annotations__\["[^"\\]*"\] =|[A-Za-z_][A-Za-z0-9_]* :) (.+))");
  std::istringstream lines(source);
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (line.empty() || std::regex_match(line, header) || std::regex_match(line, names) ||
        std::regex_match(line, no_annotations))
      continue;
    if (!std::regex_match(line, m, typed) || !known_type(m[2], classes))
      return "unexpected TorchScript source line '" + line.substr(0, 80) + "'";
  }
  return "";
}

}  // namespace

namespace {

// The zip's members, CRC-checked, with the contents `keep` asks for.
std::map<std::string, std::string> checked_members(const std::string& path, const std::function<bool(const std::string&)>& keep) {
  const std::string zip = read_data_file(path);
  if (zip.rfind("PK\x03\x04", 0) != 0) throw DataError("checkpoint " + path + " is corrupt or not a checkpoint (not a zip archive)");
  const auto damaged = [&](const std::string& what) { return DataError("checkpoint " + path + " is damaged (" + what + ")"); };
  return read_members(zip, damaged, keep);
}

}  // namespace

void verify_zip_checksums(const std::string& path) {
  checked_members(path, [](const std::string&) { return false; });
}

void check_archive(const std::string& path) {
  const auto damaged = [&](const std::string& what) { return DataError("checkpoint " + path + " is damaged (" + what + ")"); };
  // Tensor records are checksummed, not kept.
  const auto members = checked_members(path, [](const std::string& name) { return name.find("/data/") == std::string::npos; });
  if (members.empty()) throw damaged("an empty zip archive");
  // Every member lies in one top folder (the archive's name), as LibTorch writes them.
  const std::string first = members.begin()->first;
  const std::string prefix = first.substr(0, first.find('/') + 1);
  // LibTorch 2.x adds .data/version, .data/serialization_id and byteorder.
  static const std::regex member(
      R"((data\.pkl|constants\.pkl|version|\.data/(version|serialization_id)|byteorder|data/\d+|code/__torch__(/[A-Za-z0-9_]+)*\.py(\.debug_pkl)?))");
  std::set<std::string> classes;
  for (const auto& [name, content] : members) {
    const std::string relative = name.substr(std::min(prefix.size(), name.size()));
    if (prefix.size() < 2 || name.rfind(prefix, 0) != 0 || !std::regex_match(relative, member))
      throw damaged("unexpected member " + name.substr(0, 80));
    if (relative.rfind("code/", 0) == 0 && relative.size() > 3 && relative.compare(relative.size() - 3, 3, ".py") == 0) {
      std::string qualified = relative.substr(5, relative.size() - 5 - 3);
      std::replace(qualified.begin(), qualified.end(), '/', '.');
      classes.insert(qualified + ".Module");
    }
  }
  for (const auto& [name, content] : members) {
    const std::string relative = name.substr(prefix.size());
    std::string error;
    if (relative == "data.pkl" || relative == "constants.pkl") error = check_pickle_globals(content, classes);
    else if (relative.size() > 3 && relative.compare(relative.size() - 3, 3, ".py") == 0) error = check_source(content, classes);
    if (!error.empty()) throw damaged(name + ": " + error);
  }
}

}  // namespace ncsn::detail
