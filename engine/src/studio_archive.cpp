#include "studio_archive.hpp"

#include <filesystem>

#include "archive_check.hpp"
#include "ncsn/errors.hpp"

namespace fs = std::filesystem;

namespace ncsn::detail {

void require_regular_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw DataError(what + " " + path + " does not exist");
  if (!fs::is_regular_file(path, ec)) throw DataError(what + " " + path + " is not a file");
  if (fs::file_size(path, ec) == 0) throw DataError(what + " " + path + " is empty");
}

torch::serialize::InputArchive open_studio_archive(const std::string& path, torch::Device device, const std::string& format,
                                                   const std::string& what) {
  require_regular_file(path, what);
  check_archive(path);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path, device);
  } catch (const std::exception& e) {  // c10::Error, or TorchScript's ErrorReport for class sources it cannot compile
    throw DataError(what + " " + path + " is corrupt or not a " + what + " (" + first_line(e) + ")");
  }
  c10::IValue tag;
  if (!archive.try_read("format", tag) || !tag.isString() || tag.toStringRef() != format)
    throw DataError(what + " " + path + " is not an NCSN Studio " + what);
  return archive;
}

void load_submodule(torch::serialize::InputArchive& archive, const std::string& key, torch::nn::Module& module,
                    const std::string& path, const std::string& what) {
  torch::serialize::InputArchive sub;
  if (!archive.try_read(key, sub)) throw DataError(what + " " + path + " has no '" + key + "' weights");
  try {
    module.load(sub);
  } catch (const c10::Error& e) {
    throw DataError(what + " " + path + ": the '" + key + "' weights do not fit the model (" +
                    first_line(e.what_without_backtrace()) + ")");
  }
}

}  // namespace ncsn::detail
