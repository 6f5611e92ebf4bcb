#include "inpaint/mask_document.hpp"

#include "inpaint/mask_snapshot_command.hpp"
#include "inpaint/mask_values.hpp"

namespace ncsn {

MaskDocument::MaskDocument(QObject* parent) : QObject(parent) {}

void MaskDocument::reset(QSize size) {
  undoStack_.clear();
  QImage mask(size, QImage::Format_Grayscale8);
  mask.fill(kKnownValue);
  setMask(mask);
}

void MaskDocument::commit(const QImage& before, const QImage& after, const QString& text) {
  if (before == after) {
    setMask(after);
    return;
  }
  undoStack_.push(new MaskSnapshotCommand(this, before, after, text));  // push() applies it
}

void MaskDocument::showUncommitted(const QImage& mask) { setMask(mask); }

void MaskDocument::setMask(const QImage& mask) {
  mask_ = mask;
  emit maskChanged();
}

}  // namespace ncsn
