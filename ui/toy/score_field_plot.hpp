#pragma once
// One panel of paper Fig. 2: the data density as an orange heat map (darker = denser), a
// score field drawn as arrows on top, and the cells where the learned field agrees with the
// true one shaded.
#include "grid2d.hpp"
#include "square_plot.hpp"

class ScoreFieldPlot : public SquarePlot {
  Q_OBJECT
 public:
  explicit ScoreFieldPlot(const QString& title, QWidget* parent = nullptr);

  int arrowCount() const { return int(arrows_.size()); }

 public slots:
  void setDensity(const ScalarGrid& density);
  void setField(const VectorGrid& field);
  // `agrees` per cell of `extent`; an empty vector removes the shading.
  void setAgreement(const GridExtent& extent, const QVector<bool>& agrees);

 private:
  void clearArrows();

  QCPColorMap* density_;
  QCPColorMap* agreement_;
  QVector<QCPItemLine*> arrows_;
};
