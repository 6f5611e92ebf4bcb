#pragma once
// One panel of paper Fig. 2: the data density as an orange heat map (darker = denser), a
// score field drawn as arrows on top, and the cells where the learned field agrees with the
// true one shaded.
#include <qcustomplot.h>

#include "grid2d.hpp"

class ScoreFieldPlot : public QCustomPlot {
  Q_OBJECT
 public:
  explicit ScoreFieldPlot(const QString& title, QWidget* parent = nullptr);

  int arrowCount() const { return int(arrows_.size()); }

 public slots:
  void setDensity(const ScalarGrid& density);
  void setField(const VectorGrid& field);
  // `agrees` per cell of `extent`; an empty vector removes the shading.
  void setAgreement(const GridExtent& extent, const QVector<bool>& agrees);
  // Back to the whole field, after panning or zooming.
  void showWholeField();

 private:
  void clearArrows();

  QCPColorMap* density_;
  QCPColorMap* agreement_;
  QVector<QCPItemLine*> arrows_;
  QCPRange xRange_{-8, 8}, yRange_{-8, 8};
};
