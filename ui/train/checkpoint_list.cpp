#include "checkpoint_list.hpp"

#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QSlider>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>
#include <iterator>

#include "scaled_image_view.hpp"

namespace {
enum Column { StepColumn, HeldoutColumn, FileColumn, ColumnCount };
}

CheckpointList::CheckpointList(QWidget* parent)
    : QWidget(parent),
      table_(new QTableWidget(0, ColumnCount, this)),
      preview_(new ScaledImageView(this)),
      stepSlider_(new QSlider(Qt::Horizontal, this)),
      stepLabel_(new QLabel(this)) {
  table_->setObjectName("checkpointTable");
  table_->setHorizontalHeaderLabels({tr("Step"), tr("Held-out loss"), tr("File")});
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->hide();
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setToolTip(tr("Double-click a checkpoint to load it"));
  preview_->setPlaceholderText(tr("Sample previews appear here as training runs"));
  stepSlider_->setObjectName("checkpointStepSlider");
  stepSlider_->setEnabled(false);
  stepSlider_->setToolTip(tr("Flip through the checkpoints' sample previews"));

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(table_, 2);
  layout->addWidget(preview_, 3);
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
  auto* heldoutItem = new QTableWidgetItem(std::isnan(heldoutLoss) ? tr("—") : QString::number(heldoutLoss, 'g', 5));
  heldoutItem->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  auto* fileItem = new QTableWidgetItem(QFileInfo(path).fileName());
  fileItem->setData(Qt::UserRole, path);
  fileItem->setToolTip(path);
  table_->setItem(row, StepColumn, stepItem);
  table_->setItem(row, HeldoutColumn, heldoutItem);
  table_->setItem(row, FileColumn, fileItem);

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
