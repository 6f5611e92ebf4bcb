#include "inpaint/candidate_strip.hpp"

#include <QMouseEvent>
#include <QPixmap>
#include <QScrollBar>
#include <algorithm>

namespace ncsn {
namespace {

// Thumbnails are whole multiples of the image size so the pixels stay square.
QSize thumbnailSize(QSize image, int targetSide) {
  const int factor = std::max(1, targetSide / std::max(1, std::max(image.width(), image.height())));
  return image * factor;
}

}  // namespace

CandidateStrip::CandidateStrip(QWidget* parent) : QListWidget(parent) {
  setViewMode(QListView::IconMode);
  setFlow(QListView::LeftToRight);
  setWrapping(false);
  setMovement(QListView::Static);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setStyleSheet(QStringLiteral("QListView::item:selected { background: palette(highlight); color: palette(highlighted-text); }"));
  fitHeightTo(QSize(1, 1) * thumbnailSide());
}

int CandidateStrip::thumbnailSide() const { return fontMetrics().height() * 5; }

void CandidateStrip::fitHeightTo(QSize icon) {
  setIconSize(icon);
  setFixedHeight(icon.height() + fontMetrics().height() * 2 + horizontalScrollBar()->sizeHint().height());
}

void CandidateStrip::setCandidates(const QList<QImage>& candidates) {
  const int kept = count() == candidates.size() ? currentRow() : -1;
  candidates_ = candidates;
  clear();
  if (candidates.isEmpty()) return;
  const QSize icon = thumbnailSize(candidates.first().size(), thumbnailSide());
  fitHeightTo(icon);
  for (int i = 0; i < candidates.size(); ++i) {
    const QPixmap thumbnail = QPixmap::fromImage(candidates[i].scaled(icon, Qt::IgnoreAspectRatio, Qt::FastTransformation));
    QIcon untinted(thumbnail);
    untinted.addPixmap(thumbnail, QIcon::Selected);  // on the highlight, not tinted by it
    addItem(new QListWidgetItem(untinted, QString::number(i + 1)));
  }
  setCurrentRow(kept);
}

void CandidateStrip::mousePressEvent(QMouseEvent* event) {
  QListWidgetItem* item = itemAt(event->position().toPoint());
  if (item && item == currentItem() && event->button() == Qt::LeftButton) {
    clearSelection();
    setCurrentRow(-1);
    event->accept();
    return;
  }
  QListWidget::mousePressEvent(event);
}

QImage CandidateStrip::keptCandidate() const {
  const int row = keptIndex();
  return row >= 0 && row < candidates_.size() ? candidates_[row] : QImage();
}

}  // namespace ncsn
