// Dataset loaders: IDX (raw and gzip), CIFAR-10 binary, image folders, and their error messages.
// Every fixture is written here, into a temporary folder.
#include <zlib.h>

#include <filesystem>
#include <functional>
#include <vector>

#include <QtTest/QtTest>
#include <opencv2/imgcodecs.hpp>

#include "ncsn/errors.hpp"
#include "ncsn/image_dataset.hpp"
#include "ncsn/imageio/dataset_source.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using ncsn::test::data_error;
using ncsn::test::str;

namespace {

void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::string idx_bytes(uint32_t magic, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
  std::string out;
  put_be32(out, magic);
  for (uint32_t d : dims) put_be32(out, d);
  out.append(data.begin(), data.end());
  return out;
}

// n images of h x w whose pixel values encode (image, row, col), so any transposition shows.
std::vector<uint8_t> pattern(int n, int h, int w) {
  std::vector<uint8_t> px;
  for (int i = 0; i < n; ++i)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) px.push_back(static_cast<uint8_t>(i * 50 + y * 7 + x));
  return px;
}

std::string idx_images(int n, int h, int w) { return idx_bytes(0x803, {uint32_t(n), uint32_t(h), uint32_t(w)}, pattern(n, h, w)); }
std::string idx_labels(const std::vector<uint8_t>& labels) { return idx_bytes(0x801, {uint32_t(labels.size())}, labels); }

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path);
  const int written = gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  if (written != static_cast<int>(bytes.size())) throw std::runtime_error("short gzip write " + path);
}

// One CIFAR-10 record: label, then uniform R, G and B planes; pixel (0, 1) of R is marked.
std::string cifar_record(uint8_t label, uint8_t r, uint8_t g, uint8_t b) {
  std::string rec(1, static_cast<char>(label));
  for (uint8_t v : {r, g, b}) rec.append(1024, static_cast<char>(v));
  rec[1 + 1] = static_cast<char>(r + 1);
  return rec;
}

// A 20-high, 60-wide image: red, green and blue thirds (RGB), written as BGR by OpenCV.
void write_thirds(const std::string& path, cv::Scalar centre_rgb) {
  cv::Mat img(20, 60, CV_8UC3);
  img.colRange(0, 20).setTo(cv::Scalar(0, 0, 255));
  img.colRange(20, 40).setTo(cv::Scalar(centre_rgb[2], centre_rgb[1], centre_rgb[0]));
  img.colRange(40, 60).setTo(cv::Scalar(255, 0, 0));
  if (!cv::imwrite(path, img)) throw std::runtime_error("cannot write " + path);
}

}  // namespace

class TestDatasets : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  std::string path(const char* name) const { return str(tmp_.filePath(name)); }
  std::string fresh_dir(const char* name) const {
    fs::create_directories(path(name));
    return path(name);
  }

 private slots:
  void initTestCase() { QVERIFY(tmp_.isValid()); }

  void idxRawRoundTripsPixelsAndLabels() {
    ncsn::test::write_bytes(path("raw-images"), idx_images(3, 28, 28));
    ncsn::test::write_bytes(path("raw-labels"), idx_labels({3, 1, 4}));
    auto ds = ncsn::load_idx(path("raw-images"), path("raw-labels"));
    QCOMPARE(ds.size(), 3);
    QCOMPARE(ds.images.sizes().vec(), (std::vector<int64_t>{3, 1, 28, 28}));
    QCOMPARE(ds.images.scalar_type(), torch::kUInt8);
    const auto px = pattern(3, 28, 28);
    QVERIFY(torch::equal(ds.images.flatten(), torch::tensor(std::vector<int64_t>(px.begin(), px.end())).to(torch::kUInt8)));
    QVERIFY(torch::equal(ds.labels, torch::tensor({3, 1, 4}, torch::kLong)));
  }

  void idxGzipRoundTripsNonSquareImages() {
    write_gz(path("gz-images.gz"), idx_images(2, 4, 5));
    write_gz(path("gz-labels.gz"), idx_labels({9, 0}));
    auto ds = ncsn::load_idx(path("gz-images.gz"), path("gz-labels.gz"));
    QCOMPARE(ds.images.sizes().vec(), (std::vector<int64_t>{2, 1, 4, 5}));
    // Image 1, row 3, column 2.
    QCOMPARE(ds.images[1][0][3][2].item<int>(), 50 + 21 + 2);
    QVERIFY(torch::equal(ds.labels, torch::tensor({9, 0}, torch::kLong)));
  }

  void idxWithoutLabelsHasMinusOne() {
    ncsn::test::write_bytes(path("nolabels"), idx_images(2, 3, 3));
    auto ds = ncsn::load_idx(path("nolabels"));
    QVERIFY(torch::equal(ds.labels, torch::full({2}, -1, torch::kLong)));
  }

  void batchIsFloatInUnitRange() {
    ncsn::test::write_bytes(path("batch-images"), idx_images(3, 2, 2));
    auto ds = ncsn::load_idx(path("batch-images"));
    auto b = ds.batch(torch::tensor({2, 0}));
    QCOMPARE(b.scalar_type(), torch::kFloat);
    QCOMPARE(b.sizes().vec(), (std::vector<int64_t>{2, 1, 2, 2}));
    QVERIFY(ncsn::test::max_abs_diff(b[0], ds.images[2].to(torch::kFloat) / 255.0) < 1e-7);
    QVERIFY(ncsn::test::max_abs_diff(b[1], ds.images[0].to(torch::kFloat) / 255.0) < 1e-7);
    // Asked for on a device: there, with the same pixels (CUDA: ncsn-cuda-checks).
    const auto on_cpu = ds.batch(torch::tensor({2, 0}), torch::Device(torch::kCPU));
    QCOMPARE(on_cpu.device(), torch::Device(torch::kCPU));
    QVERIFY(torch::equal(on_cpu, b));
  }

  void idxFolderFindsBothSplitsGzOrRaw() {
    const auto dir = fresh_dir("mnist");
    write_gz(dir + "/train-images-idx3-ubyte.gz", idx_images(4, 28, 28));
    write_gz(dir + "/train-labels-idx1-ubyte.gz", idx_labels({0, 1, 2, 3}));
    ncsn::test::write_bytes(dir + "/t10k-images-idx3-ubyte", idx_images(2, 28, 28));
    ncsn::test::write_bytes(dir + "/t10k-labels-idx1-ubyte", idx_labels({5, 6}));
    QCOMPARE(ncsn::load_idx_folder(dir, ncsn::Split::Train).size(), 4);
    auto test = ncsn::load_dataset(ncsn::DatasetSource::parse("mnist", dir), ncsn::Split::Test);
    QCOMPARE(test.size(), 2);
    QCOMPARE(test.name, std::string("mnist"));
    QVERIFY(torch::equal(test.labels, torch::tensor({5, 6}, torch::kLong)));
  }

  void idxFolderNamesTheMissingFile() {
    const auto dir = fresh_dir("half-mnist");
    ncsn::test::write_bytes(dir + "/train-images-idx3-ubyte", idx_images(1, 28, 28));
    const auto msg = data_error([&] { ncsn::load_idx_folder(dir, ncsn::Split::Train); });
    QVERIFY2(msg.contains(QString::fromStdString(dir)) && msg.contains("train-labels-idx1-ubyte"), qPrintable(msg));
    const auto absent = data_error([&] { ncsn::load_idx_folder(path("no-such-folder"), ncsn::Split::Train); });
    QVERIFY2(absent.contains("no-such-folder") && !absent.contains("apt"), qPrintable(absent));
  }

  void defaultFashionMnistDirHonoursEnvironment() {
    const QByteArray saved = qgetenv("NCSN_FASHION_MNIST_DIR");
    qunsetenv("NCSN_FASHION_MNIST_DIR");
    QCOMPARE(ncsn::default_fashion_mnist_dir(), std::string("/usr/share/datasets/fashion-mnist"));
    qputenv("NCSN_FASHION_MNIST_DIR", "/data/fm");
    QCOMPARE(ncsn::default_fashion_mnist_dir(), std::string("/data/fm"));
    if (saved.isEmpty()) qunsetenv("NCSN_FASHION_MNIST_DIR");
    else qputenv("NCSN_FASHION_MNIST_DIR", saved);
  }

  void fashionMnistFromDebianPackage() {
    if (!fs::is_directory("/usr/share/datasets/fashion-mnist")) QSKIP("dataset-fashion-mnist is not installed");
    ncsn::DatasetSource src = ncsn::DatasetSource::parse("fashion-mnist", "/usr/share/datasets/fashion-mnist");
    auto train = ncsn::load_dataset(src, ncsn::Split::Train);
    auto test = ncsn::load_dataset(src, ncsn::Split::Test);
    QCOMPARE(train.size(), 60000);
    QCOMPARE(test.size(), 10000);
    QCOMPARE(train.images.sizes().vec(), (std::vector<int64_t>{60000, 1, 28, 28}));
    QCOMPARE(test.labels.min().item<int64_t>(), 0);
    QCOMPARE(test.labels.max().item<int64_t>(), 9);
    QCOMPARE(train.name, std::string("fashion-mnist"));
  }

  void cifarKeepsRedPlaneFirstAndLabels() {
    const auto dir = fresh_dir("cifar");
    ncsn::test::write_bytes(dir + "/data_batch_1.bin", cifar_record(7, 10, 100, 200) + cifar_record(2, 11, 101, 201));
    ncsn::test::write_bytes(dir + "/data_batch_3.bin", cifar_record(5, 12, 102, 202));
    ncsn::test::write_bytes(dir + "/test_batch.bin", cifar_record(9, 13, 103, 203));
    auto train = ncsn::load_cifar10(dir, ncsn::Split::Train);
    QCOMPARE(train.images.sizes().vec(), (std::vector<int64_t>{3, 3, 32, 32}));
    QVERIFY(torch::equal(train.labels, torch::tensor({7, 2, 5}, torch::kLong)));
    for (int k = 0; k < 3; ++k) {
      QCOMPARE(train.images[k][0][0][0].item<int>(), 10 + k);
      QCOMPARE(train.images[k][0][0][1].item<int>(), 11 + k);  // the marked pixel: row-major within a plane
      QCOMPARE(train.images[k][1][31][31].item<int>(), 100 + k);
      QCOMPARE(train.images[k][2][16][5].item<int>(), 200 + k);
    }
    auto test = ncsn::load_dataset(ncsn::DatasetSource::parse("cifar10", dir), ncsn::Split::Test);
    QCOMPARE(test.size(), 1);
    QCOMPARE(test.labels[0].item<int64_t>(), 9);
  }

  void cifarWithoutTrainBatchesFails() {
    const auto dir = fresh_dir("cifar-empty");
    const auto msg = data_error([&] { ncsn::load_cifar10(dir, ncsn::Split::Train); });
    QVERIFY2(msg.contains(QString::fromStdString(dir)) && msg.contains("data_batch_1.bin"), qPrintable(msg));
  }

  void imageFolderCentreCropsAndResizes() {
    const auto dir = fresh_dir("flat");
    write_thirds(dir + "/b.png", {0, 255, 0});
    write_thirds(dir + "/a.PNG", {255, 255, 0});
    write_thirds(dir + "/c.bmp", {0, 0, 0});
    ncsn::test::write_bytes(dir + "/notes.txt", "not an image");
    ncsn::test::write_bytes(dir + "/d.png.tmp-12-0", "half-written");
    for (int64_t crop : {0, 140, 10}) {
      auto ds = ncsn::load_image_folder(dir, 8, crop);
      QCOMPARE(ds.images.sizes().vec(), (std::vector<int64_t>{3, 3, 8, 8}));
      // Sorted by name (a, b, c); the centred square is the middle third, so no red or blue remains.
      auto mean = ds.images.to(torch::kFloat).mean({2, 3});
      QVERIFY(torch::equal(mean, torch::tensor({{255.f, 255.f, 0.f}, {0.f, 255.f, 0.f}, {0.f, 0.f, 0.f}})));
    }
    auto grey = ncsn::load_image_folder(dir, 4, 0, 1);
    QCOMPARE(grey.images.sizes().vec(), (std::vector<int64_t>{3, 1, 4, 4}));
    QVERIFY(torch::equal(grey.labels, torch::full({3}, -1, torch::kLong)));
  }

  void imageFolderHoldsOutTheLastFilesAsTest() {
    const auto dir = fresh_dir("split-flat");
    for (const char* name : {"1.png", "2.png", "3.png"}) write_thirds(dir + "/" + name, {0, 0, 255});
    auto src = ncsn::DatasetSource::parse("folder", dir);
    src.image_size = 6;
    QCOMPARE(ncsn::load_dataset(src, ncsn::Split::Train).size(), 2);
    auto test = ncsn::load_dataset(src, ncsn::Split::Test);
    QCOMPARE(test.size(), 1);
    QCOMPARE(test.images.sizes().vec(), (std::vector<int64_t>{1, 3, 6, 6}));
    QCOMPARE(test.name, std::string("split-flat"));
  }

  void imageFolderUsesTrainAndTestSubfolders() {
    const auto dir = fresh_dir("split-sub");
    fs::create_directories(dir + "/train");
    fs::create_directories(dir + "/test");
    for (const char* name : {"/train/x.png", "/train/y.png", "/train/z.png", "/test/w.png"})
      write_thirds(dir + name, {255, 0, 255});
    write_thirds(dir + "/stray.png", {0, 0, 0});
    auto src = ncsn::DatasetSource::parse("folder", dir);
    QCOMPARE(ncsn::load_dataset(src, ncsn::Split::Train).size(), 3);
    auto test = ncsn::load_dataset(src, ncsn::Split::Test);
    QCOMPARE(test.size(), 1);
    QCOMPARE(test.images[0][0].to(torch::kFloat).mean().item<float>(), 255.f);
  }

  void imageFolderErrorsNameTheFile() {
    const auto empty = fresh_dir("no-images");
    ncsn::test::write_bytes(empty + "/readme.txt", "hello");
    const auto msg = data_error([&] { ncsn::load_image_folder(empty, 32, 0); });
    QVERIFY2(msg.contains(QString::fromStdString(empty)), qPrintable(msg));
    const auto bad = fresh_dir("bad-image");
    ncsn::test::write_bytes(bad + "/broken.png", "definitely not a PNG");
    const auto msg2 = data_error([&] { ncsn::load_image_folder(bad, 32, 0); });
    QVERIFY2(msg2.contains(QString::fromStdString(bad + "/broken.png")), qPrintable(msg2));
  }

  void parseKnowsTheKinds() {
    QCOMPARE(ncsn::DatasetSource::parse("", "").kind_name(), std::string("fashion-mnist"));
    QVERIFY(!ncsn::DatasetSource::parse("fashion-mnist", "").random_flip_by_default());
    QVERIFY(ncsn::DatasetSource::parse("cifar10", "/x").random_flip_by_default());
    QVERIFY(ncsn::DatasetSource::parse("folder", "/x").kind == ncsn::DatasetKind::ImageFolder);
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::DatasetSource::parse("mnist", ""));
    try {
      ncsn::DatasetSource::parse("celeba", "/x");
      QFAIL("expected ConfigError");
    } catch (const ncsn::ConfigError& e) {
      const QString msg = e.what();
      QVERIFY2(msg.contains("celeba") && msg.contains("fashion-mnist, mnist, cifar10, folder"), qPrintable(msg));
    }
  }

  // Bad inputs: each gives a DataError whose message names the offending file.
  void rejectsWrongMagic() {
    const auto p = path("wrong-magic");
    ncsn::test::write_bytes(p, idx_bytes(0x801, {2, 2, 2}, std::vector<uint8_t>(8)));
    const auto msg = data_error([&] { ncsn::load_idx(p); });
    QVERIFY2(msg.contains(QString::fromStdString(p)) && msg.contains("magic"), qPrintable(msg));
  }
  void rejectsTruncatedRawAndGzip() {
    const auto raw = path("truncated-raw");
    auto bytes = idx_images(3, 28, 28);
    ncsn::test::write_bytes(raw, bytes.substr(0, bytes.size() - 10));
    auto msg = data_error([&] { ncsn::load_idx(raw); });
    QVERIFY2(msg.contains(QString::fromStdString(raw)), qPrintable(msg));
    const auto gz = path("truncated.gz");
    write_gz(path("whole.gz"), bytes);
    const auto packed = ncsn::test::read_bytes(path("whole.gz"));
    ncsn::test::write_bytes(gz, packed.substr(0, packed.size() / 2));
    msg = data_error([&] { ncsn::load_idx(gz); });
    QVERIFY2(msg.contains(QString::fromStdString(gz)) && msg.contains("truncated"), qPrintable(msg));
  }
  void rejectsHugeHeaderWithoutAllocating() {
    const auto p = path("huge-header");
    ncsn::test::write_bytes(p, idx_bytes(0x803, {0xffffffffu, 0xffffffffu, 0xffffffffu}, std::vector<uint8_t>(16)));
    const auto msg = data_error([&] { ncsn::load_idx(p); });
    QVERIFY2(msg.contains(QString::fromStdString(p)), qPrintable(msg));
  }
  void rejectsEmptyFile() {
    const auto p = path("empty-file");
    ncsn::test::write_bytes(p, "");
    const auto msg = data_error([&] { ncsn::load_idx(p); });
    QVERIFY2(msg.contains(QString::fromStdString(p)) && msg.contains("empty"), qPrintable(msg));
  }
  void rejectsDirectoryAsFile() {
    const auto p = fresh_dir("a-folder");
    const auto msg = data_error([&] { ncsn::load_idx(p); });
    QVERIFY2(msg.contains(QString::fromStdString(p)) && msg.contains("folder"), qPrintable(msg));
  }
  void rejectsLabelCountMismatch() {
    ncsn::test::write_bytes(path("mm-images"), idx_images(3, 2, 2));
    ncsn::test::write_bytes(path("mm-labels"), idx_labels({1, 2}));
    const auto msg = data_error([&] { ncsn::load_idx(path("mm-images"), path("mm-labels")); });
    QVERIFY2(msg.contains(QString::fromStdString(path("mm-labels"))) && msg.contains("2 labels") && msg.contains("3 images"),
             qPrintable(msg));
  }
  void rejectsMissingFile() {
    const auto p = path("does-not-exist.gz");
    const auto msg = data_error([&] { ncsn::load_idx(p); });
    QVERIFY2(msg.contains(QString::fromStdString(p)) && msg.contains("does not exist"), qPrintable(msg));
  }
  void rejectsCifarSizeNotMultipleOfRecord() {
    const auto dir = fresh_dir("cifar-bad");
    ncsn::test::write_bytes(dir + "/test_batch.bin", cifar_record(1, 1, 1, 1) + "xyz");
    const auto msg = data_error([&] { ncsn::load_cifar10(dir, ncsn::Split::Test); });
    QVERIFY2(msg.contains(QString::fromStdString(dir + "/test_batch.bin")) && msg.contains("3073"), qPrintable(msg));
  }
};

QTEST_APPLESS_MAIN(TestDatasets)
#include "test_datasets.moc"
