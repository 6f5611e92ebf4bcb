#pragma once
// A row of inpainting candidates, refreshed live while they anneal; the selected one is the
// candidate the user keeps. Clicking it again selects none.
#include <QImage>
#include <QList>
#include <QListWidget>

class QMouseEvent;

namespace ncsn {

class CandidateStrip : public QListWidget {
  Q_OBJECT
 public:
  explicit CandidateStrip(QWidget* parent = nullptr);

  // Replaces the thumbnails and keeps the selection when the count stays the same.
  void setCandidates(const QList<QImage>& candidates);
  const QList<QImage>& candidates() const { return candidates_; }

  // -1 when none is kept.
  int keptIndex() const { return currentRow(); }
  QImage keptCandidate() const;

 protected:
  void mousePressEvent(QMouseEvent* event) override;

 private:
  int thumbnailSide() const;
  void fitHeightTo(QSize icon);  // one row of thumbnails with their captions, no more

  QList<QImage> candidates_;
};

}  // namespace ncsn
