#include "test_support.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <QJsonDocument>
#include <caffe2/serialize/inline_container.h>
#include <torch/version.h>

#include "ncsn/errors.hpp"

namespace ncsn::test {

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes()) throw std::runtime_error("max_abs_diff: shapes differ");
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

bool same_weights(const torch::nn::Module& a, const torch::nn::Module& b) {
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  if (pa.size() != pb.size()) return false;
  for (const auto& item : pa) {
    const auto* other = pb.find(item.key());
    if (!other || !torch::equal(item.value(), *other)) return false;
  }
  return true;
}

QString data_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const ncsn::DataError& e) {
    return QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    return "wrong exception type: " + QString::fromStdString(e.what());
  }
  return "no exception";
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write fixture " + path);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

QJsonObject read_json_file(const QString& path) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(read_bytes(str(path)))).object();
}

void write_idx_folder(const std::string& dir, int train_n, int test_n) {
  auto be32 = [](std::string& s, uint32_t v) {
    for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
  };
  auto write_split = [&](const std::string& prefix, int n) {
    std::string images, labels;
    be32(images, 0x803), be32(images, n), be32(images, 12), be32(images, 12);
    be32(labels, 0x801), be32(labels, n);
    for (int i = 0; i < n; ++i) {
      for (int y = 0; y < 12; ++y)
        for (int x = 0; x < 12; ++x) images.push_back(static_cast<char>(((i % 2 ? x : y) / 3 % 2) ? 230 : 20));
      labels.push_back(static_cast<char>(i % 2));
    }
    write_bytes(dir + "/" + prefix + "-images-idx3-ubyte", images);
    write_bytes(dir + "/" + prefix + "-labels-idx1-ubyte", labels);
  };
  write_split("train", train_n);
  write_split("t10k", test_n);
}

namespace {

// The records LibTorch's writer adds by itself: "version", and since 2.x the three below. Built
// against 2.x, the archives here are genuine 2.x archives already.
bool written_by_the_writer(const std::string& name) {
#if TORCH_VERSION_MAJOR >= 2
  if (name == ".data/version" || name == ".data/serialization_id" || name == "byteorder") return true;
#endif
  return name == "version";
}

}  // namespace

void copy_archive_with(const std::string& from, const std::string& to, const std::map<std::string, std::string>& changed) {
  caffe2::serialize::PyTorchStreamReader in(from);
  caffe2::serialize::PyTorchStreamWriter out(to);
  for (const auto& name : in.getAllRecords()) {
    if (written_by_the_writer(name) || changed.count(name)) continue;
    auto [data, size] = in.getRecord(name);
    out.writeRecord(name, data.get(), size);
  }
  for (const auto& [name, bytes] : changed)
    if (!written_by_the_writer(name)) out.writeRecord(name, bytes.data(), bytes.size());
  out.writeEndOfFile();
}

}  // namespace ncsn::test
