#pragma once
// Exports of the studio: PNGs that remember their settings, and the annealing as a GIF.
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

}  // namespace ncsn
