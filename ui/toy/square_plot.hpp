#pragma once
// A titled QCustomPlot of a region of the plane with one unit as long on x as on y (so
// circles stay round and arrows keep their direction). Until the user pans or zooms, the
// whole region stays in view whatever the panel's shape; double-click brings it back.
#include <qcustomplot.h>

class SquarePlot : public QCustomPlot {
  Q_OBJECT
 public:
  SquarePlot(const QString& title, QCPRange xRange, QCPRange yRange, QWidget* parent = nullptr);

  QCPTextElement* titleElement() const { return title_; }
  void setRegion(QCPRange xRange, QCPRange yRange);

 public slots:
  void showWholeRegion();

 protected:
  void mousePressEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;

 private:
  void keepUnitsEqual();

  QCPTextElement* title_;
  QCPRange xRange_, yRange_;
  bool showingWholeRegion_ = true;
};
