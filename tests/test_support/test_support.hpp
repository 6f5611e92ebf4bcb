#pragma once
// Helpers shared by the test suites: tensor comparison and small fixture writers.
#include <functional>
#include <map>
#include <string>

#include <QJsonObject>
#include <QString>
#include <torch/torch.h>

#include "file_size_limit.hpp"

namespace ncsn::test {

// Max absolute difference between two tensors of the same shape.
double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b);

// Whether two modules have the same parameter names with bit-identical values.
bool same_weights(const torch::nn::Module& a, const torch::nn::Module& b);

// Writes raw bytes to a file (fixtures); fails the calling test via exception if it cannot.
void write_bytes(const std::string& path, const std::string& bytes);
std::string read_bytes(const std::string& path);
// The JSON object in a file (empty if it holds none); throws like read_bytes if it cannot be read.
QJsonObject read_json_file(const QString& path);

// An MNIST-layout folder ({train,t10k}-{images-idx3,labels-idx1}-ubyte) of 12x12 images:
// two classes of simple bar patterns.
void write_idx_folder(const std::string& dir, int train_n, int test_n);

// A copy of the LibTorch zip archive `from` with the records of `changed` added, or in place of
// its own (names without the archive's folder, as "code/__torch__.py").
void copy_archive_with(const std::string& from, const std::string& to, const std::map<std::string, std::string>& changed);

inline std::string str(const QString& s) { return s.toStdString(); }

// The message of the DataError `f` throws, or "no exception" / "wrong exception type: …" instead.
QString data_error(const std::function<void()>& f);

}  // namespace ncsn::test
