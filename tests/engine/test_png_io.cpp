// PNG export with reproducibility text chunks, image and mask reading, and sample grids.
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <random>

#include <QtTest/QtTest>
#include <opencv2/imgcodecs.hpp>

#include "ncsn/errors.hpp"
#include "ncsn/image_grid.hpp"
#include "ncsn/imageio/png_io.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using ncsn::test::data_error;
using ncsn::test::str;

namespace {

torch::Tensor random_hwc(int64_t h, int64_t w, int64_t c) {
  return torch::randint(0, 256, {h, w, c}, torch::TensorOptions().dtype(torch::kUInt8));
}

const ncsn::PngText kSettings{
    {"seed", "1234"},
    {"config", "{\n  \"sigma_begin\": 1.0,\n  \"name\": \"a \\\"quoted\\\" run\"\n}"},
    {"checkpoint", "/runs/fashion/checkpoint_5000.pth"},
    {"Software", "NCSN Studio"},
};

}  // namespace

class TestPngIo : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  std::string path(const char* name) const { return str(tmp_.filePath(name)); }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    torch::manual_seed(0);
  }

  void textChunksRoundTrip() {
    ncsn::write_png(path("settings.png"), random_hwc(9, 7, 3), kSettings);
    QCOMPARE(ncsn::read_png_text(path("settings.png")), kSettings);
    // The encoded bytes are the same stream, and still an image any decoder reads.
    const auto bytes = ncsn::encode_png(random_hwc(4, 4, 1), kSettings);
    ncsn::test::write_bytes(path("encoded.png"), bytes);
    QCOMPARE(ncsn::read_png_text(path("encoded.png")), kSettings);
    QVERIFY(!cv::imread(path("encoded.png"), cv::IMREAD_UNCHANGED).empty());
    ncsn::write_png(path("plain.png"), random_hwc(2, 2, 3));
    QVERIFY(ncsn::read_png_text(path("plain.png")).empty());
  }

  void rejectsBadKeys() {
    const auto img = random_hwc(2, 2, 1);
    for (const std::string& key : {std::string(), std::string(80, 'k'), std::string("a\0b", 3), std::string("new\nline")})
      QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::encode_png(img, {{key, "v"}}));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::encode_png(img, {{"k", std::string("a\0b", 3)}}));
    QCOMPARE(ncsn::encode_png(img, {{std::string(79, 'k'), "v"}}).empty(), false);
  }

  void rejectsBadImageTensors() {
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::encode_png(torch::zeros({2, 2, 3})));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::encode_png(random_hwc(2, 2, 2)));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::encode_png(random_hwc(2, 2, 3)[0]));
  }

  void pixelsRoundTripThroughReadImage() {
    const auto rgb = random_hwc(5, 7, 3);
    ncsn::write_png(path("rgb.png"), rgb);
    auto back = ncsn::read_image(path("rgb.png"), 3);
    QCOMPARE(back.sizes().vec(), (std::vector<int64_t>{3, 5, 7}));
    QCOMPARE(back.scalar_type(), torch::kFloat);
    QVERIFY(torch::equal(back.mul(255).round().to(torch::kUInt8).permute({1, 2, 0}), rgb));
    const auto grey = random_hwc(6, 3, 1);
    ncsn::write_png(path("grey.png"), grey);
    QVERIFY(torch::equal(ncsn::read_image(path("grey.png"), 1).mul(255).round().to(torch::kUInt8).permute({1, 2, 0}), grey));
    // RGB order on disk: a pure red tensor is red to OpenCV (which reads BGR).
    ncsn::write_png(path("red.png"), torch::tensor({255, 0, 0}, torch::kUInt8).view({1, 1, 3}));
    const cv::Vec3b bgr = cv::imread(path("red.png")).at<cv::Vec3b>(0, 0);
    QCOMPARE(int(bgr[2]), 255);
    QCOMPARE(int(bgr[0]), 0);
  }

  void greyAndColourMismatchesAreConfigErrors() {
    ncsn::write_png(path("colour.png"), random_hwc(4, 4, 3));
    ncsn::write_png(path("grey-file.png"), random_hwc(4, 4, 1));
    auto grey_rgb = random_hwc(4, 4, 1).expand({4, 4, 3}).contiguous();
    ncsn::write_png(path("grey-content.png"), grey_rgb);
    const auto config_error = [](const std::function<void()>& f) -> std::string {
      try {
        f();
      } catch (const ncsn::ConfigError& e) {
        return e.what();
      }
      return "";
    };
    QVERIFY(config_error([&] { ncsn::read_image(path("colour.png"), 1); }).find("colour.png is in colour but the model works on greyscale") != std::string::npos);
    QVERIFY(config_error([&] { ncsn::read_image(path("grey-file.png"), 3); }).find("grey-file.png is a greyscale image but the model works on colour") != std::string::npos);
    // An RGB file of grey pixels suits a grey model (and a colour one).
    QVERIFY(torch::equal(ncsn::read_image(path("grey-content.png"), 1), ncsn::read_image(path("grey-content.png"), 3)[0].unsqueeze(0)));
  }

  void readImageErrorsNameTheFile() {
    auto msg = data_error([&] { ncsn::read_image(path("missing.png"), 3); });
    QVERIFY2(msg.contains(QString::fromStdString(path("missing.png"))), qPrintable(msg));
    ncsn::test::write_bytes(path("garbage.jpg"), "this is text");
    msg = data_error([&] { ncsn::read_image(path("garbage.jpg"), 3); });
    QVERIFY2(msg.contains(QString::fromStdString(path("garbage.jpg"))), qPrintable(msg));
  }

  void maskThresholdsAtHalfAndChecksSize() {
    const auto values = torch::tensor({0, 127, 128, 255, 200, 1}, torch::kUInt8).view({2, 3, 1});
    ncsn::write_png(path("mask.png"), values);
    auto mask = ncsn::read_mask(path("mask.png"), 2, 3);
    QCOMPARE(mask.sizes().vec(), (std::vector<int64_t>{1, 2, 3}));
    QVERIFY(torch::equal(mask.flatten(), torch::tensor({0.f, 0.f, 1.f, 1.f, 1.f, 0.f})));
    ncsn::write_png(path("mask30.png"), torch::full({30, 30, 1}, 255, torch::kUInt8));
    const auto msg = data_error([&] { ncsn::read_mask(path("mask30.png"), 28, 28); });
    QVERIFY2(msg.contains("mask is 30x30 but the image is 28x28"), qPrintable(msg));
  }

  void corruptPngsAreDataErrors() {
    const auto good = ncsn::encode_png(random_hwc(8, 8, 3), kSettings);
    struct Case {
      const char* name;
      std::string bytes;
    };
    std::string bad_crc = good;
    bad_crc[16] ^= 0x01;  // inside IHDR's data
    std::string bad_sig = good;
    bad_sig[1] = 'Q';
    std::string huge_len = good;
    huge_len[8] = '\x7f';  // IHDR length becomes ~2 GiB
    for (const Case& c : {Case{"truncated.png", good.substr(0, good.size() / 2)}, Case{"bad-crc.png", bad_crc},
                          Case{"bad-signature.png", bad_sig}, Case{"huge-length.png", huge_len}, Case{"empty.png", ""},
                          Case{"no-iend.png", good.substr(0, good.size() - 12)}}) {
      ncsn::test::write_bytes(path(c.name), c.bytes);
      const auto msg = data_error([&] { ncsn::read_png_text(path(c.name)); });
      QVERIFY2(msg.contains(QString::fromStdString(path(c.name))), qPrintable(msg));
    }
    const auto msg = data_error([&] { ncsn::read_png_text(path("absent.png")); });
    QVERIFY2(msg.contains("absent.png"), qPrintable(msg));
  }

  // Every prefix and many random byte flips: read_png_text returns or throws DataError, nothing else.
  void fuzzedPngsNeverEscapeAsOtherErrors() {
    const auto good = ncsn::encode_png(random_hwc(3, 3, 1), kSettings);
    std::mt19937 rng(7);
    for (size_t i = 0; i < good.size() + 300; ++i) {
      std::string bytes = good;
      if (i < good.size()) {
        bytes.resize(i);
      } else {
        for (int k = 0; k < 3; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
      ncsn::test::write_bytes(path("fuzz.png"), bytes);
      try {
        ncsn::read_png_text(path("fuzz.png"));
      } catch (const ncsn::DataError&) {
      }
    }
  }

  void writeIntoMissingFolderIsWriteError() {
    ncsn::test::write_bytes(path("a-file"), "x");
    QVERIFY_THROWS_EXCEPTION(ncsn::WriteError, ncsn::write_png(path("a-file") + "/out.png", random_hwc(2, 2, 3)));
    QVERIFY_THROWS_EXCEPTION(ncsn::WriteError, ncsn::write_png(path("no-such-dir") + "/out.png", random_hwc(2, 2, 3)));
  }

  void refusesNamesOfOtherFormats() {
    for (const char* name : {"grid.jpg", "grid", "grid.png.bak", "png"})
      QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::write_png(path(name), random_hwc(2, 2, 3)));
    for (const char* name : {"grid.jpg", "grid", "grid.png.bak", "png"}) QVERIFY(!fs::exists(path(name)));
    ncsn::write_png(path("upper.PNG"), random_hwc(2, 2, 3));
    QVERIFY(!cv::imread(path("upper.PNG")).empty());
  }

  void failedWriteLeavesTheOldFileIntact() {
    const auto target = path("keep.png");
    ncsn::write_png(target, random_hwc(2, 2, 3), {{"seed", "1"}});
    const auto before = ncsn::test::read_bytes(target);
    {
      // A large random image cannot fit under the limit, so the write fails part-way (EFBIG).
      ncsn::test::FileSizeLimit limit(before.size() + 64);
      QVERIFY_THROWS_EXCEPTION(ncsn::WriteError, ncsn::write_png(target, random_hwc(64, 64, 3), {{"seed", "2"}}));
    }
    QCOMPARE(ncsn::test::read_bytes(target), before);
    for (const auto& entry : fs::directory_iterator(str(tmp_.path())))
      QVERIFY2(entry.path().filename().string().find(".tmp-") == std::string::npos, "temp file left behind");
  }

  void gridPlacesTilesRowMajorWithPadding() {
    // 5 uniform 3x4x6 images with values k/10, in 3 columns with 2 pixels of padding valued 7.
    auto images = torch::arange(5, torch::kFloat).div(10).view({5, 1, 1, 1}).expand({5, 3, 4, 6}).contiguous();
    auto grid = ncsn::make_grid(images, 3, 2, 7);
    QCOMPARE(grid.sizes().vec(), (std::vector<int64_t>{2 * (4 + 2) + 2, 3 * (6 + 2) + 2, 3}));
    QCOMPARE(grid.scalar_type(), torch::kUInt8);
    for (int k = 0; k < 5; ++k) {
      const int64_t y = 2 + (k / 3) * 6, x = 2 + (k % 3) * 8;
      auto tile = grid.narrow(0, y, 4).narrow(1, x, 6);
      const int expected = static_cast<int>(k / 10.0f * 255 + 0.5f);
      QVERIFY2(torch::equal(tile, torch::full({4, 6, 3}, expected, torch::kUInt8)), qPrintable(QString::number(k)));
    }
    QCOMPARE(grid[0][0][0].item<int>(), 7);
    QCOMPARE(grid[7][9][1].item<int>(), 7);  // between the two rows
    QVERIFY(torch::equal(grid.narrow(0, 8, 4).narrow(1, 18, 6), torch::full({4, 6, 3}, 7, torch::kUInt8)));  // 6th slot is empty
    // Out-of-range pixels are clamped; the grid writes as a PNG.
    auto bright = ncsn::make_grid(torch::full({1, 1, 2, 2}, 3.0f), 8, 0);
    QCOMPARE(bright.sizes().vec(), (std::vector<int64_t>{2, 2, 1}));
    QCOMPARE(bright.max().item<int>(), 255);
    ncsn::write_png(path("grid.png"), grid, {{"columns", "3"}});
    QCOMPARE(ncsn::read_image(path("grid.png"), 3).size(2), grid.size(1));
  }
};

QTEST_APPLESS_MAIN(TestPngIo)
#include "test_png_io.moc"
