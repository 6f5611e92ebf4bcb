#pragma once
// Checks a studio checkpoint before LibTorch's TorchScript loader sees it (engine-internal).
#include <string>

namespace ncsn::detail {

// LibTorch 1.13 reads zips with its CRC checks compiled out, and its TorchScript loader does not
// survive every damaged file: an unknown or malformed class name, type or attribute ends in
// std::terminate (an exception thrown across a noexcept frame), not in a c10::Error (found by
// fuzz_checkpoint). So before loading, this checks that every member's CRC-32 is right, that the
// member names are the ones LibTorch writes, that the class sources only declare attributes of
// plain types or of the archive's own classes, and that the pickles only name those classes.
// Throws DataError otherwise.
void check_archive(const std::string& path);

// Just the CRC part: DataError unless `path` is a zip whose every member matches its CRC-32
// (LibTorch does not check them). Used for reference torch.save files too.
void verify_zip_checksums(const std::string& path);

}  // namespace ncsn::detail
