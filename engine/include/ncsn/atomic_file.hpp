#pragma once
// Crash-safe file replacement: write a temp file beside the target, fsync, rename over it.
// A kill or a full disk at any moment leaves either the old file or the new one, never a mix.
#include <string>
#include <string_view>

namespace ncsn {

// Throws WriteError (with the OS reason) and leaves `path` untouched on any failure.
void write_file_atomically(const std::string& path, std::string_view bytes);

// For a check before long work: WriteError unless the folder that `path` goes into exists (the
// write itself would find out only at the end).
void require_output_folder(const std::string& path);

// Temp files are named "<target>.tmp-<pid>-<n>"; loaders must ignore them.
bool is_temp_file_name(const std::string& filename);

// Deletes the temp files in `dir` left by processes that no longer run (a SIGKILL mid-write can
// not clean up after itself). Files of live processes, this one included, are kept. Returns how
// many were removed; a missing folder has none.
int remove_stale_temp_files(const std::string& dir);

}  // namespace ncsn
