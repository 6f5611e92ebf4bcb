#include "save_file_dialog.hpp"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>

namespace ncsn {
namespace {

const QString kLastFolderKey = QStringLiteral("dialogs/lastSaveFolder");

}  // namespace

QString askSaveFileName(QWidget* parent, const QString& title, const QString& suggestedName, const QString& filter) {
  const QString folder = QSettings().value(kLastFolderKey, QDir::currentPath()).toString();
  QFileDialog dialog(parent, title, QDir(folder).filePath(suggestedName), filter);
  dialog.setAcceptMode(QFileDialog::AcceptSave);
  dialog.setDefaultSuffix(QFileInfo(suggestedName).suffix());
  if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty()) return {};
  QString path = dialog.selectedFiles().constFirst();
  QSettings().setValue(kLastFolderKey, QFileInfo(path).absolutePath());
  return path;
}

}  // namespace ncsn
