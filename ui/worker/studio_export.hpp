#pragma once
// Exports of the studio: PNGs that remember their settings, and the annealing as a GIF or a video.
// Errors are thrown as ncsn::WriteError / DataError with messages a user can act on.
#include <QImage>
#include <QList>
#include <QString>

namespace ncsn {

// Writes `image` atomically with `settingsJson` in the "ncsn:settings" text chunk.
void writeSettingsPng(const QString& path, const QImage& image, const QString& settingsJson);
// The "ncsn:settings" chunk of a PNG, or an empty string when it has none.
QString readSettingsJson(const QString& path);
// An endlessly looping animated GIF, `delayMs` per frame (rounded to 10 ms).
void writeAnimatedGif(const QString& path, const QList<QImage>& frames, int delayMs = 100);
// An H.264 MP4 of every frame, about 10 s long (10 to 60 frames/s), the last frame held for a
// second. A long run's thousand frames take seconds to encode: call it off the UI thread.
void writeAnnealingVideo(const QString& path, const QList<QImage>& frames);

}  // namespace ncsn
