#pragma once
// Shows an image as large as the widget allows, keeping its aspect ratio. Small sample grids
// (28x28 tiles) are enlarged without smoothing so individual pixels stay visible.
#include <QImage>
#include <QWidget>

class ScaledImageView : public QWidget {
  Q_OBJECT
 public:
  explicit ScaledImageView(QWidget* parent = nullptr);

  const QImage& image() const { return image_; }
  QSize sizeHint() const override;

 public slots:
  void setImage(const QImage& image);
  void setPlaceholderText(const QString& text);

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QImage image_;
  QString placeholder_;
};
