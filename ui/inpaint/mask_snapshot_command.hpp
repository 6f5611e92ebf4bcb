#pragma once
// An undo step that swaps the whole mask. Masks are at most a few hundred pixels square, so a
// before/after pair costs less than diffing would save.
#include <QImage>
#include <QUndoCommand>

namespace ncsn {

class MaskDocument;

class MaskSnapshotCommand : public QUndoCommand {
 public:
  MaskSnapshotCommand(MaskDocument* document, QImage before, QImage after, const QString& text);
  void undo() override;
  void redo() override;

 private:
  MaskDocument* document_;
  QImage before_, after_;
};

}  // namespace ncsn
