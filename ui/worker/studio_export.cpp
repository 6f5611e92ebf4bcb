#include "studio_export.hpp"

#include <algorithm>

#include <gif_lib.h>

#include <QFile>

#include <torch/torch.h>

#include "ncsn/errors.hpp"
#include "ncsn/imageio/mp4_video_writer.hpp"
#include "ncsn/imageio/png_io.hpp"
#include "tensor_image.hpp"

namespace ncsn {
namespace {

constexpr const char* kSettingsKey = "ncsn:settings";

// channels 0: grey when the image is, RGB otherwise.
torch::Tensor imageToHwc(const QImage& image, int channels = 0) {
  if (channels == 0) channels = image.isGrayscale() ? 1 : 3;
  return imageToTensor(image, channels).mul(255).round().to(torch::kU8).permute({1, 2, 0}).contiguous();
}

// A fixed 6x7x6 colour cube (252 entries): no quantiser needed, good enough for previews.
// Grey images use the exact 256-level grey ramp instead.
struct GifPalette {
  bool grey = true;
  ColorMapObject* map = nullptr;
  explicit GifPalette(bool greyScale) : grey(greyScale) {
    map = GifMakeMapObject(256, nullptr);
    for (int i = 0; i < 256; ++i) {
      auto& c = map->Colors[i];
      if (grey) {
        c.Red = c.Green = c.Blue = static_cast<GifByteType>(i);
      } else {
        const int r = (i / 42) % 6, g = (i / 6) % 7, b = i % 6;
        c.Red = static_cast<GifByteType>(r * 51), c.Green = static_cast<GifByteType>(g * 42), c.Blue = static_cast<GifByteType>(b * 51);
      }
    }
  }
  ~GifPalette() { GifFreeMapObject(map); }
  GifByteType index(QRgb p) const {
    if (grey) return static_cast<GifByteType>(qGray(p));
    const int r = (qRed(p) + 25) / 51, g = (qGreen(p) + 21) / 42, b = (qBlue(p) + 25) / 51;
    return static_cast<GifByteType>(r * 42 + g * 6 + b);
  }
};

void check(int ok, GifFileType* gif, const QString& path) {
  if (ok == GIF_OK) return;
  const int code = gif ? gif->Error : 0;
  throw WriteError("Could not write the GIF " + path.toStdString() + ": " + GifErrorString(code));
}

void putLoopExtension(GifFileType* gif, const QString& path) {
  static const GifByteType app[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
  static const GifByteType loop[] = {1, 0, 0};  // sub-block 1, loop count 0 = forever
  check(EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE), gif, path);
  check(EGifPutExtensionBlock(gif, sizeof app, app), gif, path);
  check(EGifPutExtensionBlock(gif, sizeof loop, loop), gif, path);
  check(EGifPutExtensionTrailer(gif), gif, path);
}

void putFrame(GifFileType* gif, const QImage& frame, const GifPalette& palette, int delayCs, const QString& path) {
  GraphicsControlBlock gcb{};
  gcb.DisposalMode = DISPOSAL_UNSPECIFIED;
  gcb.DelayTime = delayCs;
  gcb.TransparentColor = NO_TRANSPARENT_COLOR;
  GifByteType ext[4];
  const size_t len = EGifGCBToExtension(&gcb, ext);
  check(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(len), ext), gif, path);
  check(EGifPutImageDesc(gif, 0, 0, frame.width(), frame.height(), false, nullptr), gif, path);
  std::vector<GifByteType> row(static_cast<size_t>(frame.width()));
  const QImage rgb = frame.convertToFormat(QImage::Format_RGB32);
  for (int y = 0; y < rgb.height(); ++y) {
    const auto* line = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
    for (int x = 0; x < rgb.width(); ++x) row[static_cast<size_t>(x)] = palette.index(line[x]);
    check(EGifPutLine(gif, row.data(), rgb.width()), gif, path);
  }
}

// An animation's frames, all at the first one's size, and whether every one is grey (then the
// whole animation is: one palette, one channel count).
struct AnimationFrames {
  QList<QImage> images;
  bool grey = true;
};

AnimationFrames sameSizeFrames(const QList<QImage>& frames) {
  if (frames.isEmpty()) throw ConfigError("No frames to animate: sample first (the timeline stores the frames).");
  AnimationFrames animation;
  const QSize size = frames.first().size();
  for (const auto& f : frames) {
    animation.images.append(f.size() == size ? f : f.scaled(size));
    animation.grey = animation.grey && f.isGrayscale();
  }
  return animation;
}

}  // namespace

void writeSettingsPng(const QString& path, const QImage& image, const QString& settingsJson) {
  if (image.isNull()) throw ConfigError("Nothing to export yet: run a job first.");
  PngText text{{"Software", "NCSN Studio"}};
  if (!settingsJson.isEmpty()) text[kSettingsKey] = settingsJson.toStdString();
  write_png(path.toStdString(), imageToHwc(image), text);
}

QString readSettingsJson(const QString& path) {
  const auto text = read_png_text(path.toStdString());
  const auto it = text.find(kSettingsKey);
  return it == text.end() ? QString() : QString::fromStdString(it->second);
}

void writeAnnealingVideo(const QString& path, const QList<QImage>& frames) {
  const AnimationFrames animation = sameSizeFrames(frames);
  Mp4VideoWriter video(path.toStdString(), std::clamp(animation.images.size() / 10.0, 10.0, 60.0));
  for (const auto& f : animation.images) video.add_frame(imageToHwc(f, animation.grey ? 1 : 3));
  video.finish(1.0);
}

void writeAnimatedGif(const QString& path, const QList<QImage>& frames, int delayMs) {
  const AnimationFrames animation = sameSizeFrames(frames);
  const QSize size = animation.images.first().size();
  // Written next to the target and renamed, like every other export, so a failure loses nothing.
  const QString temp = path + QStringLiteral(".part");
  int error = 0;
  GifFileType* gif = EGifOpenFileName(temp.toLocal8Bit().constData(), false, &error);
  if (!gif) throw WriteError("Could not create " + path.toStdString() + ": " + GifErrorString(error));
  const GifPalette palette(animation.grey);
  try {
    EGifSetGifVersion(gif, true);
    check(EGifPutScreenDesc(gif, size.width(), size.height(), 8, 0, palette.map), gif, path);
    putLoopExtension(gif, path);
    for (const auto& f : animation.images) putFrame(gif, f, palette, std::max(1, delayMs / 10), path);
  } catch (...) {
    EGifCloseFile(gif, &error);
    QFile::remove(temp);
    throw;
  }
  if (EGifCloseFile(gif, &error) != GIF_OK) {
    QFile::remove(temp);
    throw WriteError("Could not finish " + path.toStdString() + " (disk full?): " + GifErrorString(error));
  }
  QFile::remove(path);
  if (!QFile::rename(temp, path)) {
    QFile::remove(temp);
    throw WriteError("Could not move the GIF into place at " + path.toStdString());
  }
}

}  // namespace ncsn
