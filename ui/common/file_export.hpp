#pragma once
// Writing the studio's PNG and text exports: all or nothing, and a failure says why.
#include <QByteArray>
#include <QString>

class QImage;

namespace ncsn {

// Replaces path with bytes in one step (QSaveFile: a temporary file renamed over it), so a full
// disk or a kill never leaves half a file. Throws std::runtime_error naming the file and the
// system's reason ("No space left on device", "No such file or directory").
void writeFileAtomically(const QString& path, const QByteArray& bytes);

// Encodes image as PNG and writes it with writeFileAtomically.
void writePngFile(const QImage& image, const QString& path);

}  // namespace ncsn
