#include "inpaint/mask_editor.hpp"

#include <QFileInfo>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <exception>

#include "inpaint/mask_operations.hpp"
#include "inpaint/mask_values.hpp"
#include "file_export.hpp"

namespace ncsn {
namespace {

const QColor kRegenerateColour(230, 40, 60);
constexpr double kMinZoom = 0.25, kMaxZoom = 64, kWheelZoomStep = 1.25;

int widgetMargin(const QWidget* widget) { return widget->fontMetrics().height() / 2; }

}  // namespace

MaskEditor::MaskEditor(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);  // the brush cursor follows the mouse without a button pressed
  setFocusPolicy(Qt::StrongFocus);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  connect(&document_, &MaskDocument::maskChanged, this, [this] {
    rebuildOverlay();
    update();
    emit maskChanged();
  });
}

void MaskEditor::setImage(const QImage& image) {
  const bool newSize = image.size() != image_.size();
  image_ = image;
  if (newSize) {
    stroke_.reset();  // an edit in progress belongs to the old mask
    rectangleStart_.reset();
    rectangleEnd_.reset();
    document_.reset(image.size());
    followFit_ = true;
    fitToView();
  }
  update();
}

QPointF MaskEditor::imageToWidget(QPointF imagePoint) const { return origin_ + imagePoint * scale_; }
QPointF MaskEditor::widgetToImage(QPointF widgetPoint) const { return (widgetPoint - origin_) / scale_; }

QPoint MaskEditor::pixelAt(QPointF widgetPoint) const {
  const QPointF p = widgetToImage(widgetPoint);
  return {static_cast<int>(std::floor(p.x())), static_cast<int>(std::floor(p.y()))};
}

bool MaskEditor::replaceMask(const QImage& mask, const QString& undoText) {
  if (mask.size() != image_.size()) {
    emit errorOccurred(tr("The mask is %1×%2 pixels but the image is %3×%4; the mask was not changed.")
                           .arg(mask.width())
                           .arg(mask.height())
                           .arg(image_.width())
                           .arg(image_.height()));
    return false;
  }
  document_.commit(mask.convertToFormat(QImage::Format_Grayscale8), undoText);
  return true;
}

bool MaskEditor::loadMask(const QString& path) {
  const QImage mask(path);
  if (mask.isNull()) {
    emit errorOccurred(tr("Could not read a mask image from %1.").arg(path));
    return false;
  }
  return replaceMask(mask, tr("Load mask %1").arg(QFileInfo(path).fileName()));
}

bool MaskEditor::saveMask(const QString& path) {
  try {
    ncsn::writePngFile(mask(), path);
  } catch (const std::exception& e) {
    emit errorOccurred(QString::fromStdString(e.what()));
    return false;
  }
  undoStack()->setClean();
  return true;
}

QSize MaskEditor::sizeHint() const {
  // Room for a 28x28 image at 12x, the usual Fashion-MNIST case, plus the legend.
  const int side = 28 * 12 + 2 * widgetMargin(this);
  return {side, side + legendHeight()};
}

void MaskEditor::setTool(MaskTool tool) {
  if (tool == tool_) return;
  tool_ = tool;
  update();
  emit toolChanged(tool);
}

void MaskEditor::setBrushSize(int diameter) {
  diameter = std::clamp(diameter, kMinBrushSize, kMaxBrushSize);
  if (diameter == brushSize_) return;
  brushSize_ = diameter;
  update();
  emit brushSizeChanged(diameter);
}

void MaskEditor::setBrushHardness(double hardness) {
  hardness = std::clamp(hardness, 0.0, 1.0);
  if (hardness == brushHardness_) return;
  brushHardness_ = hardness;
  emit brushHardnessChanged(hardness);
}

void MaskEditor::setOverlayOpacity(double opacity) {
  opacity = std::clamp(opacity, 0.0, 1.0);
  if (opacity == overlayOpacity_) return;
  overlayOpacity_ = opacity;
  rebuildOverlay();
  update();
  emit overlayOpacityChanged(opacity);
}

void MaskEditor::invertMask() { document_.commit(invertedMask(mask()), tr("Invert mask")); }

void MaskEditor::clearMask() {
  document_.commit(maskWithRectFilled(mask(), mask().rect(), kKnownValue), tr("Clear mask"));
}

void MaskEditor::applyPreset(MaskPreset preset, double fraction, quint64 seed) {
  document_.commit(makePresetMask(image_.size(), preset, fraction, seed), tr("Mask preset"));
}

void MaskEditor::featherEdges(int radius) { document_.commit(featheredMask(mask(), radius), tr("Feather mask edges")); }

QRect MaskEditor::viewArea() const {
  const int m = widgetMargin(this);
  return rect().adjusted(m, m, -m, -m - legendHeight());
}

void MaskEditor::fitToView() {
  followFit_ = true;
  if (image_.isNull()) return;
  const QRect area = viewArea();
  double scale = std::min(double(area.width()) / image_.width(), double(area.height()) / image_.height());
  if (scale >= 1) scale = std::floor(scale);  // whole screen pixels per image pixel stay even
  scale_ = std::clamp(scale, kMinZoom, kMaxZoom);
  const QSizeF shown = QSizeF(image_.size()) * scale_;
  origin_ = QPointF(std::round(area.center().x() + 0.5 - shown.width() / 2),
                    std::round(area.center().y() + 0.5 - shown.height() / 2));
  update();
}

void MaskEditor::zoomAround(double factor, QPointF widgetAnchor) {
  const double scale = std::clamp(scale_ * factor, kMinZoom, kMaxZoom);
  origin_ = widgetAnchor - (widgetAnchor - origin_) * (scale / scale_);  // the point under the cursor stays put
  scale_ = scale;
  followFit_ = false;
  update();
}

int MaskEditor::legendHeight() const { return fontMetrics().height() + widgetMargin(this); }

uchar MaskEditor::valueFor(Qt::MouseButton button) const {
  const bool paintsKnown = tool_ == MaskTool::Eraser;
  return (button == Qt::RightButton) != paintsKnown ? kKnownValue : kRegenerateValue;
}

QRect MaskEditor::rectangleSelection() const {
  if (!rectangleStart_ || !rectangleEnd_) return {};
  // Both corner pixels are inside; QRect::normalized() would drop one row and column when dragged backwards.
  const QPoint a = *rectangleStart_, b = *rectangleEnd_;
  return QRect(QPoint(std::min(a.x(), b.x()), std::min(a.y(), b.y())),
               QPoint(std::max(a.x(), b.x()), std::max(a.y(), b.y())))
      .intersected(image_.rect());
}

void MaskEditor::mousePressEvent(QMouseEvent* event) {
  const QPointF pos = event->position();
  if (event->button() == Qt::MiddleButton) {
    panFrom_ = pos;
    return;
  }
  if (image_.isNull() || (event->button() != Qt::LeftButton && event->button() != Qt::RightButton)) return;
  const uchar value = valueFor(event->button());
  switch (tool_) {
    case MaskTool::Brush:
    case MaskTool::Eraser:
      stroke_.emplace(mask(), BrushShape{double(brushSize_), brushHardness_}, value);
      lastStrokePoint_ = widgetToImage(pos);
      stroke_->addSegment(lastStrokePoint_, lastStrokePoint_);
      document_.showUncommitted(stroke_->mask());
      break;
    case MaskTool::Rectangle:
      rectangleStart_ = rectangleEnd_ = pixelAt(pos);
      rectangleValue_ = value;
      update();
      break;
    case MaskTool::Fill:
      if (image_.rect().contains(pixelAt(pos)))
        document_.commit(maskWithRegionFilled(mask(), pixelAt(pos), value), tr("Fill"));
      break;
  }
}

void MaskEditor::mouseMoveEvent(QMouseEvent* event) {
  const QPointF pos = event->position();
  hover_ = pos;
  if (panFrom_) {
    origin_ += pos - *panFrom_;
    panFrom_ = pos;
    followFit_ = false;
  } else if (stroke_) {
    const QPointF point = widgetToImage(pos);
    if (!stroke_->addSegment(lastStrokePoint_, point).isEmpty()) document_.showUncommitted(stroke_->mask());
    lastStrokePoint_ = point;
  } else if (rectangleStart_) {
    rectangleEnd_ = pixelAt(pos);
  }
  update();
}

void MaskEditor::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() == Qt::MiddleButton) {
    panFrom_.reset();
  } else if (stroke_) {
    document_.commit(stroke_->maskBefore(), stroke_->mask(),
                     tool_ == MaskTool::Eraser ? tr("Eraser stroke") : tr("Brush stroke"));
    stroke_.reset();
  } else if (rectangleStart_) {
    rectangleEnd_ = pixelAt(event->position());
    const QRect selection = rectangleSelection();
    rectangleStart_.reset();
    rectangleEnd_.reset();
    if (!selection.isEmpty()) document_.commit(maskWithRectFilled(mask(), selection, rectangleValue_), tr("Rectangle"));
    update();
  }
}

void MaskEditor::wheelEvent(QWheelEvent* event) {
  const int steps = event->angleDelta().y() / 120;
  if (steps == 0) return;
  if (event->modifiers() & Qt::ControlModifier)
    setBrushSize(brushSize_ + steps);
  else
    zoomAround(std::pow(kWheelZoomStep, steps), event->position());
  event->accept();
}

void MaskEditor::leaveEvent(QEvent*) {
  hover_.reset();
  update();
}

void MaskEditor::resizeEvent(QResizeEvent*) {
  if (followFit_) fitToView();
}

void MaskEditor::rebuildOverlay() {
  const QImage& m = mask();
  overlay_ = QImage(m.size(), QImage::Format_ARGB32_Premultiplied);
  for (int y = 0; y < m.height(); ++y) {
    auto* row = reinterpret_cast<QRgb*>(overlay_.scanLine(y));
    for (int x = 0; x < m.width(); ++x) {
      const int alpha = std::lround(overlayOpacity_ * (255 - m.constScanLine(y)[x]));
      row[x] = qPremultiply(qRgba(kRegenerateColour.red(), kRegenerateColour.green(), kRegenerateColour.blue(), alpha));
    }
  }
}

void MaskEditor::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().color(QPalette::Dark));
  if (image_.isNull()) {
    painter.drawText(rect(), Qt::AlignCenter, tr("Open an image to paint a mask"));
    return;
  }
  painter.save();
  painter.translate(origin_);
  painter.scale(scale_, scale_);
  painter.drawImage(QPointF(0, 0), image_);  // no SmoothPixmapTransform: nearest-neighbour pixels
  painter.drawImage(QPointF(0, 0), overlay_);
  const QRect selection = rectangleSelection();
  if (!selection.isEmpty()) {
    painter.setPen(QPen(palette().color(QPalette::Highlight), 0));
    painter.setBrush(QColor(kRegenerateColour.red(), kRegenerateColour.green(), kRegenerateColour.blue(), 60));
    painter.drawRect(selection);
  }
  painter.restore();
  paintBrushCursor(painter);
  paintLegend(painter);
}

void MaskEditor::paintBrushCursor(QPainter& painter) const {
  if (!hover_ || (tool_ != MaskTool::Brush && tool_ != MaskTool::Eraser)) return;
  const double radius = brushSize_ * scale_ / 2;  // the footprint in image pixels at this zoom
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setBrush(Qt::NoBrush);
  painter.setPen(QPen(Qt::black, 3));
  painter.drawEllipse(*hover_, radius, radius);
  painter.setPen(QPen(Qt::white, 1));
  painter.drawEllipse(*hover_, radius, radius);
}

void MaskEditor::paintLegend(QPainter& painter) const {
  const QFontMetrics metrics = fontMetrics();
  const int m = widgetMargin(this), swatch = metrics.height() - 2;
  const QString regenerate = tr("regenerate (mask 0)"), kept = tr("kept (mask 255)");
  int x = m;
  const int y = height() - legendHeight();
  auto drawEntry = [&](const QColor& fill, const QString& label) {
    const QRect box(x, y + (metrics.height() - swatch) / 2, swatch, swatch);
    painter.fillRect(box, palette().color(QPalette::Base));
    painter.fillRect(box, fill);
    painter.setPen(palette().color(QPalette::BrightText));
    painter.drawRect(box);
    x += swatch + m / 2;
    painter.drawText(QRect(x, y, metrics.horizontalAdvance(label), metrics.height()), Qt::AlignVCenter, label);
    x += metrics.horizontalAdvance(label) + m * 2;
  };
  QColor shown = kRegenerateColour;
  shown.setAlphaF(std::max(overlayOpacity_, 0.15));
  drawEntry(shown, regenerate);
  drawEntry(Qt::transparent, kept);
}

}  // namespace ncsn
