// Videos of the annealing: frames in, an H.264 MP4 out that OpenCV reads back frame for frame.
#include <unistd.h>

#include <filesystem>

#include <QtTest/QtTest>
#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include "ncsn/errors.hpp"
#include "ncsn/imageio/mp4_video_writer.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using ncsn::test::str;

namespace {

torch::Tensor solid_rgb(int64_t h, int64_t w, int r, int g, int b) {
  auto t = torch::empty({h, w, 3}, torch::kUInt8);
  t.select(2, 0).fill_(r), t.select(2, 1).fill_(g), t.select(2, 2).fill_(b);
  return t;
}

std::vector<cv::Mat> read_frames(const std::string& path) {
  cv::VideoCapture in(path, cv::CAP_FFMPEG);
  std::vector<cv::Mat> frames;
  for (cv::Mat f; in.read(f);) frames.push_back(f.clone());
  return frames;
}

// Whether a BGR pixel or mean is within `tol` of the RGB colour (lossy coding moves it a little).
bool near_rgb(const cv::Scalar& bgr, int r, int g, int b, double tol = 8) {
  return std::abs(bgr[2] - r) <= tol && std::abs(bgr[1] - g) <= tol && std::abs(bgr[0] - b) <= tol;
}

bool video_temp_files_left() {
  const std::string mine = "ncsn-video-" + std::to_string(::getpid()) + "-";
  for (const auto& e : fs::directory_iterator(fs::temp_directory_path()))
    if (e.path().filename().string().rfind(mine, 0) == 0) return true;
  return false;
}

}  // namespace

class TestMp4VideoWriter : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  std::string path(const char* name) const { return str(tmp_.filePath(name)); }

 private slots:
  void framesComeBackInOrderWithTheirColours() {
    const std::string out = path("colours.mp4");
    ncsn::Mp4VideoWriter video(out, 10);
    for (int i = 0; i < 12; ++i) video.add_frame(solid_rgb(20, 30, i * 20, 255 - i * 20, 128));
    QCOMPARE(video.frames(), int64_t{12});
    QVERIFY(!fs::exists(out));  // nothing at the target before the video is checked
    video.finish(0.5);

    const auto frames = read_frames(out);
    QCOMPARE(int(frames.size()), 12 + 5);  // and the last one held for half a second at 10 frames/s
    QCOMPARE(frames[0].cols, 480);          // 30 pixels scaled 16 times, nearest neighbour
    QCOMPARE(frames[0].rows, 320);
    for (int i = 0; i < 17; ++i) {
      const int k = std::min(i, 11);
      QVERIFY2(near_rgb(cv::mean(frames[i]), k * 20, 255 - k * 20, 128), qPrintable(QStringLiteral("frame %1").arg(i)));
    }
    QVERIFY(!video_temp_files_left());
  }

  void greyFramesOfOddSizesArePaddedToEvenSides() {
    const std::string out = path("grey.mp4");
    ncsn::Mp4VideoWriter video(out, 25);
    auto grey = torch::full({5, 7, 1}, 200, torch::kUInt8);
    video.add_frame(grey);
    video.add_frame(grey);
    video.finish(0);
    const auto frames = read_frames(out);
    QCOMPARE(int(frames.size()), 2);
    QCOMPARE(frames[0].cols, 484);  // 7 x 69 = 483, padded to even
    QCOMPARE(frames[0].rows, 346);  // 5 x 69 = 345, padded to even
    QVERIFY(near_rgb(cv::mean(frames[0](cv::Rect(8, 8, 460, 320))), 200, 200, 200));
  }

  void mistakesAreRefusedBeforeAnythingIsSampled() {
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::Mp4VideoWriter(path("anneal.gif"), 25));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::Mp4VideoWriter(path("anneal.mp4"), 0));
    QVERIFY_THROWS_EXCEPTION(ncsn::WriteError, ncsn::Mp4VideoWriter(path("no/such/folder/anneal.mp4"), 25));

    ncsn::Mp4VideoWriter video(path("mixed.mp4"), 25);
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, video.finish());  // no frames yet
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, video.add_frame(torch::zeros({8, 8, 3})));  // float, not uint8
    video.add_frame(solid_rgb(8, 8, 1, 2, 3));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, video.add_frame(solid_rgb(8, 9, 1, 2, 3)));
  }

  void aFullDiskLeavesTheTargetAsItWas() {
    const std::string out = path("kept.mp4");
    ncsn::test::write_bytes(out, "the earlier video");
    {
      ncsn::Mp4VideoWriter video(out, 25);
      // Noise compresses badly: 30 frames cannot fit in 16 KiB, so the encoder's writes fail (EFBIG).
      ncsn::test::FileSizeLimit limit(16 * 1024);
      for (int i = 0; i < 30; ++i) video.add_frame(torch::randint(0, 256, {64, 64, 3}, torch::kUInt8));
      QVERIFY_THROWS_EXCEPTION(ncsn::WriteError, video.finish());
    }
    QCOMPARE(ncsn::test::read_bytes(out), std::string("the earlier video"));
    QVERIFY(!video_temp_files_left());
  }

  void anUnfinishedVideoLeavesNothingBehind() {
    const std::string out = path("unfinished.mp4");
    {
      ncsn::Mp4VideoWriter video(out, 25);
      video.add_frame(solid_rgb(16, 16, 9, 9, 9));
    }  // a sampling run stopped before its end
    QVERIFY(!fs::exists(out));
    QVERIFY(!video_temp_files_left());
  }
};

QTEST_APPLESS_MAIN(TestMp4VideoWriter)
#include "test_mp4_video_writer.moc"
