#pragma once
// The annealing as a video: H.264 in MP4 through OpenCV's FFmpeg backend, frame by frame.
#include <memory>
#include <string>

#include <torch/types.h>

namespace ncsn {

class Mp4VideoWriter {
 public:
  // `path` must end in .mp4 and its folder must exist (ConfigError / WriteError at once, before
  // any sampling). Nothing appears at `path` until finish() has checked the whole video.
  Mp4VideoWriter(std::string path, double fps);
  ~Mp4VideoWriter();  // an unfinished video leaves nothing behind
  Mp4VideoWriter(const Mp4VideoWriter&) = delete;
  Mp4VideoWriter& operator=(const Mp4VideoWriter&) = delete;

  // hwc: uint8 [H, W, C] with C = 1 or 3 (RGB), every frame the size of the first. Small images
  // are scaled up by a whole factor (nearest neighbour: pixels stay sharp) and padded to even
  // sides, as H.264's 4:2:0 colour needs.
  void add_frame(const torch::Tensor& hwc);
  int64_t frames() const;

  // Shows the last frame for `hold_seconds` more, closes the encoder, reads the file back to
  // check that every frame is in it, and moves it into place atomically. Throws WriteError when
  // a frame is missing (a full disk) or the file cannot be written.
  void finish(double hold_seconds = 1.0);

 private:
  struct Encoder;
  std::string path_;
  double fps_;
  std::unique_ptr<Encoder> encoder_;
};

}  // namespace ncsn
