#include "inpaint/mask_editor_preferences.hpp"

#include <QSettings>

#include "inpaint/mask_editor.hpp"

namespace ncsn {
namespace {

const char* const kGroup = "inpaint";
const char* const kBrushSize = "brushSize";
const char* const kBrushHardness = "brushHardness";
const char* const kOverlayOpacity = "overlayOpacity";

void save(const char* key, const QVariant& value) {
  QSettings settings;
  settings.beginGroup(kGroup);
  settings.setValue(key, value);
}

}  // namespace

void persistMaskEditorPreferences(MaskEditor* editor) {
  QSettings settings;
  settings.beginGroup(kGroup);
  editor->setBrushSize(settings.value(kBrushSize, editor->brushSize()).toInt());
  editor->setBrushHardness(settings.value(kBrushHardness, editor->brushHardness()).toDouble());
  editor->setOverlayOpacity(settings.value(kOverlayOpacity, editor->overlayOpacity()).toDouble());
  QObject::connect(editor, &MaskEditor::brushSizeChanged, editor, [](int size) { save(kBrushSize, size); });
  QObject::connect(editor, &MaskEditor::brushHardnessChanged, editor, [](double h) { save(kBrushHardness, h); });
  QObject::connect(editor, &MaskEditor::overlayOpacityChanged, editor, [](double o) { save(kOverlayOpacity, o); });
}

}  // namespace ncsn
