#include "image_grid_view.hpp"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace ncsn {

namespace {
constexpr int kPadding = 2;
}

QImage composeGrid(const QList<QImage>& images, int columns) {
  if (images.isEmpty()) return {};
  columns = std::max(1, std::min(columns, static_cast<int>(images.size())));
  const int rows = (static_cast<int>(images.size()) + columns - 1) / columns;
  const QSize tile = images.first().size();
  const bool grey = std::all_of(images.begin(), images.end(), [](const QImage& i) { return i.isGrayscale(); });
  QImage grid(columns * (tile.width() + kPadding) + kPadding, rows * (tile.height() + kPadding) + kPadding,
              grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  grid.fill(Qt::black);
  QPainter painter(&grid);
  for (int i = 0; i < images.size(); ++i) {
    const int r = i / columns, c = i % columns;
    painter.drawImage(QPoint(kPadding + c * (tile.width() + kPadding), kPadding + r * (tile.height() + kPadding)), images[i]);
  }
  return grid;
}

ImageGridView::ImageGridView(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  setMinimumSize(120, 120);
}

void ImageGridView::setImages(const QList<QImage>& images, int columns) {
  images_ = images;
  columns_ = std::max(1, columns);
  update();
}

void ImageGridView::setPlaceholder(const QString& text) {
  placeholder_ = text;
  update();
}

QImage ImageGridView::composed() const { return composeGrid(images_, columns_); }

QRectF ImageGridView::gridRect() const {
  if (images_.isEmpty()) return {};
  const int cols = std::min(columns_, static_cast<int>(images_.size()));
  const int rows = (static_cast<int>(images_.size()) + cols - 1) / cols;
  const QSize tile = images_.first().size();
  const QSizeF natural(cols * (tile.width() + kPadding) + kPadding, rows * (tile.height() + kPadding) + kPadding);
  const double scale = std::min(width() / natural.width(), height() / natural.height());
  const QSizeF shown = natural * scale;
  return {QPointF((width() - shown.width()) / 2, (height() - shown.height()) / 2), shown};
}

void ImageGridView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().window());
  if (images_.isEmpty()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
    return;
  }
  painter.setRenderHint(QPainter::SmoothPixmapTransform, false);  // crisp pixels at 28x28
  painter.drawImage(gridRect(), composed());
}

void ImageGridView::mousePressEvent(QMouseEvent* event) {
  const QRectF area = gridRect();
  if (images_.isEmpty() || !area.contains(event->position())) return;
  const int cols = std::min(columns_, static_cast<int>(images_.size()));
  const int rows = (static_cast<int>(images_.size()) + cols - 1) / cols;
  const int c = static_cast<int>((event->position().x() - area.left()) / area.width() * cols);
  const int r = static_cast<int>((event->position().y() - area.top()) / area.height() * rows);
  const int index = r * cols + c;
  if (index >= 0 && index < images_.size()) emit tileClicked(index);
}

}  // namespace ncsn
