#pragma once
// One list of (key, field) per settings struct serves both loading and saving, so the two can
// never disagree on a key.
#include <QSettings>
#include <QString>
#include <QVariant>

enum class SettingsDirection { Load, Save };

// Saves `field` under `key` in the current group, or loads it, keeping its value when absent.
template <typename T>
void persistField(QSettings& store, SettingsDirection direction, const QString& key, T& field) {
  if (direction == SettingsDirection::Save)
    store.setValue(key, QVariant::fromValue(field));
  else
    field = store.value(key, QVariant::fromValue(field)).template value<T>();
}
