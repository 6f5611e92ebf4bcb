#pragma once
// The container of the studio's own files (checkpoints, feature classifiers): a LibTorch archive
// with a "format" tag, checked by check_archive before LibTorch parses it (engine-internal).
#include <string>

#include <torch/nn/module.h>
#include <torch/serialize.h>

namespace ncsn::detail {

// DataError naming the file as `what` ("checkpoint", "classifier") when it is missing, not a
// file, or empty.
void require_regular_file(const std::string& path, const std::string& what);

// Opens `path` after the damage checks and requires its "format" tag to be `format`.
torch::serialize::InputArchive open_studio_archive(const std::string& path, torch::Device device, const std::string& format,
                                                   const std::string& what);

// Loads the sub-archive `key` into `module`; DataError when it is absent or does not fit.
void load_submodule(torch::serialize::InputArchive& archive, const std::string& key, torch::nn::Module& module,
                    const std::string& path, const std::string& what);

}  // namespace ncsn::detail
