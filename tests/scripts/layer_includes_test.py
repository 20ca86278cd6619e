#!/usr/bin/env python3
"""Shows the build itself refusing an #include against the layering: for each layer, a one-line
probe source is compiled (-fsyntax-only) with exactly the flags CMake gives that layer's target
(taken from compile_commands.json, as if the probe were one of the layer's own sources). An
include of a layer it may not use must fail with "No such file or directory" for that header
(which exists in src/: the layer's include root just does not show it); an allowed one compiles.

  tests/scripts/layer_includes_test.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

# (layer, header, compiles?) — the arrows of docs/design/layers.md.
CASES = [
    ("core", "nucleus/status.h", True),
    ("core", "geometry/box.h", False),
    ("geometry", "core/log.h", True),
    ("geometry", "eval/matching.h", False),
    ("eval", "geometry/iou.h", True),
    ("eval", "store/store.h", False),
    ("eval", "wire/json_reader.h", False),
    ("store", "store/items.h", True),
    ("store", "store/sqlite/db.h", False),  # the backend is not part of the interface
    ("store", "wire/json_writer.h", False),
    ("store/sqlite", "store/store.h", True),
    ("store/sqlite", "store/sqlite/db.h", True),
    ("store/sqlite", "api/context.h", False),
    ("wire", "core/limits.h", True),
    ("wire", "store/store.h", False),
    ("wire", "api/context.h", False),
    ("jobs", "store/jobs.h", True),
    ("jobs", "api/jobs.h", False),
    ("api", "store/items.h", True),
    ("api", "eval/matching.h", True),
    ("api", "server/router.h", False),
    ("api", "wire/json_reader.h", False),  # the JSON boundary is wire/, reached by server/ only
    ("api", "store/sqlite/sqlite_store.h", False),
    ("api", "client/transport.h", False),
    ("server", "api/context.h", True),
    ("server", "wire/json_writer.h", True),
    ("server", "store/sqlite/sqlite_store.h", False),
    ("server", "client/transport.h", False),
    ("server", "cli/client_commands.h", False),
    ("client", "wire/json_reader.h", True),
    ("client", "store/store.h", False),
    ("client", "api/context.h", False),
    ("cli", "client/transport.h", True),
    ("cli", "eval/coco_eval.h", True),
    ("cli", "api/context.h", False),
    ("cli", "server/http.h", False),
]

# Flags that name the source or the outputs of one compile: dropped (with their argument).
DROP_WITH_ARG = {"-o", "-c", "-MF", "-MT", "-MQ"}
DROP = {"-MD", "-MMD"}


def layer_of(path, source_dir):
    rel = os.path.relpath(path, os.path.join(source_dir, "src")).split(os.sep)
    if len(rel) < 2 or rel[0] == "..":
        return None
    return "store/sqlite" if rel[:2] == ["store", "sqlite"] and len(rel) > 2 else rel[0]


def layer_commands(build_dir, source_dir):
    """layer -> (directory, compile arguments without source and outputs) of one of its sources."""
    with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as f:
        entries = json.load(f)
    commands = {}
    for e in entries:
        layer = layer_of(e["file"], source_dir)
        if layer is None or layer in commands:
            continue
        args = e.get("arguments") or shlex.split(e["command"])
        kept, skip = [], False
        for a in args:
            if skip:
                skip = False
            elif a in DROP_WITH_ARG:
                skip = True
            elif a not in DROP and os.path.abspath(os.path.join(e["directory"], a)) != e["file"]:
                kept.append(a)
        commands[layer] = (e["directory"], kept)
    return commands


def main():
    build_dir, source_dir = (os.path.abspath(a) for a in sys.argv[1:3])
    commands = layer_commands(build_dir, source_dir)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, (layer, header, allowed) in enumerate(CASES):
            if not os.path.exists(os.path.join(source_dir, "src", header)) and \
                    not os.path.exists(os.path.join(source_dir, "include", header)):
                failures.append(f"{layer} -> {header}: no such header in the tree (fix the case)")
                continue
            if layer not in commands:
                failures.append(f"{layer}: no source of this layer in compile_commands.json")
                continue
            directory, args = commands[layer]
            probe = os.path.join(tmp, f"probe{n}.cc")  # alone in tmp: no neighbour to find
            with open(probe, "w", encoding="utf-8") as f:
                f.write(f'#include "{header}"\n')
            run = subprocess.run(args + ["-fsyntax-only", probe], cwd=directory,
                                 capture_output=True, text=True)
            missing = f"{header}: No such file or directory" in run.stderr
            if allowed and run.returncode != 0:
                failures.append(f"{layer} may include {header}, but it does not compile:\n"
                                f"{run.stderr[-2000:]}")
            elif not allowed and run.returncode == 0:
                failures.append(f"{layer} may not include {header}, but it compiles")
            elif not allowed and not missing:
                failures.append(f"{layer} -> {header} fails for another reason than the "
                                f"include root:\n{run.stderr[-2000:]}")
            else:
                print(f"ok: {layer} {'may' if allowed else 'may not'} include {header}")
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    if failures:
        return 1
    print(f"layer_includes_test: ok ({len(CASES)} probes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
