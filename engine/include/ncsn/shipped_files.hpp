#pragma once
// Files that ship with the studio (models, the FD-cls classifier, configs): found in
// $NCSN_RESOURCE_DIR, then the installed data folder (<prefix>/share/ncsn-studio beside the
// program's <prefix>/bin), then the source tree's resources/ (a build that was not installed).
#include <optional>
#include <string>

namespace ncsn {

// relative: e.g. "models/fashion-mnist-classifier.pt". The first existing candidate, if any.
std::optional<std::string> find_shipped_file(const std::string& relative);

// The model the studio and `ncsn sample` open when given none: Fashion-MNIST, sized for CPUs.
inline constexpr const char* kDefaultModel = "models/fashion-mnist-small.ncsn";
// The reference-size model (ngf 64, as in the paper), for GPUs; docs/models.md has its figures.
inline constexpr const char* kReferenceSizeModel = "models/fashion-mnist-ngf64.ncsn";

// The FD-cls classifier shipped for Fashion-MNIST.
inline constexpr const char* kFashionMnistClassifier = "models/fashion-mnist-classifier.pt";

}  // namespace ncsn
