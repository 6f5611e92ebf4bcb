#include "file_export.hpp"

#include <QBuffer>
#include <QFileInfo>
#include <QImage>
#include <QSaveFile>

#include <stdexcept>

namespace ncsn {
namespace {

[[noreturn]] void failWriting(const QString& path, const QString& reason) {
  throw std::runtime_error(QStringLiteral("Could not write %1: %2.").arg(path, reason).toStdString());
}

}  // namespace

void writeFileAtomically(const QString& path, const QByteArray& bytes) {
  const QFileInfo folder(QFileInfo(path).absolutePath());
  // QSaveFile's own message for these is about its temporary file, which the user never named.
  if (!folder.exists()) failWriting(path, QStringLiteral("the folder %1 does not exist").arg(folder.filePath()));
  if (!folder.isDir()) failWriting(path, QStringLiteral("%1 is not a folder").arg(folder.filePath()));
  QSaveFile file(path);
  // Unbuffered, and every write checked: a buffered QSaveFile commits a short file without error
  // when the disk fills during its final flush (Qt 6.4).
  if (!file.open(QIODevice::WriteOnly | QIODevice::Unbuffered)) failWriting(path, file.errorString());
  for (qint64 written = 0; written < bytes.size();) {
    // A short write leaves no reason; the next one fails and gives it.
    const qint64 n = file.write(bytes.constData() + written, bytes.size() - written);
    if (n <= 0) failWriting(path, file.errorString());  // the temporary file goes with `file`
    written += n;
  }
  if (!file.commit()) failWriting(path, file.errorString());
}

void writePngFile(const QImage& image, const QString& path) {
  QByteArray png;
  QBuffer buffer(&png);
  buffer.open(QIODevice::WriteOnly);
  if (image.isNull() || !image.save(&buffer, "PNG")) failWriting(path, QStringLiteral("the image could not be encoded"));
  writeFileAtomically(path, png);
}

}  // namespace ncsn
