#pragma once
// The studio's one door into the engine. An EngineWorker lives on its own QThread and owns the
// model and the device; the UI sends commands through queued slots and gets queued signals back.
// Stop, pause and resume are plain thread-safe calls, so they act within one step instead of
// waiting behind the running job in the event queue.
#include <QObject>
#include <QPointF>
#include <QVector>

#include <memory>

#include "engine_types.hpp"
#include "inpaint/inpaint_settings.hpp"
#include "grid2d.hpp"
#include "train_settings.hpp"

namespace ncsn {

class EngineWorker : public QObject {
  Q_OBJECT
 public:
  explicit EngineWorker(QObject* parent = nullptr);
  ~EngineWorker() override;

  // Thread-safe; callable from any thread while a job runs.
  void requestStop(StopMode mode);
  void pause();
  void resume();
  void frameConsumed();  // the UI has shown the last live frame
  void setFrameIntervalMs(int ms);
  static bool cudaAvailable();
  // The models that ship with the studio: small (the default, for CPUs) and reference size (ngf 64).
  enum class ShippedModel { Small, ReferenceSize };
  static QString shippedModelPath(ShippedModel model = ShippedModel::Small);  // empty when not installed

 public slots:
  void setDevice(const QString& name);  // "cpu", "cuda", "auto"
  void loadModel(const QString& path);
  void setDataset(const ncsn::DatasetChoice& dataset);
  void sample(const ncsn::SampleRequest& request);
  void inpaint(const QImage& image, const QImage& mask, const ncsn::InpaintSettings& settings);
  void train(const TrainSettings& settings, const QString& resumeFrom);
  void datasetImage(int index);  // -1: random test image
  void nearestNeighbours(const QList<QImage>& images);
  // Samples `samples` images from each checkpoint (T steps per level) on the current dataset and
  // scores them (FD-cls with the shipped classifier, ...), keeping the scores in scores.json
  // beside them; checkpoints scored there before under the same settings are not sampled again.
  void scoreCheckpoints(const QStringList& paths, int samples, int stepsPerLevel);
  void toyCompare(quint64 seed);
  void toyTrain(int iterations);

 signals:
  void deviceChanged(const QString& description);
  void modelLoaded(const ncsn::ModelInfo& info);
  void jobStarted(const QString& kind);
  void progress(const ncsn::FrameInfo& info);
  void frameReady(const ncsn::FrameInfo& info, const QList<QImage>& images);
  void levelFinished(int level, const QList<QImage>& firstRow);  // the filmstrip, row by row
  void jobFinished(const ncsn::JobOutcome& outcome);
  void failed(const QString& message);
  void trainPoint(const ncsn::TrainPoint& point);
  void checkpointWritten(qint64 step, const QString& path, double heldoutLoss);
  void trainPreview(qint64 step, const QImage& grid);
  void trainFinished(bool completed, qint64 step, const QString& lastCheckpoint);
  void message(const QString& text);
  void datasetImageReady(const QImage& image, const QString& caption);
  void neighboursReady(const QList<QImage>& neighbours, const QVector<double>& distances);
  void checkpointScored(const QString& path, double fdCls, const QString& details);
  void scoringFinished(const QString& bestPath, const QString& reportPath);
  void toyDensity(const ScalarGrid& density);
  void toyTrueField(const VectorGrid& field);
  void toyLearnedField(const VectorGrid& field);
  void toySamples(int sampler, const QVector<QPointF>& points, double modeWeight);
  void toyTrainProgress(int iteration, double loss);
  void toyTrainFinished();

 private:
  struct State;
  template <typename Job>
  void guarded(const QString& kind, Job&& job);
  void beginJob(const QString& kind);
  void runSampling(const QString& kind, const SampleRequest& request, const QImage* image, const QImage* mask);
  // Shows a run folder's checkpoints, with the scores of its latest scoring pass, in the Train view.
  void listRunFolder(const std::string& dir);

  std::unique_ptr<State> state_;
};

}  // namespace ncsn
