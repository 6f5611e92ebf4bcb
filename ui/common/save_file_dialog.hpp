#pragma once
// The studio's one way to ask where an export goes.
#include <QString>

class QWidget;

namespace ncsn {

// Asks where to save a file of one format; empty when cancelled. A name typed without an extension
// gets the suggested name's (the file dialog adds none by itself), and the dialog opens in the
// folder last saved to, kept in QSettings, so that a session's exports land together.
QString askSaveFileName(QWidget* parent, const QString& title, const QString& suggestedName, const QString& filter);

// Asks for a folder to export several files into; empty when cancelled. Opens in, and then
// becomes, the same remembered folder as askSaveFileName.
QString askExportFolder(QWidget* parent, const QString& title);

}  // namespace ncsn
