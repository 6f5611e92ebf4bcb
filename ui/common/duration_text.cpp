#include "duration_text.hpp"

#include <cmath>

namespace ncsn {

QString durationText(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0.0) return QStringLiteral("—");
  const qint64 total = qint64(std::llround(seconds));
  if (total < 60) return QStringLiteral("%1 s").arg(total);
  const qint64 hours = total / 3600, minutes = (total / 60) % 60, secs = total % 60;
  const QString mmss = QStringLiteral("%1:%2").arg(minutes, hours > 0 ? 2 : 1, 10, QChar('0')).arg(secs, 2, 10, QChar('0'));
  return hours > 0 ? QStringLiteral("%1:%2").arg(hours).arg(mmss) : mmss;
}

}  // namespace ncsn
