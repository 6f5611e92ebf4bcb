#pragma once
// What an inpainting run needs besides the image and the mask (annealed Langevin, Alg. 2).
#include <QMetaType>

namespace ncsn {

struct InpaintSettings {
  int candidates = 8;  // K chains from the same image and mask, shown side by side
  quint64 seed = 0;
  double stepLr = 2e-5;      // ε in the reference convention: α_i = ε·σ_i²/σ_L², x += α_i·s + √(2α_i)·z
  int stepsPerLevel = 100;   // T
  bool denoiseLast = false;  // finish with x + σ_L²·s(x, L)
};

}  // namespace ncsn

Q_DECLARE_METATYPE(ncsn::InpaintSettings)
