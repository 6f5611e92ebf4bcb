#!/usr/bin/env python3
"""Compiles the CUDA-only code (#if NCSN_WITH_CUDA) against a CUDA LibTorch's headers, syntax only.

Needs no GPU and no CUDA libraries: it reuses a CPU build's compile commands (compile_commands.json)
with NCSN_WITH_CUDA=1 and the CUDA headers searched first. scripts/check-libtorch2.sh runs it in its
Debian 13 root with the headers of libtorch-cuda-dev 2.6, nvidia-cuda-dev and libcu++-dev.
Usage: compile-cuda-paths.py BUILD_DIR CUDA_INCLUDE_DIR FILE...
"""
import json
import shlex
import subprocess
import sys


def syntax_only(command, include):
    """The build's command for one file, compiling nothing and reading the CUDA headers first."""
    args = shlex.split(command)
    kept, skip = [], False
    for arg in args[1:]:
        if skip:
            skip = False
        elif arg in ("-o", "-include"):  # the object file; the CPU headers' precompiled header
            skip = True
        elif arg != "-c" and not arg.startswith("-Winvalid-pch"):
            kept.append(arg)
    cuda = ["-isystem", include, "-isystem", include + "/torch/csrc/api/include"]
    return [args[0], "-fsyntax-only", "-DNCSN_WITH_CUDA=1"] + cuda + kept


def main():
    build, include, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    commands = {entry["file"]: entry for entry in json.load(open(build + "/compile_commands.json"))}
    failed = 0
    for name in files:
        entry = next((e for path, e in commands.items() if path.endswith("/" + name)), None)
        if entry is None:
            sys.exit(f"{name} is not in {build}/compile_commands.json")
        result = subprocess.run(syntax_only(entry["command"], include), cwd=entry["directory"])
        print(f"{'ok  ' if result.returncode == 0 else 'FAIL'} {name}")
        failed += result.returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
