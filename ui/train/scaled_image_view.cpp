#include "scaled_image_view.hpp"

#include <QPainter>

ScaledImageView::ScaledImageView(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

QSize ScaledImageView::sizeHint() const {
  const int side = fontMetrics().height() * 12;
  return {side, side};
}

void ScaledImageView::setImage(const QImage& image) {
  image_ = image;
  update();
}

void ScaledImageView::setPlaceholderText(const QString& text) {
  placeholder_ = text;
  update();
}

void ScaledImageView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  if (image_.isNull()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
    return;
  }
  const QSize target = image_.size().scaled(size(), Qt::KeepAspectRatio);
  const bool enlarging = target.width() >= image_.width();
  painter.setRenderHint(QPainter::SmoothPixmapTransform, !enlarging);
  QRect area(QPoint(), target);
  area.moveCenter(rect().center());
  painter.drawImage(area, image_);
}
