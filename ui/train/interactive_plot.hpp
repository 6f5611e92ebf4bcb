#pragma once
// A QCustomPlot with the studio's chart behaviour: drag to pan, wheel to zoom, double-click
// to show all data again, a context menu to save the chart as PNG. While the user has not
// panned or zoomed, refresh() keeps the view fitted to the data as it grows.
#include <qcustomplot.h>

class InteractivePlot : public QCustomPlot {
  Q_OBJECT
 public:
  explicit InteractivePlot(const QString& title, QWidget* parent = nullptr);

  QString title() const { return title_; }
  // Margins around fitted data, as range factors (1.1 = 10 % larger than the data).
  void setFitPadding(double xFactor, double yFactor);
  // Fits the axes to the data (unless the user holds a view) and schedules a repaint.
  void refresh();
  // Writes the chart at its on-screen size, or at a readable default while it is hidden.
  // Throws std::runtime_error saying why the file could not be written.
  void savePngTo(const QString& path);

 public slots:
  void showAllData();

 protected:
  void mousePressEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;

 private:
  void showContextMenu(const QPoint& pos);
  void saveWithDialog();

  QString title_;
  QCPRange graphValueRange(bool& found) const;  // over every graph's data
  bool followingData_ = true;
  double xPadding_ = 1.0, yPadding_ = 1.1;
};
