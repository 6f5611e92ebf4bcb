#include "interactive_plot.hpp"

#include <QMenu>
#include <QMessageBox>

#include <cmath>
#include <exception>

#include "file_export.hpp"
#include "save_file_dialog.hpp"

namespace {
const QSize kHiddenExportSize(900, 520);
}

InteractivePlot::InteractivePlot(const QString& title, QWidget* parent) : QCustomPlot(parent), title_(title) {
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  setAntialiasedElements(QCP::aePlottables);
  setNoAntialiasingOnDrag(true);  // keeps panning fluid on long series
  plotLayout()->insertRow(0);
  plotLayout()->addElement(0, 0, new QCPTextElement(this, title, QFont(font().family(), -1, QFont::Bold)));
  xAxis->ticker()->setTickCount(4);  // readable labels in the narrow lower panels
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
    // A constant series (the learning rate, mostly) has no height, and QCustomPlot would keep the
    // previous height and pad it again on every refresh: frame it around its value instead.
    bool found = false;
    const QCPRange values = graphValueRange(found);
    if (found && values.size() <= 1e-9 * std::max(1e-30, std::abs(values.center())))
      yAxis->setRange(values.center() == 0 ? QCPRange(-1, 1) : QCPRange(values.center() * 0.5, values.center() * 1.5));
    else
      yAxis->scaleRange(yPadding_);
  }
  replot(QCustomPlot::rpQueuedReplot);
}

QCPRange InteractivePlot::graphValueRange(bool& found) const {
  found = false;
  QCPRange total;
  for (int i = 0; i < graphCount(); ++i) {
    bool ok = false;
    const QCPRange r = graph(i)->data()->valueRange(ok);
    if (!ok) continue;
    total = found ? QCPRange(std::min(total.lower, r.lower), std::max(total.upper, r.upper)) : r;
    found = true;
  }
  return total;
}

void InteractivePlot::showAllData() {
  followingData_ = true;
  refresh();
}

void InteractivePlot::savePngTo(const QString& path) {
  const QSize size = isVisible() && width() > 0 ? this->size() : kHiddenExportSize;
  ncsn::writePngFile(toPixmap(size.width(), size.height()).toImage(), path);
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
      ncsn::askSaveFileName(this, tr("Save chart"), title_.toLower().replace(' ', '-') + ".png", tr("PNG images (*.png)"));
  if (path.isEmpty()) return;
  try {
    savePngTo(path);
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Save chart"), QString::fromStdString(e.what()));
  }
}
