#pragma once
// Scripted first steps for documentation screenshots (--run): each page's main action, started
// through the same calls a user's clicks make.
#include "main_window.hpp"

namespace ncsn {

// Starts the page's job once a model is ready (Sample, Inpaint) or at once (Train, Toy 2-D).
// Training writes its run folder to `runFolder`.
void startPageDemo(MainWindow& window, MainWindow::Page page, const QString& runFolder);

}  // namespace ncsn
