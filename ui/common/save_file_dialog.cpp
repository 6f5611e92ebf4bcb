#include "save_file_dialog.hpp"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>

namespace ncsn {
namespace {

const QString kLastFolderKey = QStringLiteral("dialogs/lastSaveFolder");

// A remembered folder that was deleted since would open the dialog with its name typed in.
QString lastFolder() {
  const QString folder = QSettings().value(kLastFolderKey).toString();
  return !folder.isEmpty() && QFileInfo(folder).isDir() ? folder : QDir::currentPath();
}

}  // namespace

QString askSaveFileName(QWidget* parent, const QString& title, const QString& suggestedName, const QString& filter) {
  QFileDialog dialog(parent, title, QDir(lastFolder()).filePath(suggestedName), filter);
  dialog.setAcceptMode(QFileDialog::AcceptSave);
  dialog.setDefaultSuffix(QFileInfo(suggestedName).suffix());
  if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty()) return {};
  QString path = dialog.selectedFiles().constFirst();
  QSettings().setValue(kLastFolderKey, QFileInfo(path).absolutePath());
  return path;
}

QString askExportFolder(QWidget* parent, const QString& title) {
  QFileDialog dialog(parent, title, lastFolder());
  dialog.setFileMode(QFileDialog::Directory);
  dialog.setOption(QFileDialog::ShowDirsOnly);
  if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty()) return {};
  QString folder = dialog.selectedFiles().constFirst();
  QSettings().setValue(kLastFolderKey, QFileInfo(folder).absoluteFilePath());
  return folder;
}

}  // namespace ncsn
