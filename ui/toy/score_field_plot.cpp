#include "score_field_plot.hpp"

#include <algorithm>
#include <cmath>

namespace {

// White to dark orange, like matplotlib's "Oranges" the paper uses.
QCPColorGradient orangeDensityGradient() {
  QCPColorGradient gradient;
  gradient.setColorStopAt(0.0, QColor(255, 245, 235));
  gradient.setColorStopAt(0.35, QColor(253, 190, 133));
  gradient.setColorStopAt(0.7, QColor(241, 105, 19));
  gradient.setColorStopAt(1.0, QColor(127, 39, 4));
  return gradient;
}

const QColor kAgreementShade(46, 160, 67);
constexpr int kAgreementAlpha = 80;

// One colour everywhere; which cells show is decided by their alpha.
QCPColorGradient flatGradient(const QColor& color) {
  QCPColorGradient gradient;
  gradient.setColorStopAt(0, color);
  gradient.setColorStopAt(1, color);
  return gradient;
}

void fillColorMapExtent(QCPColorMap* map, const GridExtent& extent) {
  // QCustomPlot places values at cell centres, so the key/value ranges are the outer centres.
  map->data()->setSize(extent.columns, extent.rows);
  map->data()->setRange(QCPRange(extent.cellCenter(0, 0).x(), extent.cellCenter(extent.columns - 1, 0).x()),
                        QCPRange(extent.cellCenter(0, 0).y(), extent.cellCenter(0, extent.rows - 1).y()));
}

}  // namespace

ScoreFieldPlot::ScoreFieldPlot(const QString& title, QWidget* parent)
    : SquarePlot(title, QCPRange(-8, 8), QCPRange(-8, 8), parent) {
  setAntialiasedElements(QCP::aeItems);
  xAxis->setLabel("x₁");
  yAxis->setLabel("x₂");

  density_ = new QCPColorMap(xAxis, yAxis);
  density_->setGradient(orangeDensityGradient());
  density_->setInterpolate(true);
  agreement_ = new QCPColorMap(xAxis, yAxis);
  agreement_->setGradient(flatGradient(kAgreementShade));
  agreement_->setDataRange(QCPRange(0, 1));
  agreement_->setInterpolate(false);
  agreement_->setVisible(false);
}

void ScoreFieldPlot::setDensity(const ScalarGrid& density) {
  if (!density.isValid()) return;
  const GridExtent& e = density.extent;
  fillColorMapExtent(density_, e);
  for (int row = 0; row < e.rows; ++row)
    for (int column = 0; column < e.columns; ++column)
      density_->data()->setCell(column, row, density.values[e.index(column, row)]);
  density_->rescaleDataRange(true);
  setRegion(QCPRange(e.xMin, e.xMax), QCPRange(e.yMin, e.yMax));
}

void ScoreFieldPlot::clearArrows() {
  for (QCPItemLine* arrow : arrows_) removeItem(arrow);
  arrows_.clear();
}

void ScoreFieldPlot::setField(const VectorGrid& field) {
  clearArrows();
  if (!field.isValid()) return replot(rpQueuedReplot);
  const GridExtent& e = field.extent;
  double longest = 0;
  for (const QPointF& v : field.vectors) longest = std::max(longest, std::hypot(v.x(), v.y()));
  if (!(longest > 0)) return replot(rpQueuedReplot);
  // Scores grow linearly away from the modes; a square-root scale keeps the short arrows near
  // the modes visible next to the long ones at the border.
  const double maxLength = 0.9 * std::min(e.cellWidth(), e.cellHeight());
  const QPen pen(QColor(30, 30, 30), 1.2);
  for (int row = 0; row < e.rows; ++row) {
    for (int column = 0; column < e.columns; ++column) {
      const QPointF v = field.vectors[e.index(column, row)];
      const double norm = std::hypot(v.x(), v.y());
      if (!(norm > 0)) continue;
      const QPointF centre = e.cellCenter(column, row);
      const QPointF half = v / norm * (maxLength * std::sqrt(norm / longest) / 2);
      auto* arrow = new QCPItemLine(this);
      arrow->setPen(pen);
      arrow->setHead(QCPLineEnding(QCPLineEnding::esSpikeArrow, 6, 8));
      arrow->start->setCoords(centre - half);
      arrow->end->setCoords(centre + half);
      arrows_.append(arrow);
    }
  }
  replot(rpQueuedReplot);
}

void ScoreFieldPlot::setAgreement(const GridExtent& extent, const QVector<bool>& agrees) {
  const bool show = extent.isValid() && agrees.size() == extent.cellCount();
  agreement_->setVisible(show);
  if (show) {
    fillColorMapExtent(agreement_, extent);
    for (int row = 0; row < extent.rows; ++row) {
      for (int column = 0; column < extent.columns; ++column) {
        agreement_->data()->setCell(column, row, 1.0);
        agreement_->data()->setAlpha(column, row, agrees[extent.index(column, row)] ? kAgreementAlpha : 0);
      }
    }
  }
  replot(rpQueuedReplot);
}
