#pragma once
// A grid of small images drawn with nearest-neighbour pixels at the largest integer-free zoom
// that fits, like the engine's make_grid (2-pixel black padding). Clicking a tile reports it.
#include <QImage>
#include <QList>
#include <QWidget>

namespace ncsn {

class ImageGridView : public QWidget {
  Q_OBJECT
 public:
  explicit ImageGridView(QWidget* parent = nullptr);

  void setImages(const QList<QImage>& images, int columns);
  const QList<QImage>& images() const { return images_; }
  int columns() const { return columns_; }
  QImage composed() const;  // the grid at 1:1, as exported
  QSize sizeHint() const override { return {320, 320}; }
  void setPlaceholder(const QString& text);

 signals:
  void tileClicked(int index);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  QRectF gridRect() const;
  QList<QImage> images_;
  int columns_ = 1;
  QString placeholder_;
};

// Tiles `images` into one picture: `columns` per row, 2-pixel padding of black.
QImage composeGrid(const QList<QImage>& images, int columns);

}  // namespace ncsn
