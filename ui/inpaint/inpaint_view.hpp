#pragma once
// The inpainting page: paint a mask over an image, run inpainting, watch the candidates anneal,
// keep one, re-run the masked area, export the paper-style row. The canvas shows the selected
// candidate (live while it anneals), or the image the candidates came from when none is selected.
//
// The view does no tensor work. It asks the window for images (requestDatasetImage) and for runs
// (inpaintRequested, stopRequested, finishLevelRequested) and shows what comes back
// (setImage, showCandidates, setRunning). Its shortcuts only act while focus is inside it.
#include <QImage>
#include <QList>
#include <QWidget>

#include "inpaint/inpaint_settings.hpp"

class QAction;
class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QToolBar;

namespace ncsn {

class CandidateStrip;
class MaskEditor;
enum class MaskPreset;

class InpaintView : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kRandomDatasetImage = -1;

  explicit InpaintView(QWidget* parent = nullptr);

  MaskEditor* editor() const { return editor_; }
  CandidateStrip* candidateStrip() const { return candidates_; }
  // For the window's Edit menu; they act while focus is in this view.
  QAction* undoAction() const { return undoAction_; }
  QAction* redoAction() const { return redoAction_; }

  InpaintSettings settings() const;
  void setSettings(const InpaintSettings& settings);

  // masked | candidates... | original, as `ncsn inpaint` writes it (see inpaint_row.hpp).
  QImage composeExportRow() const;
  bool exportRow(const QString& path);

 public slots:
  // A new original image (file or dataset); the candidates are cleared.
  void setImage(const QImage& image);
  // Live or final candidates; `status` says where the run is (level, step, ETA...).
  void showCandidates(const QList<QImage>& candidates, const QString& status);
  void setRunning(bool running);
  void showStatus(const QString& message);
  // Inpaints the same mask again, from the kept candidate, with the next seed.
  void rerunWithNewSeed();
  // Inpaints the image on the canvas: the selected candidate if there is one.
  void requestInpaint();

 signals:
  void requestDatasetImage(int index);  // kRandomDatasetImage for a random one
  void inpaintRequested(const QImage& image, const QImage& mask, const ncsn::InpaintSettings& settings);
  void stopRequested();         // stop now, within one Langevin step
  void finishLevelRequested();  // stop at the end of the current noise level

 private:
  QToolBar* createToolBar();
  QWidget* createBrushControls();
  QWidget* createRunControls();
  // An action whose shortcut works while focus is in this view; shown on `bar` unless null.
  QAction* makeAction(QToolBar* bar, const QString& text, const QKeySequence& shortcut);
  void addToolActions(QToolBar* bar);
  void addPresetMenu(QToolBar* bar);
  void openImageFile();
  void chooseDatasetImage();
  void featherEdges();
  void applyPreset(MaskPreset preset);
  void loadMaskFile();
  void saveMaskFile();
  void exportRowFile();
  void updateRunButtons();
  void showSelectedOnCanvas();

  MaskEditor* editor_;
  CandidateStrip* candidates_;
  QImage original_;  // the last image opened: the export row's right-hand tile
  QImage source_;    // what the current candidates were inpainted from
  bool running_ = false;

  QAction* undoAction_ = nullptr;
  QAction* redoAction_ = nullptr;
  QSpinBox* brushSize_ = nullptr;
  QSpinBox* hardness_ = nullptr;
  QSlider* opacity_ = nullptr;
  QSpinBox* candidateCount_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QDoubleSpinBox* stepLr_ = nullptr;
  QSpinBox* stepsPerLevel_ = nullptr;
  QCheckBox* denoiseLast_ = nullptr;
  QPushButton* run_ = nullptr;
  QPushButton* stop_ = nullptr;
  QPushButton* finishLevel_ = nullptr;
  QPushButton* rerun_ = nullptr;
  QPushButton* export_ = nullptr;
  QLabel* status_ = nullptr;
};

}  // namespace ncsn
