#include "inpaint/mask_snapshot_command.hpp"

#include <utility>

#include "inpaint/mask_document.hpp"

namespace ncsn {

MaskSnapshotCommand::MaskSnapshotCommand(MaskDocument* document, QImage before, QImage after, const QString& text)
    : QUndoCommand(text), document_(document), before_(std::move(before)), after_(std::move(after)) {}

void MaskSnapshotCommand::undo() { document_->setMask(before_); }
void MaskSnapshotCommand::redo() { document_->setMask(after_); }

}  // namespace ncsn
