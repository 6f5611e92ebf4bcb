#include "checkpoint_list.hpp"

#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>
#include <iterator>

#include "scaled_image_view.hpp"

namespace {
enum Column { StepColumn, HeldoutColumn, FdClsColumn, FileColumn, ColumnCount };
}

CheckpointList::CheckpointList(QWidget* parent)
    : QWidget(parent),
      table_(new QTableWidget(0, ColumnCount, this)),
      preview_(new ScaledImageView(this)),
      stepSlider_(new QSlider(Qt::Horizontal, this)),
      stepLabel_(new QLabel(this)),
      scoreButton_(new QPushButton(tr("Score checkpoints…"), this)) {
  table_->setObjectName("checkpointTable");
  table_->setHorizontalHeaderLabels({tr("Step"), tr("Held-out"), tr("FD-cls"), tr("File")});
  table_->horizontalHeaderItem(HeldoutColumn)->setToolTip(tr("Held-out DSM loss when the checkpoint was written: lower is better"));
  table_->horizontalHeaderItem(FdClsColumn)
      ->setToolTip(tr("Fréchet distance of samples to the test set in a classifier's features: lower is better"));
  // The panel is narrow: the numbers only, no horizontal scrolling. The file column stays in the
  // model (it holds the paths) but hidden; each row's tooltip and the caption below name the file.
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setColumnHidden(FileColumn, true);
  table_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  table_->verticalHeader()->hide();
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setToolTip(tr("Double-click a checkpoint to load it"));
  preview_->setPlaceholderText(tr("Sample previews appear here as training runs"));
  stepLabel_->setWordWrap(true);  // long file names wrap instead of widening the panel
  stepSlider_->setObjectName("checkpointStepSlider");
  stepSlider_->setEnabled(false);
  stepSlider_->setToolTip(tr("Flip through the checkpoints' sample previews"));

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  scoreButton_->setObjectName("scoreButton");
  scoreButton_->setEnabled(false);
  scoreButton_->setToolTip(tr("Sample from every checkpoint and measure the samples (FD-cls, classes, nearest neighbours); "
                              "the best is marked ★, as the paper selects checkpoints"));
  connect(scoreButton_, &QPushButton::clicked, this, [this] { emit scoreRequested(paths()); });
  layout->addWidget(scoreButton_, 0, Qt::AlignLeft);
  layout->addWidget(table_, 3);
  layout->addWidget(preview_, 2);
  layout->addWidget(stepSlider_);
  layout->addWidget(stepLabel_);

  connect(table_, &QTableWidget::doubleClicked, this,
          [this](const QModelIndex& index) { emit loadCheckpointRequested(pathAt(index.row())); });
  connect(table_, &QTableWidget::currentCellChanged, this, [this](int row) {
    if (row >= 0) stepSlider_->setValue(row);
  });
  connect(stepSlider_, &QSlider::valueChanged, this, &CheckpointList::showCheckpoint);
}

int CheckpointList::count() const { return table_->rowCount(); }

QString CheckpointList::pathAt(int row) const {
  const QTableWidgetItem* item = table_->item(row, FileColumn);
  return item ? item->data(Qt::UserRole).toString() : QString();
}

qint64 CheckpointList::stepAt(int row) const { return table_->item(row, StepColumn)->data(Qt::UserRole).toLongLong(); }

QStringList CheckpointList::paths() const {
  QStringList out;
  for (int row = 0; row < count(); ++row) out.append(pathAt(row));
  return out;
}

int CheckpointList::rowForPath(const QString& path) const {
  for (int row = 0; row < count(); ++row)
    if (pathAt(row) == path) return row;
  return -1;
}

void CheckpointList::setScore(const QString& path, double fdCls, const QString& details) {
  const int row = rowForPath(path);
  if (row < 0) return;
  auto* item = new QTableWidgetItem(QString::number(fdCls, 'f', 2));
  item->setData(Qt::UserRole, fdCls);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  item->setToolTip(details);
  table_->setItem(row, FdClsColumn, item);
}

void CheckpointList::markBest(const QString& path) {
  bestPath_ = path;
  for (int row = 0; row < count(); ++row) {
    const bool best = pathAt(row) == path;
    for (int column = 0; column < ColumnCount; ++column) {
      QTableWidgetItem* item = table_->item(row, column);
      if (!item) continue;
      QFont font = item->font();
      font.setBold(best);
      item->setFont(font);
    }
    if (QTableWidgetItem* score = table_->item(row, FdClsColumn)) {
      const QString value = QString::number(score->data(Qt::UserRole).toDouble(), 'f', 2);
      score->setText(best ? QStringLiteral("★ ") + value : value);
    }
  }
}

void CheckpointList::setScoring(bool running) {
  scoreButton_->setEnabled(!running && count() > 0);
  scoreButton_->setText(running ? tr("Scoring…") : tr("Score checkpoints…"));
}

int CheckpointList::rowForStep(qint64 step) const {
  for (int row = 0; row < count(); ++row)
    if (stepAt(row) == step) return row;
  return -1;
}

QImage CheckpointList::previewForStep(qint64 step) const {
  auto it = previews_.upperBound(step);  // first preview after the step
  return it == previews_.cbegin() ? QImage() : std::prev(it).value();
}

void CheckpointList::addCheckpoint(qint64 step, const QString& path, double heldoutLoss) {
  int row = rowForStep(step);
  if (row < 0) {
    row = 0;
    while (row < count() && stepAt(row) < step) ++row;  // keep rows in step order
    table_->insertRow(row);
  }
  auto* stepItem = new QTableWidgetItem(QLocale().toString(step));
  stepItem->setData(Qt::UserRole, step);
  stepItem->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  stepItem->setToolTip(path);
  auto* heldoutItem = new QTableWidgetItem(std::isnan(heldoutLoss) ? tr("—") : QString::number(heldoutLoss, 'g', 5));
  heldoutItem->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  auto* fileItem = new QTableWidgetItem(QFileInfo(path).fileName());
  fileItem->setData(Qt::UserRole, path);
  fileItem->setToolTip(path);
  table_->setItem(row, StepColumn, stepItem);
  table_->setItem(row, HeldoutColumn, heldoutItem);
  table_->setItem(row, FileColumn, fileItem);
  scoreButton_->setEnabled(scoreButton_->text() == tr("Score checkpoints…"));

  stepSlider_->setRange(0, count() - 1);
  stepSlider_->setEnabled(count() > 1);
  stepSlider_->setValue(count() - 1);  // follow the newest checkpoint
  showCheckpoint(stepSlider_->value());
}

void CheckpointList::addPreview(qint64 step, const QImage& grid) {
  previews_.insert(step, grid);
  if (count() > 0) showCheckpoint(stepSlider_->value());
}

void CheckpointList::clear() {
  table_->setRowCount(0);
  bestPath_.clear();
  scoreButton_->setEnabled(false);
  previews_.clear();
  stepSlider_->setRange(0, 0);
  stepSlider_->setEnabled(false);
  preview_->setImage(QImage());
  stepLabel_->clear();
}

void CheckpointList::showCheckpoint(int row) {
  if (row < 0 || row >= count()) return;
  table_->selectRow(row);
  const qint64 step = stepAt(row);
  preview_->setImage(previewForStep(step));
  stepLabel_->setText(tr("Checkpoint at step %1 — %2").arg(QLocale().toString(step), table_->item(row, FileColumn)->text()));
}
