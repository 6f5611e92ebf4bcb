// Mask editor and inpainting view: strokes, undo, tools, presets, files and the export row,
// driven through simulated mouse input on an offscreen widget and checked pixel by pixel.
#include <zlib.h>

#include <QApplication>
#include <QFileDialog>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QUndoStack>
#include <QtTest/QtTest>

#include "inpaint/candidate_strip.hpp"
#include "inpaint/inpaint_row.hpp"
#include "inpaint/inpaint_view.hpp"
#include "inpaint/mask_editor.hpp"
#include "inpaint/mask_operations.hpp"
#include "inpaint/mask_presets.hpp"

using namespace ncsn;

namespace {

constexpr int kSide = 28;
const char* const kFashionMnistTest = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

// Test image `index` of Fashion-MNIST when the Debian package is installed, else a grey shirt.
QImage fashionMnistLikeImage(int index = 0) {
  QImage image(kSide, kSide, QImage::Format_Grayscale8);
  if (gzFile file = gzopen(kFashionMnistTest, "rb")) {
    const int headerBytes = 16, pixels = kSide * kSide;
    QByteArray bytes(headerBytes + (index + 1) * pixels, 0);
    const bool complete = gzread(file, bytes.data(), bytes.size()) == bytes.size();
    gzclose(file);
    if (complete) {
      for (int y = 0; y < kSide; ++y)
        memcpy(image.scanLine(y), bytes.constData() + headerBytes + index * pixels + y * kSide, kSide);
      return image;
    }
  }
  image.fill(0);
  for (int y = 4; y < 25; ++y)
    for (int x = 0; x < kSide; ++x) {
      const bool body = x >= 8 && x < 20, sleeve = y < 11 && x >= 3 && x < 25;
      if (body || sleeve) image.scanLine(y)[x] = static_cast<uchar>(120 + 4 * y);
    }
  return image;
}

QImage greyImage(int side, uchar value) {
  QImage image(side, side, QImage::Format_Grayscale8);
  image.fill(value);
  return image;
}

// The pixels (x, y) with mask value `value`, as "x,y" strings sorted row by row.
QStringList pixelsWithValue(const QImage& mask, uchar value) {
  QStringList pixels;
  for (int y = 0; y < mask.height(); ++y)
    for (int x = 0; x < mask.width(); ++x)
      if (mask.constScanLine(y)[x] == value) pixels << QStringLiteral("%1,%2").arg(x).arg(y);
  return pixels;
}

QStringList rectPixels(const QRect& rect) {
  QStringList pixels;
  for (int y = rect.top(); y <= rect.bottom(); ++y)
    for (int x = rect.left(); x <= rect.right(); ++x) pixels << QStringLiteral("%1,%2").arg(x).arg(y);
  return pixels;
}

int countValue(const QImage& mask, uchar value) { return pixelsWithValue(mask, value).size(); }

}  // namespace

class TestMaskEditor : public QObject {
  Q_OBJECT

 private:
  MaskEditor* editor_ = nullptr;

  // The widget position of the centre of image pixel (x, y).
  QPoint at(int x, int y) const {
    const QPointF p = editor_->imageToWidget(QPointF(x + 0.5, y + 0.5));
    return p.toPoint();
  }

  void stroke(const QList<QPoint>& pixels, Qt::MouseButton button = Qt::LeftButton) {
    QTest::mousePress(editor_, button, Qt::NoModifier, at(pixels.first().x(), pixels.first().y()));
    for (const QPoint& p : pixels.mid(1)) QTest::mouseMove(editor_, at(p.x(), p.y()));
    QTest::mouseRelease(editor_, button, Qt::NoModifier, at(pixels.last().x(), pixels.last().y()));
  }

  QImage allKnown() const {
    QImage mask(kSide, kSide, QImage::Format_Grayscale8);
    mask.fill(255);
    return mask;
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // QSettings go to a throw-away location
    QCoreApplication::setOrganizationName(QStringLiteral("ncsn-studio-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("test_mask_editor"));
    QSettings().clear();
  }

  void init() {
    editor_ = new MaskEditor;
    // Wide enough for 20 screen pixels per image pixel whatever the font: pixel centres land on
    // whole widget coordinates, so simulated clicks hit them exactly.
    editor_->resize(590, 700);
    editor_->setImage(fashionMnistLikeImage());
    editor_->show();
    QVERIFY(QTest::qWaitForWindowExposed(editor_));
    QCOMPARE(editor_->zoom(), 20.0);
  }

  void cleanup() { delete editor_; }

  void newImageStartsAllKnownAndClean() {
    QCOMPARE(editor_->mask().size(), QSize(kSide, kSide));
    QCOMPARE(editor_->mask().format(), QImage::Format_Grayscale8);
    QCOMPARE(editor_->mask(), allKnown());
    QCOMPARE(editor_->undoStack()->count(), 0);
    QVERIFY(editor_->undoStack()->isClean());
  }

  void hardBrushStrokePaintsTheSweptDisc() {
    editor_->setBrushSize(3);  // radius 1.5: pixel centres within 1.5 of the path
    stroke({{5, 10}, {10, 10}, {15, 10}});
    // Rows 9..11 over columns 5..15, plus the end caps: (4|16, 9..11) lie 1 and sqrt(2) away.
    QCOMPARE(pixelsWithValue(editor_->mask(), 0), rectPixels(QRect(QPoint(4, 9), QPoint(16, 11))));
    QCOMPARE(countValue(editor_->mask(), 255), kSide * kSide - 13 * 3);
  }

  void oneUndoStepPerStroke() {
    editor_->setBrushSize(1);
    stroke({{2, 2}, {2, 6}, {2, 12}, {2, 20}});
    QCOMPARE(editor_->undoStack()->count(), 1);
    const QImage afterFirst = editor_->mask();
    QCOMPARE(pixelsWithValue(afterFirst, 0), rectPixels(QRect(QPoint(2, 2), QPoint(2, 20))));
    stroke({{20, 3}, {25, 3}});
    QCOMPARE(editor_->undoStack()->count(), 2);
    const QImage afterSecond = editor_->mask();

    editor_->undoStack()->undo();
    QCOMPARE(editor_->mask(), afterFirst);
    editor_->undoStack()->undo();
    QCOMPARE(editor_->mask(), allKnown());
    editor_->undoStack()->redo();
    QCOMPARE(editor_->mask(), afterFirst);
    editor_->undoStack()->redo();
    QCOMPARE(editor_->mask(), afterSecond);
  }

  void clickWithoutChangeAddsNoUndoStep() {
    editor_->setTool(MaskTool::Eraser);
    stroke({{3, 3}});
    QCOMPARE(editor_->undoStack()->count(), 0);
  }

  void eraserMarksPixelsKept() {
    editor_->applyPreset(MaskPreset::LeftHalf);
    editor_->setTool(MaskTool::Eraser);
    editor_->setBrushSize(1);
    stroke({{2, 5}, {2, 8}});
    QImage expected = makePresetMask(QSize(kSide, kSide), MaskPreset::LeftHalf);
    for (int y = 5; y <= 8; ++y) expected.scanLine(y)[2] = 255;
    QCOMPARE(editor_->mask(), expected);
    QCOMPARE(editor_->undoStack()->count(), 2);
  }

  void rightButtonPaintsTheOppositeValue() {
    editor_->applyPreset(MaskPreset::TopHalf);
    editor_->setBrushSize(1);
    stroke({{4, 4}}, Qt::RightButton);  // brush + right button = eraser
    QCOMPARE(editor_->mask().pixelColor(4, 4).value(), 255);
    QCOMPARE(countValue(editor_->mask(), 0), kSide * kSide / 2 - 1);
  }

  void softBrushCoversEachPixelOncePerStroke() {
    editor_->setBrushSize(5);
    editor_->setBrushHardness(0);  // coverage 1 - d/2.5: d = 1 -> 0.6 -> 255 - 153
    stroke({{10, 10}, {10, 10}, {10, 10}});
    const QImage& m = editor_->mask();
    QCOMPARE(int(m.constScanLine(10)[10]), 0);
    QCOMPARE(int(m.constScanLine(10)[11]), 102);
    QCOMPARE(int(m.constScanLine(11)[10]), 102);
    QCOMPARE(int(m.constScanLine(10)[13]), 255);  // d = 3 > 2.5
    QCOMPARE(editor_->undoStack()->count(), 1);
  }

  void invertSwapsKeptAndRegenerated() {
    editor_->applyPreset(MaskPreset::LeftHalf);
    editor_->invertMask();
    QCOMPARE(editor_->mask(), makePresetMask(QSize(kSide, kSide), MaskPreset::RightHalf));
    QCOMPARE(editor_->undoStack()->count(), 2);
    editor_->undoStack()->undo();
    QCOMPARE(editor_->mask(), makePresetMask(QSize(kSide, kSide), MaskPreset::LeftHalf));
  }

  void clearKeepsEverything() {
    editor_->applyPreset(MaskPreset::CentreSquare);
    editor_->clearMask();
    QCOMPARE(editor_->mask(), allKnown());
    QCOMPARE(editor_->undoStack()->count(), 2);
  }

  void presetRegeneratesExpectedPixels_data() {
    QTest::addColumn<int>("preset");
    QTest::addColumn<QRect>("regenerated");
    QTest::newRow("left half") << int(MaskPreset::LeftHalf) << QRect(QPoint(0, 0), QPoint(13, 27));
    QTest::newRow("right half") << int(MaskPreset::RightHalf) << QRect(QPoint(14, 0), QPoint(27, 27));
    QTest::newRow("top half") << int(MaskPreset::TopHalf) << QRect(QPoint(0, 0), QPoint(27, 13));
    QTest::newRow("bottom half") << int(MaskPreset::BottomHalf) << QRect(QPoint(0, 14), QPoint(27, 27));
    QTest::newRow("centre square") << int(MaskPreset::CentreSquare) << QRect(QPoint(7, 7), QPoint(20, 20));
  }

  void presetRegeneratesExpectedPixels() {
    QFETCH(int, preset);
    QFETCH(QRect, regenerated);
    editor_->applyPreset(static_cast<MaskPreset>(preset));
    QCOMPARE(pixelsWithValue(editor_->mask(), 0), rectPixels(regenerated));
    QCOMPARE(countValue(editor_->mask(), 255), kSide * kSide - regenerated.width() * regenerated.height());
    QCOMPARE(editor_->undoStack()->count(), 1);
  }

  void oddSizedHalvesSplitAtTheFloor() {
    const QImage left = makePresetMask(QSize(27, 5), MaskPreset::LeftHalf);
    QCOMPARE(pixelsWithValue(left, 0), rectPixels(QRect(QPoint(0, 0), QPoint(12, 4))));
    const QImage right = makePresetMask(QSize(27, 5), MaskPreset::RightHalf);
    QCOMPARE(pixelsWithValue(right, 0), rectPixels(QRect(QPoint(14, 0), QPoint(26, 4))));
  }

  void randomPixelsPresetIsExactAndSeeded() {
    editor_->applyPreset(MaskPreset::RandomPixels, 0.3, 7);
    const QImage first = editor_->mask();
    QCOMPARE(countValue(first, 0), 235);  // round(0.3 * 784)
    QCOMPARE(countValue(first, 255), 784 - 235);
    QCOMPARE(makePresetMask(QSize(kSide, kSide), MaskPreset::RandomPixels, 0.3, 7), first);
    QVERIFY(makePresetMask(QSize(kSide, kSide), MaskPreset::RandomPixels, 0.3, 8) != first);
    QCOMPARE(countValue(makePresetMask(QSize(kSide, kSide), MaskPreset::RandomPixels, 1.0, 1), 0), 784);
  }

  void rectangleRegeneratesTheDraggedPixels() {
    editor_->setTool(MaskTool::Rectangle);
    stroke({{8, 6}, {5, 5}, {3, 4}});  // dragged up-left: normalised, both corners included
    QCOMPARE(pixelsWithValue(editor_->mask(), 0), rectPixels(QRect(QPoint(3, 4), QPoint(8, 6))));
    QCOMPARE(editor_->undoStack()->count(), 1);
    stroke({{4, 5}, {5, 5}}, Qt::RightButton);  // right button marks pixels kept
    QCOMPARE(countValue(editor_->mask(), 0), 18 - 2);
    QCOMPARE(editor_->undoStack()->count(), 2);
  }

  void fillRegeneratesTheConnectedRegion() {
    editor_->applyPreset(MaskPreset::CentreSquare);
    editor_->setTool(MaskTool::Fill);
    QTest::mouseClick(editor_, Qt::LeftButton, Qt::NoModifier, at(0, 0));  // the kept frame
    QCOMPARE(countValue(editor_->mask(), 0), kSide * kSide);
    editor_->undoStack()->undo();
    QTest::mouseClick(editor_, Qt::RightButton, Qt::NoModifier, at(10, 10));  // the square, kept
    QCOMPARE(editor_->mask(), allKnown());
    QCOMPARE(editor_->undoStack()->count(), 2);
  }

  void fillDoesNotLeakThroughDiagonals() {
    QImage mask(kSide, kSide, QImage::Format_Grayscale8);
    mask.fill(0);
    mask.scanLine(5)[5] = 255;
    mask.scanLine(6)[6] = 255;
    QVERIFY(editor_->replaceMask(mask, QStringLiteral("test")));
    editor_->setTool(MaskTool::Fill);
    QTest::mouseClick(editor_, Qt::LeftButton, Qt::NoModifier, at(5, 5));
    QCOMPARE(pixelsWithValue(editor_->mask(), 255), QStringList{QStringLiteral("6,6")});
  }

  void featherSoftensOnlyTheEdge() {
    editor_->applyPreset(MaskPreset::CentreSquare);  // columns/rows 7..20 regenerate
    editor_->featherEdges(2);
    const QImage& m = editor_->mask();
    QCOMPARE(int(m.constScanLine(14)[14]), 0);   // 6 pixels inside the edge
    QCOMPARE(int(m.constScanLine(0)[0]), 255);   // far outside
    QCOMPARE(int(m.constScanLine(14)[4]), 255);  // 3 pixels outside: beyond the support
    const int inside = m.constScanLine(14)[7], outside = m.constScanLine(14)[6];
    QVERIFY2(inside > 0 && inside < 128, qPrintable(QString::number(inside)));
    QVERIFY2(outside >= 128 && outside < 255, qPrintable(QString::number(outside)));
    QCOMPARE(editor_->undoStack()->count(), 2);
    editor_->undoStack()->undo();
    QCOMPARE(editor_->mask(), makePresetMask(QSize(kSide, kSide), MaskPreset::CentreSquare));
  }

  void mismatchedMaskIsRefusedAndChangesNothing() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("mask32.png"));
    QVERIFY(greyImage(32, 0).save(path));
    editor_->applyPreset(MaskPreset::LeftHalf);
    const QImage before = editor_->mask();
    QSignalSpy errors(editor_, &MaskEditor::errorOccurred);
    QVERIFY(!editor_->loadMask(path));
    QCOMPARE(errors.count(), 1);
    const QString message = errors.first().first().toString();
    QVERIFY2(message.contains(QStringLiteral("32×32")) && message.contains(QStringLiteral("28×28")),
             qPrintable(message));
    QCOMPARE(editor_->mask(), before);
    QCOMPARE(editor_->undoStack()->count(), 1);

    QVERIFY(!editor_->loadMask(dir.filePath(QStringLiteral("missing.png"))));
    QCOMPARE(errors.count(), 2);
    QCOMPARE(editor_->mask(), before);
  }

  void savedMaskLoadsBackAsOneStep() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("mask.png"));
    editor_->applyPreset(MaskPreset::BottomHalf);
    QVERIFY(editor_->saveMask(path));
    editor_->clearMask();
    QVERIFY(editor_->loadMask(path));
    QCOMPARE(editor_->mask(), makePresetMask(QSize(kSide, kSide), MaskPreset::BottomHalf));
    QCOMPARE(editor_->undoStack()->count(), 3);
    QCOMPARE(QImage(path).convertToFormat(QImage::Format_Grayscale8), editor_->mask());
  }

  void failedMaskSaveSaysWhyAndKeepsTheEditsUnsaved() {
    QTemporaryDir dir;
    QSignalSpy errors(editor_, &MaskEditor::errorOccurred);
    stroke({{1, 1}, {4, 1}});
    const QString path = dir.filePath(QStringLiteral("gone/mask.png"));
    QVERIFY(!editor_->saveMask(path));
    QCOMPARE(errors.count(), 1);
    QCOMPARE(errors.first().first().toString(),
             "Could not write " + path + ": the folder " + dir.filePath(QStringLiteral("gone")) + " does not exist.");
    QVERIFY(!editor_->undoStack()->isClean());  // the mask still counts as unsaved
  }

  void cleanMarkerFollowsSaveAndEdits() {
    QTemporaryDir dir;
    QUndoStack* stack = editor_->undoStack();
    QSignalSpy clean(stack, &QUndoStack::cleanChanged);
    stroke({{1, 1}, {4, 1}});
    QVERIFY(!stack->isClean());
    QCOMPARE(clean.count(), 1);
    QCOMPARE(clean.last().first().toBool(), false);
    QVERIFY(editor_->saveMask(dir.filePath(QStringLiteral("m.png"))));
    QVERIFY(stack->isClean());
    QCOMPARE(clean.last().first().toBool(), true);
    stack->undo();
    QVERIFY(!stack->isClean());
    stack->redo();
    QVERIFY(stack->isClean());
  }

  void sameSizedImageKeepsMaskAndHistory() {
    editor_->applyPreset(MaskPreset::TopHalf);
    editor_->setImage(greyImage(kSide, 90));
    QCOMPARE(editor_->mask(), makePresetMask(QSize(kSide, kSide), MaskPreset::TopHalf));
    QCOMPARE(editor_->undoStack()->count(), 1);
    editor_->setImage(greyImage(32, 90));
    QCOMPARE(editor_->mask().size(), QSize(32, 32));
    QCOMPARE(countValue(editor_->mask(), 255), 32 * 32);
    QCOMPARE(editor_->undoStack()->count(), 0);
  }

  void wheelZoomKeepsThePointUnderTheCursor() {
    const QPointF anchor = at(9, 17);
    const QPointF imagePoint = editor_->widgetToImage(anchor);
    QWheelEvent wheel(anchor, editor_->mapToGlobal(anchor), {}, QPoint(0, 240), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(editor_, &wheel);
    QCOMPARE(editor_->zoom(), 20.0 * 1.25 * 1.25);
    QCOMPARE(editor_->imageToWidget(imagePoint), anchor);
    editor_->fitToView();
    QCOMPARE(editor_->zoom(), 20.0);
  }

  void ctrlWheelChangesBrushSize() {
    editor_->setBrushSize(5);
    const QPointF p = at(3, 3);
    QWheelEvent wheel(p, editor_->mapToGlobal(p), {}, QPoint(0, 120), Qt::NoButton, Qt::ControlModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(editor_, &wheel);
    QCOMPARE(editor_->brushSize(), 6);
    QCOMPARE(editor_->zoom(), 20.0);
  }

  void middleButtonPans() {
    const QPointF before = editor_->imageToWidget(QPointF(0, 0));
    QTest::mousePress(editor_, Qt::MiddleButton, Qt::NoModifier, QPoint(100, 100));
    QTest::mouseMove(editor_, QPoint(130, 90));
    QTest::mouseRelease(editor_, Qt::MiddleButton, Qt::NoModifier, QPoint(130, 90));
    QCOMPARE(editor_->imageToWidget(QPointF(0, 0)), before + QPointF(30, -10));
    QCOMPARE(countValue(editor_->mask(), 255), kSide * kSide);
  }
};

class TestInpaintView : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ncsn-studio-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("test_inpaint_view"));
    QSettings().clear();
  }

  void runRequestCarriesImageMaskAndSettings() {
    InpaintView view;
    QCOMPARE(view.settings().candidates, 8);
    view.setImage(fashionMnistLikeImage());
    view.editor()->applyPreset(MaskPreset::RightHalf);
    QSignalSpy requested(&view, &InpaintView::inpaintRequested);
    view.requestInpaint();
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.first().at(0).value<QImage>(), fashionMnistLikeImage());
    QCOMPARE(requested.first().at(1).value<QImage>(), makePresetMask(QSize(kSide, kSide), MaskPreset::RightHalf));
    const auto settings = requested.first().at(2).value<InpaintSettings>();
    QCOMPARE(settings.candidates, 8);
    QCOMPARE(settings.stepLr, 2e-5);
    QCOMPARE(settings.stepsPerLevel, 100);

    view.setRunning(true);
    view.requestInpaint();
    QCOMPARE(requested.count(), 1);  // one run at a time
  }

  void rerunUsesTheKeptCandidateAndANewSeed() {
    InpaintView view;
    view.setImage(fashionMnistLikeImage());
    view.editor()->applyPreset(MaskPreset::TopHalf);
    view.showCandidates({greyImage(kSide, 10), greyImage(kSide, 20), greyImage(kSide, 30)}, QStringLiteral("done"));
    view.candidateStrip()->setCurrentRow(1);
    QSignalSpy requested(&view, &InpaintView::inpaintRequested);
    view.rerunWithNewSeed();
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.first().at(0).value<QImage>(), greyImage(kSide, 20));
    QCOMPARE(requested.first().at(1).value<QImage>(), makePresetMask(QSize(kSide, kSide), MaskPreset::TopHalf));
    QCOMPARE(requested.first().at(2).value<InpaintSettings>().seed, quint64(1));
    QCOMPARE(view.editor()->undoStack()->count(), 1);  // the mask's history survives
  }

  void liveUpdatesKeepTheSelection() {
    InpaintView view;
    view.setImage(greyImage(kSide, 0));
    view.showCandidates({greyImage(kSide, 1), greyImage(kSide, 2)}, QStringLiteral("level 1"));
    view.candidateStrip()->setCurrentRow(1);
    view.showCandidates({greyImage(kSide, 3), greyImage(kSide, 4)}, QStringLiteral("level 2"));
    QCOMPARE(view.candidateStrip()->keptIndex(), 1);
    QCOMPARE(view.candidateStrip()->keptCandidate(), greyImage(kSide, 4));
  }

  void canvasShowsTheSelectedCandidateLive() {
    InpaintView view;
    const QImage source = fashionMnistLikeImage();
    view.setImage(source);
    view.editor()->applyPreset(MaskPreset::BottomHalf);
    view.showCandidates({greyImage(kSide, 1), greyImage(kSide, 2)}, QStringLiteral("level 1"));
    QCOMPARE(view.editor()->image(), source);  // nothing selected: the source
    view.candidateStrip()->setCurrentRow(1);
    QCOMPARE(view.editor()->image(), greyImage(kSide, 2));
    view.showCandidates({greyImage(kSide, 3), greyImage(kSide, 4)}, QStringLiteral("level 2"));
    QCOMPARE(view.editor()->image(), greyImage(kSide, 4));  // follows the anneal
    view.candidateStrip()->setCurrentRow(-1);
    QCOMPARE(view.editor()->image(), source);
    QCOMPARE(view.editor()->mask(), makePresetMask(QSize(kSide, kSide), MaskPreset::BottomHalf));
    QCOMPARE(view.editor()->undoStack()->count(), 1);  // switching is not an edit
  }

  void runInpaintsTheImageOnTheCanvas() {
    InpaintView view;
    view.setImage(fashionMnistLikeImage());
    view.showCandidates({greyImage(kSide, 10), greyImage(kSide, 20)}, QStringLiteral("done"));
    view.candidateStrip()->setCurrentRow(0);
    QSignalSpy requested(&view, &InpaintView::inpaintRequested);
    view.requestInpaint();
    QCOMPARE(requested.first().at(0).value<QImage>(), greyImage(kSide, 10));
    view.showCandidates({greyImage(kSide, 5), greyImage(kSide, 6)}, QStringLiteral("level 1"));
    view.candidateStrip()->setCurrentRow(-1);
    QCOMPARE(view.editor()->image(), greyImage(kSide, 10));  // the new candidates' source
  }

  void clickingTheSelectedCandidateAgainShowsTheSource() {
    InpaintView view;
    const QImage source = fashionMnistLikeImage();
    view.setImage(source);
    view.showCandidates({greyImage(kSide, 1), greyImage(kSide, 2), greyImage(kSide, 3)}, QStringLiteral("done"));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    CandidateStrip* strip = view.candidateStrip();
    const QPoint second = strip->visualItemRect(strip->item(1)).center();
    QTest::mouseClick(strip->viewport(), Qt::LeftButton, Qt::NoModifier, second);
    QCOMPARE(strip->keptIndex(), 1);
    QCOMPARE(view.editor()->image(), greyImage(kSide, 2));
    QTest::mouseClick(strip->viewport(), Qt::LeftButton, Qt::NoModifier, second);
    QCOMPARE(strip->keptIndex(), -1);
    QVERIFY(strip->selectedItems().isEmpty());
    QCOMPARE(view.editor()->image(), source);
  }

  void exportRowIsMaskedCandidatesOriginal() {
    InpaintView view;
    const QImage original = greyImage(kSide, 200);
    view.setImage(original);
    view.editor()->applyPreset(MaskPreset::LeftHalf);
    QList<QImage> candidates;
    for (int i = 0; i < 8; ++i) candidates << greyImage(kSide, static_cast<uchar>(10 + i));
    view.showCandidates(candidates, {});
    const QImage row = view.composeExportRow();
    QCOMPARE(row.size(), QSize(10 * (kSide + 2) + 2, kSide + 4));
    QCOMPARE(row.format(), QImage::Format_Grayscale8);
    auto tilePixel = [&](int tile, int x, int y) { return int(row.constScanLine(2 + y)[2 + tile * (kSide + 2) + x]); };
    QCOMPARE(tilePixel(0, 13, 5), 0);    // masked: regenerated half is black
    QCOMPARE(tilePixel(0, 14, 5), 200);  // known half shows the image
    for (int i = 0; i < 8; ++i) QCOMPARE(tilePixel(1 + i, 3, 3), 10 + i);
    QCOMPARE(tilePixel(9, 27, 27), 200);
    QCOMPARE(int(row.constScanLine(0)[5]), 0);          // padding
    QCOMPARE(int(row.constScanLine(5)[2 + kSide]), 0);  // gutter between tiles
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("row.png"));
    QVERIFY(view.exportRow(path));
    QCOMPARE(QImage(path).convertToFormat(QImage::Format_Grayscale8), row);
  }

  // Export goes through the studio's save dialog: a name typed without an extension gets .png, and
  // the next export opens where the last one went.
  void exportDialogAddsTheSuffixAndRemembersTheFolder() {
    QTemporaryDir dir;
    InpaintView view;
    view.setImage(greyImage(kSide, 200));
    view.showCandidates({greyImage(kSide, 10)}, {});
    QPushButton* exportButton = nullptr;
    for (auto* button : view.findChildren<QPushButton*>())
      if (button->text().startsWith(QStringLiteral("Export row"))) exportButton = button;
    QVERIFY(exportButton && exportButton->isEnabled());

    QString openedIn;
    auto answer = [&](const QString& typed) {
      QTimer::singleShot(0, [&openedIn, typed] {
        auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
        if (!dialog) return;
        openedIn = dialog->directory().absolutePath();
        if (typed.isEmpty()) return dialog->reject();
        dialog->selectFile(typed);
        static_cast<QDialog*>(dialog)->accept();  // what Save does
      });
    };
    answer(dir.filePath(QStringLiteral("row")));
    exportButton->click();
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("row.png"))));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("row"))));
    QCOMPARE(QImage(dir.filePath(QStringLiteral("row.png"))).size(), QSize(3 * (kSide + 2) + 2, kSide + 4));

    answer({});
    exportButton->click();
    QCOMPARE(openedIn, QDir(dir.path()).absolutePath());
  }

  void colourTilesMakeAColourRow() {
    QImage colour(4, 4, QImage::Format_RGB888);
    colour.fill(QColor(200, 10, 10));
    const QImage row = composeInpaintRow(greyImage(4, 0), {colour}, greyImage(4, 50));
    QCOMPARE(row.format(), QImage::Format_RGB888);
    QCOMPARE(row.size(), QSize(3 * 6 + 2, 8));
    QCOMPARE(row.pixelColor(2 + 6, 2), QColor(200, 10, 10));
    QCOMPARE(row.pixelColor(2 + 12, 2), QColor(50, 50, 50));
  }

  void brushPreferencesPersist() {
    {
      InpaintView view;
      view.editor()->setBrushSize(7);
      view.editor()->setBrushHardness(0.25);
      view.editor()->setOverlayOpacity(0.8);
    }
    InpaintView view;
    QCOMPARE(view.editor()->brushSize(), 7);
    QCOMPARE(view.editor()->brushHardness(), 0.25);
    QCOMPARE(view.editor()->overlayOpacity(), 0.8);
  }

  void toolShortcutsSwitchTools() {
    InpaintView view;
    view.setImage(greyImage(kSide, 0));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.editor()->setFocus();
    QTest::keyClick(view.editor(), Qt::Key_E);
    QCOMPARE(view.editor()->tool(), MaskTool::Eraser);
    QTest::keyClick(view.editor(), Qt::Key_R);
    QCOMPARE(view.editor()->tool(), MaskTool::Rectangle);
    const int size = view.editor()->brushSize();
    QTest::keyClick(view.editor(), Qt::Key_BracketRight);
    QCOMPARE(view.editor()->brushSize(), size + 1);
    view.editor()->applyPreset(MaskPreset::LeftHalf);
    QTest::keyClick(view.editor(), Qt::Key_V, Qt::ShiftModifier);
    QCOMPARE(view.editor()->mask(), makePresetMask(QSize(kSide, kSide), MaskPreset::RightHalf));
    QTest::keyClick(view.editor(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(view.editor()->mask(), makePresetMask(QSize(kSide, kSide), MaskPreset::LeftHalf));
  }

  // Grabs the page after a brush stroke; checks the overlay and writes docs screenshots when
  // NCSN_SCREENSHOT_DIR is set.
  void screenshot() {
    InpaintView view;
    view.resize(view.sizeHint().expandedTo(QSize(1200, 720)));
    view.setImage(fashionMnistLikeImage());
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    MaskEditor* editor = view.editor();
    editor->setBrushSize(4);  // earlier tests saved other brush preferences
    editor->setBrushHardness(1);
    editor->setOverlayOpacity(0.6);
    const auto at = [editor](double x, double y) { return editor->imageToWidget(QPointF(x, y)).toPoint(); };
    QTest::mousePress(editor, Qt::LeftButton, Qt::NoModifier, at(6, 9));
    for (int x = 8; x <= 22; x += 2) QTest::mouseMove(editor, at(x, 9 + (x - 6) / 2));
    QTest::mouseRelease(editor, Qt::LeftButton, Qt::NoModifier, at(22, 17));
    QTest::mouseMove(editor, at(20, 22));  // the brush cursor shows in the grab
    const QImage editorShot = editor->grab().toImage();
    const QImage viewShot = view.grab().toImage();
    const QColor stroked = editorShot.pixelColor(at(14.5, 13.5) * editorShot.devicePixelRatio());
    QVERIFY2(stroked.red() > stroked.green() + 40, qPrintable(stroked.name()));  // tinted as "regenerate"
    if (const QString dir = qEnvironmentVariable("NCSN_SCREENSHOT_DIR"); !dir.isEmpty()) {
      QVERIFY(editorShot.save(dir + QStringLiteral("/mask-editor.png")));
      QVERIFY(viewShot.save(dir + QStringLiteral("/inpaint-view.png")));
    }
  }
};

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  int failures = 0;
  {
    TestMaskEditor editorTests;
    failures += QTest::qExec(&editorTests, argc, argv);
  }
  {
    TestInpaintView viewTests;
    failures += QTest::qExec(&viewTests, argc, argv);
  }
  return failures;
}

#include "test_mask_editor.moc"
