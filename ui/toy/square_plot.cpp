#include "square_plot.hpp"

SquarePlot::SquarePlot(const QString& title, QCPRange xRange, QCPRange yRange, QWidget* parent)
    : QCustomPlot(parent), xRange_(xRange), yRange_(yRange) {
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plotLayout()->insertRow(0);
  title_ = new QCPTextElement(this, title, QFont(font().family(), -1, QFont::Bold));
  plotLayout()->addElement(0, 0, title_);
  connect(this, &QCustomPlot::beforeReplot, this, &SquarePlot::keepUnitsEqual);
  showWholeRegion();
}

void SquarePlot::setRegion(QCPRange xRange, QCPRange yRange) {
  xRange_ = xRange;
  yRange_ = yRange;
  showWholeRegion();
}

void SquarePlot::showWholeRegion() {
  showingWholeRegion_ = true;
  replot(rpQueuedReplot);
}

void SquarePlot::keepUnitsEqual() {
  if (!showingWholeRegion_) {
    yAxis->setScaleRatio(xAxis, 1.0);
    return;
  }
  xAxis->setRange(xRange_);
  yAxis->setRange(yRange_);
  // Widen the axis that has room to spare, so the whole region stays visible.
  const QRect area = axisRect()->rect();
  if (area.width() <= 0 || area.height() <= 0) return;
  const bool roomOnX = xRange_.size() / area.width() < yRange_.size() / area.height();
  if (roomOnX)
    xAxis->setScaleRatio(yAxis, 1.0);
  else
    yAxis->setScaleRatio(xAxis, 1.0);
}

void SquarePlot::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) showingWholeRegion_ = false;
  QCustomPlot::mousePressEvent(event);
}

void SquarePlot::wheelEvent(QWheelEvent* event) {
  showingWholeRegion_ = false;
  QCustomPlot::wheelEvent(event);
}

void SquarePlot::mouseDoubleClickEvent(QMouseEvent* event) {
  QCustomPlot::mouseDoubleClickEvent(event);
  showWholeRegion();
}
