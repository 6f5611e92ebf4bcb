// Image headers are checked before any decoder sees the file: every listed format is read, sizes
// beyond the limit and unlisted formats are refused with the file's name, and no header, however
// damaged, escapes as anything but a DataError.
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <QtTest/QtTest>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ncsn/errors.hpp"
#include "ncsn/imageio/png_io.hpp"
#include "test_support.hpp"

using ncsn::test::data_error;
using ncsn::test::str;

namespace {

std::string le(uint64_t v, int n) {
  std::string out;
  for (int k = 0; k < n; ++k) out += static_cast<char>(v >> (8 * k) & 0xff);
  return out;
}

std::string be(uint64_t v, int n) {
  std::string out;
  for (int k = n - 1; k >= 0; --k) out += static_cast<char>(v >> (8 * k) & 0xff);
  return out;
}

// Tiny files whose headers claim width x height pixels, followed by a few bytes of "data".
std::string bmp_claiming(uint32_t w, uint32_t h) {
  return "BM" + le(54 + 64, 4) + le(0, 4) + le(54, 4) + le(40, 4) + le(w, 4) + le(h, 4) + le(1, 2) + le(24, 2) +
         std::string(24 + 64, '\0');
}
std::string jpeg_claiming(uint32_t w, uint32_t h) {
  const std::string app0 = "\xFF\xE0" + be(16, 2) + std::string("JFIF\0", 5) + std::string(9, '\0');
  return "\xFF\xD8" + app0 + "\xFF\xC0" + be(17, 2) + "\x08" + be(h, 2) + be(w, 2) + std::string(64, '\0');
}
std::string webp_claiming(uint32_t w, uint32_t h) {
  return "RIFF" + le(100, 4) + "WEBPVP8X" + le(10, 4) + le(0, 4) + le(w - 1, 3) + le(h - 1, 3) + std::string(64, '\0');
}
std::string tiff_claiming(uint32_t w, uint32_t h) {
  const auto entry = [](int tag, uint32_t v) { return be(tag, 2) + be(4, 2) + be(1, 4) + be(v, 4); };
  return std::string("MM\0*", 4) + be(8, 4) + be(2, 2) + entry(256, w) + entry(257, h) + be(0, 4) +
         std::string(64, '\0');
}
std::string pnm_claiming(uint32_t w, uint32_t h) {
  return "P6\n# a comment\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n" + std::string(64, '\0');
}

int64_t channels_of(const QString& name) { return name.endsWith("pgm") ? 1 : 3; }

cv::Mat gradient(int height, int width) {
  cv::Mat m(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 7 % 256, y * 11 % 256, (x + y) % 256);
  return m;
}

}  // namespace

class TestImageHeader : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  std::string path(const QString& name) const { return str(tmp_.filePath(name)); }

  std::string written(const QString& name, const cv::Mat& image, const std::vector<int>& params = {}) {
    const auto p = path(name);
    cv::Mat stored = image;
    if (name.endsWith(".pgm")) cv::cvtColor(image, stored, cv::COLOR_RGB2GRAY);  // PGM holds grey only
    if (!cv::imwrite(p, stored, params)) throw std::runtime_error("cannot write " + p);
    return p;
  }

 private slots:
  void initTestCase() { QVERIFY(tmp_.isValid()); }

  void everyListedFormatIsRead_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("webp_quality");
    for (const char* name : {"a.png", "a.jpg", "a.bmp", "a.tif", "a.ppm", "a.pgm"}) QTest::newRow(name) << name << 0;
    QTest::newRow("lossy.webp") << "lossy.webp" << 90;        // VP8
    QTest::newRow("lossless.webp") << "lossless.webp" << 101;  // VP8L
  }
  void everyListedFormatIsRead() {
    QFETCH(QString, name);
    QFETCH(int, webp_quality);
    std::vector<int> params;
    if (webp_quality > 0) params = {cv::IMWRITE_WEBP_QUALITY, webp_quality};
    const auto image = ncsn::read_image(written(name, gradient(23, 37), params), channels_of(name));
    QCOMPARE(image.sizes().vec(), (std::vector<int64_t>{channels_of(name), 23, 37}));
  }

  // 16384 pixels a side is read; one more is refused, naming the size the header declares.
  void sizesBeyondTheLimitAreRefused_data() {
    QTest::addColumn<QString>("ext");
    for (const char* ext : {"png", "jpg", "bmp", "tif", "ppm", "pgm"}) QTest::newRow(ext) << ext;
  }
  void sizesBeyondTheLimitAreRefused() {
    QFETCH(QString, ext);
    const auto wide = written("wide." + ext, gradient(2, 16385));
    auto msg = data_error([&] { ncsn::read_image(wide, channels_of(ext)); });
    QVERIFY2(msg.contains("declares 16385x2 pixels") && msg.contains(QString::fromStdString(wide)), qPrintable(msg));
    const auto tall = written("tall." + ext, gradient(16385, 2));
    msg = data_error([&] { ncsn::read_image(tall, channels_of(ext)); });
    QVERIFY2(msg.contains("declares 2x16385 pixels"), qPrintable(msg));
    QCOMPARE(ncsn::read_image(written("edge." + ext, gradient(1, 16384)), channels_of(ext)).size(2), 16384);
  }

  // The fuzzer's find: a 150-byte file claiming 30000x30000 pixels made OpenCV allocate 2.7 GB.
  void tinyFilesClaimingHugeImagesAreRefused_data() {
    QTest::addColumn<QByteArray>("bytes");
    const auto row = [](const char* name, const std::string& b) {
      QTest::newRow(name) << QByteArray(b.data(), static_cast<int>(b.size()));
    };
    row("bmp", bmp_claiming(30000, 30000));
    row("jpeg", jpeg_claiming(30000, 30000));
    row("webp", webp_claiming(30000, 30000));
    row("tiff", tiff_claiming(30000, 30000));
    row("pnm", pnm_claiming(30000, 30000));
  }
  void tinyFilesClaimingHugeImagesAreRefused() {
    QFETCH(QByteArray, bytes);
    const auto p = path("claim.img");
    ncsn::test::write_bytes(p, bytes.toStdString());
    for (const auto& read : std::vector<std::function<void()>>{[&] { ncsn::read_image(p, 3); },
                                                                 [&] { ncsn::read_mask(p, 8, 8); }}) {
      const auto msg = data_error(read);
      QVERIFY2(msg.contains("declares 30000x30000 pixels, beyond what the studio reads"), qPrintable(msg));
    }
  }

  void unlistedFormatsAreRefused_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");
    const QString unlisted = "not an image format the studio reads (PNG, JPEG, BMP, WebP, TIFF or PNM)";
    QTest::newRow("pfm") << QByteArray("PF\n4 4\n-1.0\n") << unlisted;
    QTest::newRow("radiance") << QByteArray("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 4 +X 4\n") << unlisted;
    QTest::newRow("pam") << QByteArray("P7\nWIDTH 4\nHEIGHT 4\nDEPTH 3\nMAXVAL 255\nENDHDR\n") << unlisted;
    QTest::newRow("sun raster") << QByteArray("\x59\xa6\x6a\x95\0\0\0\x04", 8) << unlisted;
    QTest::newRow("text") << QByteArray("hello") << unlisted;
    QTest::newRow("bigtiff") << QByteArray("II+\0\x08\0\0\0", 8) << "BigTIFF files are not read";
    QTest::newRow("no pixels") << QByteArray("P5 0 4 255\n") << "corrupt PNM (it declares no pixels)";
    QTest::newRow("bmp info") << QByteArray(bmp_claiming(4, 4).replace(14, 1, "\x20").c_str(), 60)
                              << "corrupt BMP (unknown info header)";
  }
  void unlistedFormatsAreRefused() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    const auto p = path("unlisted.img");
    ncsn::test::write_bytes(p, bytes.toStdString());
    const auto msg = data_error([&] { ncsn::read_image(p, 3); });
    QVERIFY2(msg.contains(expected) && msg.contains(QString::fromStdString(p)), qPrintable(msg));
  }

  // Every prefix of a real file of each format, and random byte flips in its first 64 bytes:
  // read_image returns or throws DataError, nothing else.
  void damagedHeadersAreDataErrors_data() {
    QTest::addColumn<QString>("name");
    for (const char* name : {"d.png", "d.jpg", "d.bmp", "d.tif", "d.ppm", "d.webp"}) QTest::newRow(name) << name;
  }
  void damagedHeadersAreDataErrors() {
    QFETCH(QString, name);
    const auto good = ncsn::test::read_bytes(written(name, gradient(5, 6)));
    const auto p = path("damaged-" + name);
    std::mt19937 rng(11);
    for (size_t i = 0; i < std::min<size_t>(good.size(), 200) + 300; ++i) {
      std::string bytes = good;
      if (i < std::min<size_t>(good.size(), 200)) {
        bytes.resize(i);
      } else {
        for (int k = 0; k < 2; ++k) bytes[rng() % std::min<size_t>(bytes.size(), 64)] = static_cast<char>(rng());
      }
      ncsn::test::write_bytes(p, bytes);
      const auto msg = data_error([&] { ncsn::read_image(p, 3); });
      QVERIFY2(msg == "no exception" || msg.contains(QString::fromStdString(p)), qPrintable(msg));
    }
  }
};

QTEST_GUILESS_MAIN(TestImageHeader)
#include "test_image_header.moc"
