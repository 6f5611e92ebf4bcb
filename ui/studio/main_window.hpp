#pragma once
// The studio window: a model bar, one page per job (Sample, Inpaint, Train, Toy 2-D), and a
// status bar with device, memory and job progress. It owns the engine thread and talks to the
// EngineWorker only through queued signals and its thread-safe stop/pause calls.
#include <QMainWindow>
#include <QThread>

#include "engine_types.hpp"

class QAction;
class QComboBox;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QTabWidget;
class ToyView;
class TrainDashboard;
class TrainSettingsForm;

namespace ncsn {

class EngineWorker;
class InpaintView;
class SampleView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  enum Page { SamplePage, InpaintPage, TrainPage, ToyPage };

  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  EngineWorker* worker() const { return worker_; }
  SampleView* sampleView() const { return sample_; }
  InpaintView* inpaintView() const { return inpaint_; }
  TrainSettingsForm* trainForm() const { return trainForm_; }
  QTabWidget* pages() const { return pages_; }
  bool jobRunning() const { return !currentJob_.isEmpty(); }
  void showPage(Page page);

 public slots:
  void openCheckpoint(const QString& path);
  void openFile(const QString& path);  // checkpoint, exported PNG or image, as dropped
  void startSampling();
  // Scores the checkpoints (sample quality, the best marked); asks for the sample count when 0.
  void scoreCheckpoints(const QStringList& paths, int samples = 0);
  void stopJob();
  // Encodes the timeline as an MP4 beside the window, which stays usable; videoExported follows.
  void exportVideo(const QString& path);

 signals:
  void modelReady(const ncsn::ModelInfo& info);
  void jobEnded(const QString& kind);
  void errorShown(const QString& message);
  void videoExported(const QString& path, const QString& error);  // error empty when written

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildActions();
  void buildModelBar();
  void buildStatusBar();
  void buildPages();
  void connectWorker();
  void restoreSettings();
  void saveSettings() const;
  void rememberRecent(const QString& path);
  void rebuildRecentMenu();
  void chooseDataset(int index);
  void setJob(const QString& kind);
  void showError(const QString& message);
  void showProgress(qint64 done, qint64 total, double etaSeconds);
  void updateMemory();
  void exportWith(const QString& title, const QString& fileName, const QString& filter,
                  void (SampleView::*write)(const QString&) const);

  QThread engineThread_;
  EngineWorker* worker_ = nullptr;
  QString currentJob_;
  ModelInfo model_;
  QStringList recent_;

  QTabWidget* pages_ = nullptr;
  SampleView* sample_ = nullptr;
  InpaintView* inpaint_ = nullptr;
  TrainDashboard* dashboard_ = nullptr;
  TrainSettingsForm* trainForm_ = nullptr;
  ToyView* toy_ = nullptr;

  QLabel *modelLabel_ = nullptr, *deviceLabel_ = nullptr, *memoryLabel_ = nullptr, *etaLabel_ = nullptr;
  QComboBox *deviceBox_ = nullptr, *datasetBox_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  QAction* openAction_ = nullptr;  // in the File menu and on the model bar
  QVector<double> trainSigmas_;
};

}  // namespace ncsn
