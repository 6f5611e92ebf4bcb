#include "interactive_plot.hpp"

#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>

namespace {
const QSize kHiddenExportSize(900, 520);
}

InteractivePlot::InteractivePlot(const QString& title, QWidget* parent) : QCustomPlot(parent), title_(title) {
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  setAntialiasedElements(QCP::aePlottables);
  setNoAntialiasingOnDrag(true);  // keeps panning fluid on long series
  plotLayout()->insertRow(0);
  plotLayout()->addElement(0, 0, new QCPTextElement(this, title, QFont(font().family(), -1, QFont::Bold)));
  setContextMenuPolicy(Qt::CustomContextMenu);
  connect(this, &QWidget::customContextMenuRequested, this, &InteractivePlot::showContextMenu);
}

void InteractivePlot::setFitPadding(double xFactor, double yFactor) {
  xPadding_ = xFactor;
  yPadding_ = yFactor;
}

void InteractivePlot::refresh() {
  if (followingData_) {
    rescaleAxes();
    xAxis->scaleRange(xPadding_);
    yAxis->scaleRange(yPadding_);
  }
  replot(QCustomPlot::rpQueuedReplot);
}

void InteractivePlot::showAllData() {
  followingData_ = true;
  refresh();
}

bool InteractivePlot::savePngTo(const QString& path) {
  const QSize size = isVisible() && width() > 0 ? this->size() : kHiddenExportSize;
  return savePng(path, size.width(), size.height());
}

void InteractivePlot::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) followingData_ = false;  // the user is about to pan
  QCustomPlot::mousePressEvent(event);
}

void InteractivePlot::wheelEvent(QWheelEvent* event) {
  followingData_ = false;
  QCustomPlot::wheelEvent(event);
}

void InteractivePlot::mouseDoubleClickEvent(QMouseEvent* event) {
  QCustomPlot::mouseDoubleClickEvent(event);
  showAllData();
}

void InteractivePlot::showContextMenu(const QPoint& pos) {
  QMenu menu(this);
  menu.addAction(tr("Show all data"), this, &InteractivePlot::showAllData);
  menu.addAction(tr("Save chart as PNG…"), this, &InteractivePlot::saveWithDialog);
  menu.exec(mapToGlobal(pos));
}

void InteractivePlot::saveWithDialog() {
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Save chart"), title_.toLower().replace(' ', '-') + ".png",
                                   tr("PNG images (*.png)"));
  if (path.isEmpty()) return;
  if (!savePngTo(path)) QMessageBox::warning(this, tr("Save chart"), tr("Could not write %1.").arg(path));
}
