#pragma once
// Durations as people read them on a progress display: "42 s", "3:07", "1:02:03".
#include <QString>

namespace ncsn {

// Unknown (NaN, negative or infinite) durations read as an em dash.
QString durationText(double seconds);

}  // namespace ncsn
