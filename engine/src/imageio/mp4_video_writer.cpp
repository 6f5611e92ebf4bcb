#include "ncsn/imageio/mp4_video_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "file_extension.hpp"
#include "ncsn/atomic_file.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/image_dataset.hpp"

namespace ncsn {
namespace {

namespace fs = std::filesystem;

// Video players blur tiny frames, and 4:2:0 colour smears single pixels: frames are scaled up
// until their longer side is at least this.
constexpr int kMinLongSide = 480;

// The encoder writes to a private file first: FFmpeg reports no write errors to OpenCV, so the
// result is checked before it may replace anything at the target.
std::string private_temp_path() {
  static std::atomic<int> counter{0};
  return (fs::temp_directory_path() / ("ncsn-video-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".mp4")).string();
}

int64_t count_frames(const std::string& path) {
  cv::VideoCapture in(path, cv::CAP_FFMPEG);
  if (!in.isOpened()) return 0;
  int64_t n = 0;
  for (cv::Mat frame; in.read(frame);) ++n;
  return n;
}

}  // namespace

struct Mp4VideoWriter::Encoder {
  std::string temp = private_temp_path();
  cv::VideoWriter video;
  int width = 0, height = 0, channels = 0, scale = 1;
  cv::Size size;  // of the video: the frames scaled, then padded to even sides
  cv::Mat last;   // the last frame as written
  int64_t written = 0;

  ~Encoder() {
    video.release();
    std::error_code ignored;
    fs::remove(temp, ignored);
  }

  void open(int w, int h, int c, double fps) {
    width = w, height = h, channels = c;
    scale = std::max(1, (kMinLongSide + std::max(w, h) - 1) / std::max(w, h));
    size = cv::Size((w * scale + 1) / 2 * 2, (h * scale + 1) / 2 * 2);
    if (!video.open(temp, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('a', 'v', 'c', '1'), fps, size, true))
      throw WriteError("cannot start an H.264 video in " + temp +
                       ": the temporary folder is not writable, or OpenCV's FFmpeg has no H.264 encoder (libx264)");
  }

  void write(const torch::Tensor& hwc) {
    const auto t = hwc.contiguous();
    cv::Mat image(height, width, channels == 3 ? CV_8UC3 : CV_8UC1, t.data_ptr<uint8_t>());
    cv::Mat bgr;
    cv::cvtColor(image, bgr, channels == 3 ? cv::COLOR_RGB2BGR : cv::COLOR_GRAY2BGR);
    cv::resize(bgr, bgr, cv::Size(), scale, scale, cv::INTER_NEAREST);
    cv::copyMakeBorder(bgr, last, 0, size.height - bgr.rows, 0, size.width - bgr.cols, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    put(last);
  }

  void put(const cv::Mat& frame) {
    video.write(frame);
    ++written;
  }
};

Mp4VideoWriter::Mp4VideoWriter(std::string path, double fps) : path_(std::move(path)), fps_(fps) {
  if (detail::lowercase_extension(path_) != ".mp4")
    throw ConfigError("videos are written as H.264 MP4: give a file name ending in .mp4, not " + path_);
  if (!(fps_ > 0 && fps_ <= 120)) throw ConfigError("the video's frame rate must be above 0 and at most 120 frames/s");
  require_output_folder(path_);
}

Mp4VideoWriter::~Mp4VideoWriter() = default;

int64_t Mp4VideoWriter::frames() const { return encoder_ ? encoder_->written : 0; }

void Mp4VideoWriter::add_frame(const torch::Tensor& hwc) {
  if (hwc.dim() != 3 || hwc.scalar_type() != torch::kUInt8 || (hwc.size(2) != 1 && hwc.size(2) != 3))
    throw ConfigError("a video frame must be uint8 [H, W, C] with 1 or 3 channels");
  const int h = static_cast<int>(hwc.size(0)), w = static_cast<int>(hwc.size(1)), c = static_cast<int>(hwc.size(2));
  if (!encoder_) {
    encoder_ = std::make_unique<Encoder>();
    encoder_->open(w, h, c, fps_);
  } else if (w != encoder_->width || h != encoder_->height || c != encoder_->channels) {
    throw ConfigError("every frame of a video must have the size of the first (" + std::to_string(encoder_->width) + "x" +
                      std::to_string(encoder_->height) + ")");
  }
  encoder_->write(hwc.cpu());
}

void Mp4VideoWriter::finish(double hold_seconds) {
  if (!encoder_) throw ConfigError("no frames to write to " + path_ + ": nothing was sampled");
  for (int i = 0, n = static_cast<int>(std::lround(hold_seconds * fps_)); i < n; ++i) encoder_->put(encoder_->last);
  encoder_->video.release();
  const int64_t found = count_frames(encoder_->temp);
  if (found != encoder_->written)
    throw WriteError("the video encoder wrote " + std::to_string(found) + " of " + std::to_string(encoder_->written) + " frames to " +
                     encoder_->temp + " (is the disk full?); " + path_ + " was left as it was");
  write_file_atomically(path_, read_data_file(encoder_->temp));
  encoder_.reset();
}

}  // namespace ncsn
