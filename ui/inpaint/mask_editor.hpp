#pragma once
// Paints an inpainting mask over an image.
//
// The image is drawn with square, unsmoothed pixels; the mask (see mask_values.hpp: 255 = kept,
// 0 = regenerate) is a translucent colour over the pixels to regenerate, explained by a legend.
// Mouse: left button paints with the current tool; the right button paints the opposite value
// (brush <-> eraser, rectangle and fill mark pixels kept); middle button pans; the wheel zooms
// around the cursor; Ctrl+wheel changes the brush size.
#include <QImage>
#include <QPointF>
#include <QRect>
#include <QWidget>
#include <optional>

#include "inpaint/brush_stroke.hpp"
#include "inpaint/mask_document.hpp"
#include "inpaint/mask_presets.hpp"

class QUndoStack;

namespace ncsn {

enum class MaskTool { Brush, Eraser, Rectangle, Fill };

class MaskEditor : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kMinBrushSize = 1, kMaxBrushSize = 64;

  explicit MaskEditor(QWidget* parent = nullptr);

  // A grayscale or colour image. An image of a new size resets the mask to all-kept and clears
  // the history; one of the same size (a kept candidate, say) keeps both.
  void setImage(const QImage& image);
  const QImage& image() const { return image_; }
  const QImage& mask() const { return document_.mask(); }
  QUndoStack* undoStack() { return document_.undoStack(); }

  MaskTool tool() const { return tool_; }
  int brushSize() const { return brushSize_; }
  double brushHardness() const { return brushHardness_; }
  double overlayOpacity() const { return overlayOpacity_; }
  double zoom() const { return scale_; }

  // Widget coordinates <-> image coordinates (pixel (x, y) spans [x, x+1) x [y, y+1)).
  QPointF imageToWidget(QPointF imagePoint) const;
  QPointF widgetToImage(QPointF widgetPoint) const;

  // Replaces the mask as one undo step. A mask of another size than the image is refused with
  // errorOccurred() and changes nothing. Colour masks are read as their grey level.
  bool replaceMask(const QImage& mask, const QString& undoText);
  bool loadMask(const QString& path);
  // Writes a PNG and marks the history clean.
  bool saveMask(const QString& path);

  QSize sizeHint() const override;

 public slots:
  void setTool(ncsn::MaskTool tool);
  void setBrushSize(int diameter);
  void setBrushHardness(double hardness);
  void setOverlayOpacity(double opacity);
  void invertMask();
  void clearMask();  // everything kept
  void applyPreset(ncsn::MaskPreset preset, double fraction = 0.5, quint64 seed = 0);
  void featherEdges(int radius);
  void fitToView();
  void zoomAround(double factor, QPointF widgetAnchor);

 signals:
  void toolChanged(ncsn::MaskTool tool);
  void brushSizeChanged(int diameter);
  void brushHardnessChanged(double hardness);
  void overlayOpacityChanged(double opacity);
  void maskChanged();
  void errorOccurred(const QString& message);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  QPoint pixelAt(QPointF widgetPoint) const;
  QRect rectangleSelection() const;
  QRect viewArea() const;
  int legendHeight() const;
  uchar valueFor(Qt::MouseButton button) const;
  void rebuildOverlay();
  void paintBrushCursor(QPainter& painter) const;
  void paintLegend(QPainter& painter) const;

  MaskDocument document_;
  QImage image_, overlay_;
  MaskTool tool_ = MaskTool::Brush;
  int brushSize_ = 3;
  double brushHardness_ = 1;
  double overlayOpacity_ = 0.55;

  double scale_ = 1;
  QPointF origin_;         // widget position of the image's top-left corner
  bool followFit_ = true;  // refit on resize until the user zooms or pans

  std::optional<BrushStroke> stroke_;
  QPointF lastStrokePoint_;
  std::optional<QPoint> rectangleStart_, rectangleEnd_;
  uchar rectangleValue_ = 0;
  std::optional<QPointF> panFrom_;
  std::optional<QPointF> hover_;
};

}  // namespace ncsn
