#pragma once
// The Sample page: settings, the live grid while the chains anneal, the filmstrip of levels
// (paper Fig. 4), a timeline over the stored frames, the memorisation check and the exports.
#include <QJsonObject>
#include <QWidget>

#include "engine_types.hpp"

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace ncsn {

class ImageGridView;

class SampleView : public QWidget {
  Q_OBJECT
 public:
  explicit SampleView(QWidget* parent = nullptr);

  SampleRequest request() const;
  void setRequest(const SampleRequest& request);
  // Restores settings and seed from an exported PNG's "ncsn:settings" JSON.
  void applySettings(const QJsonObject& settings);
  int storedFrameCount() const { return static_cast<int>(frames_.size()); }
  QImage currentGrid() const;
  QImage filmstrip() const;
  QString settingsJson() const { return settingsJson_; }
  bool isRunning() const { return running_; }

  void exportGrid(const QString& path) const;
  void exportFilmstrip(const QString& path) const;
  void exportAnimation(const QString& path) const;
  // The timeline's frames as grids, oldest first (what the GIF and the video show).
  QList<QImage> annealingFrames() const;

 public slots:
  void setModel(const ncsn::ModelInfo& info);
  void onJobStarted();
  void onProgress(const ncsn::FrameInfo& info);
  void onFrame(const ncsn::FrameInfo& info, const QList<QImage>& images);
  void onLevelFinished(int level, const QList<QImage>& firstRow);
  void onFinished(const ncsn::JobOutcome& outcome);
  void onFailed();
  void showNeighbours(const QList<QImage>& neighbours, const QVector<double>& distances);

 signals:
  void sampleRequested(const ncsn::SampleRequest& request);
  void stopRequested(ncsn::StopMode mode);
  void frameShown();
  void sendToInpaint(const QImage& image);
  void neighboursRequested(const QList<QImage>& samples);
  void exportRequested();

 private:
  QWidget* buildSettings();
  QWidget* buildResults();
  void setRunning(bool running);
  void showStoredFrame(int index);
  void enlarge(int index);
  void updateNeighbourView();
  QString describe(const FrameInfo& info) const;

  struct StoredFrame {
    FrameInfo info;
    QList<QImage> images;
  };
  QList<StoredFrame> frames_;
  QList<QImage> filmRows_;
  QString settingsJson_;
  int levels_ = 0;
  bool running_ = false;

  QSpinBox *count_, *columns_, *steps_, *frameEvery_;
  QDoubleSpinBox* eps_;
  QSpinBox* seed_;
  QCheckBox *denoise_, *showNeighbours_;
  QLabel *modelLabel_, *status_;
  QPushButton *run_, *stopNow_, *finishLevel_;
  QSlider* timeline_;
  ImageGridView *grid_, *film_, *neighbours_;
};

}  // namespace ncsn
