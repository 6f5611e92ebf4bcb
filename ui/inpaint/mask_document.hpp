#pragma once
// The mask being edited and its undo history. Every finished edit (a whole brush stroke, a
// rectangle, a fill, invert, clear, a preset, a loaded file) is exactly one undo step.
#include <QImage>
#include <QObject>
#include <QUndoStack>

namespace ncsn {

class MaskDocument : public QObject {
  Q_OBJECT
 public:
  explicit MaskDocument(QObject* parent = nullptr);

  const QImage& mask() const { return mask_; }
  QUndoStack* undoStack() { return &undoStack_; }

  // A fresh all-known mask of `size` with an empty, clean history.
  void reset(QSize size);

  // Records `before` -> `after` as one undo step named `text` and shows `after`. Nothing is
  // recorded when they are equal. `before` may differ from mask(): a stroke shows its progress
  // with showUncommitted() and commits the mask it started from.
  void commit(const QImage& before, const QImage& after, const QString& text);
  void commit(const QImage& after, const QString& text) { commit(mask_, after, text); }

  // Shows an edit in progress without recording it.
  void showUncommitted(const QImage& mask);

  // Used by the undo commands only.
  void setMask(const QImage& mask);

 signals:
  void maskChanged();

 private:
  QImage mask_;
  QUndoStack undoStack_;
};

}  // namespace ncsn
