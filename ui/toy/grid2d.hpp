#pragma once
// Values sampled on a regular grid over a rectangle of the plane: the toy view's density
// (scalars) and score fields (2-D vectors). Cells are stored row by row, row 0 at yMin and
// column 0 at xMin; each value belongs to its cell's centre.
#include <QMetaType>
#include <QPointF>
#include <QVector>

struct GridExtent {
  int columns = 0, rows = 0;
  double xMin = 0, xMax = 0, yMin = 0, yMax = 0;

  int cellCount() const { return columns * rows; }
  int index(int column, int row) const { return row * columns + column; }
  double cellWidth() const { return (xMax - xMin) / columns; }
  double cellHeight() const { return (yMax - yMin) / rows; }
  QPointF cellCenter(int column, int row) const {
    return {xMin + (column + 0.5) * cellWidth(), yMin + (row + 0.5) * cellHeight()};
  }
  bool isValid() const { return columns > 0 && rows > 0 && xMax > xMin && yMax > yMin; }
  bool operator==(const GridExtent& o) const {
    return columns == o.columns && rows == o.rows && xMin == o.xMin && xMax == o.xMax && yMin == o.yMin &&
           yMax == o.yMax;
  }
};

struct ScalarGrid {
  GridExtent extent;
  QVector<double> values;  // extent.cellCount() of them
  bool isValid() const { return extent.isValid() && values.size() == extent.cellCount(); }
};

struct VectorGrid {
  GridExtent extent;
  QVector<QPointF> vectors;  // extent.cellCount() of them
  bool isValid() const { return extent.isValid() && vectors.size() == extent.cellCount(); }
};

// Sent across threads by the engine worker through queued connections.
Q_DECLARE_METATYPE(ScalarGrid)
Q_DECLARE_METATYPE(VectorGrid)
