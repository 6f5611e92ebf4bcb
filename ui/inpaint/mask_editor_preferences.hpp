#pragma once
// The brush and overlay settings that outlive a session (QSettings group "inpaint").
namespace ncsn {

class MaskEditor;

// Applies the saved brush size, hardness and overlay opacity to `editor` (defaults when none are
// saved) and saves each of them whenever it changes.
void persistMaskEditorPreferences(MaskEditor* editor);

}  // namespace ncsn
