#!/usr/bin/env python3
"""Interleaved whole-process comparison of `nucleus eval` with faster-coco-eval and pycocotools.

Runs, for each of --pairs pairs, `nucleus eval` (A) and then faster-coco-eval (B) as whole
processes, A B A B ..., so every run of ours after the first starts right after a large
process has freed its memory (the situation of a user who evaluates after other work).
pycocotools (C) is slow (minutes on the 5k set), so it runs in the first --pycocotools-runs
pairs only (A B C), 0 to skip it.

Each anchor is a `python -c` process doing what a user does: COCO(gt), loadRes(dt),
evaluate, accumulate, summarize. The anchors are built locally from their sources and reached
through --faster-pythonpath / --pycocotools-pythonpath (or FASTER_COCO_EVAL_PYTHONPATH /
PYCOCOTOOLS_PYTHONPATH); nothing of theirs is part of this repository.

Prints one line per run (wall, user, sys, sys share of wall, peak RSS from os.wait4's rusage,
1-minute load average when it started), the medians, faster/ours pair by pair, and whether
the 12 stats of every run are identical to ours (exit status 1 if not).

  bench/eval/interleaved.py --nucleus build/nucleus --gt DIR/gt.json --dt DIR/dt.json \\
      --iou-type bbox --pairs 5 --faster-pythonpath FCE_DIR --pycocotools-pythonpath PYCOCO_DIR
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ANCHOR_SCRIPT = r"""
import json, sys, contextlib
kind, gt_path, dt_path, iou_type = sys.argv[1:5]
if kind == "faster":
    from faster_coco_eval import COCO, COCOeval_faster as Eval
else:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval as Eval
with contextlib.redirect_stdout(sys.stderr):
    gt = COCO(gt_path)
    dt = gt.loadRes(dt_path)
    e = Eval(gt, dt, iou_type)
    e.evaluate()
    e.accumulate()
    e.summarize()
print(json.dumps([float(v) for v in e.stats[:12]]))
"""


def run(cmd, env=None):
    """Runs cmd as a whole process; returns (stdout, wall, user, sys, max_rss_kib, load1)."""
    load1 = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{errors[-2000:]}")
    return text, wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss, load1


def ours_stats(text):
    # `nucleus eval --json` ends with one JSON line holding the stats.
    last = [line for line in text.splitlines() if line.startswith("{")][-1]
    return [float(v) for v in json.loads(last)["stats"]]


def anchor_stats(text):
    return [float(v) for v in json.loads(text.strip().splitlines()[-1])]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nucleus", required=True, help="the nucleus binary")
    parser.add_argument("--gt", required=True)
    parser.add_argument("--dt", required=True)
    parser.add_argument("--iou-type", default="bbox", choices=["bbox", "segm", "keypoints"])
    parser.add_argument("--threads", type=int, default=1, help="nucleus eval --threads")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter for the anchors (the one they were built for)")
    parser.add_argument("--faster-pythonpath",
                        default=os.environ.get("FASTER_COCO_EVAL_PYTHONPATH"),
                        help="directory holding the built faster_coco_eval package")
    parser.add_argument("--pycocotools-pythonpath",
                        default=os.environ.get("PYCOCOTOOLS_PYTHONPATH"),
                        help="directory holding the built pycocotools package")
    parser.add_argument("--pycocotools-runs", type=int, default=1,
                        help="run pycocotools in the first N pairs (0: never)")
    args = parser.parse_args()
    if args.pairs < 1 or args.pairs > 100:
        parser.error("--pairs must be 1..100")
    if args.faster_pythonpath is None:
        parser.error("--faster-pythonpath (or FASTER_COCO_EVAL_PYTHONPATH) is required")
    if args.pycocotools_runs > 0 and args.pycocotools_pythonpath is None:
        parser.error("--pycocotools-pythonpath (or PYCOCOTOOLS_PYTHONPATH) is required "
                     "unless --pycocotools-runs 0")

    def anchor_env(path):
        env = dict(os.environ)
        env["PYTHONPATH"] = path
        return env

    ours_cmd = [args.nucleus, "eval", "--gt", args.gt, "--dt", args.dt, "--iou-type",
                args.iou_type, "--threads", str(args.threads), "--json"]
    anchors = {
        "faster": ([args.python, "-c", ANCHOR_SCRIPT, "faster", args.gt, args.dt, args.iou_type],
                   anchor_env(args.faster_pythonpath)),
        "pycocotools": ([args.python, "-c", ANCHOR_SCRIPT, "pycocotools", args.gt, args.dt,
                         args.iou_type], anchor_env(args.pycocotools_pythonpath or "")),
    }

    runs = {"ours": [], "faster": [], "pycocotools": []}
    reference = None
    mismatches = []
    print(f"{'pair':>4} {'run':<12} {'wall s':>8} {'user s':>8} {'sys s':>8} {'sys %':>6} "
          f"{'RSS MiB':>8} {'load1':>6}")
    for pair in range(args.pairs):
        order = ["ours", "faster"] + (["pycocotools"] if pair < args.pycocotools_runs else [])
        for name in order:
            if name == "ours":
                text, *figures = run(ours_cmd)
                stats = ours_stats(text)
            else:
                cmd, env = anchors[name]
                text, *figures = run(cmd, env)
                stats = anchor_stats(text)
            wall, user, system, rss, load1 = figures
            runs[name].append((wall, user, system, rss))
            if reference is None:
                reference = stats
            elif stats != reference:
                mismatches.append((pair, name, stats))
            print(f"{pair:>4} {name:<12} {wall:8.3f} {user:8.3f} {system:8.3f} "
                  f"{100 * system / wall:6.1f} {rss / 1024:8.1f} {load1:6.2f}", flush=True)

    print()
    for name, figures in runs.items():
        if not figures:
            continue
        walls = [f[0] for f in figures]
        print(f"median {name:<12} wall {statistics.median(walls):.3f} s "
              f"(min {min(walls):.3f}, max {max(walls):.3f}), "
              f"user {statistics.median(f[1] for f in figures):.3f} s, "
              f"sys {statistics.median(f[2] for f in figures):.3f} s, "
              f"sys/wall {100 * statistics.median(f[2] / f[0] for f in figures):.1f} %, "
              f"peak RSS {statistics.median(f[3] for f in figures) / 1024:.1f} MiB "
              f"(max {max(f[3] for f in figures) / 1024:.1f})")
    ratios = [b[0] / a[0] for a, b in zip(runs["ours"], runs["faster"])]
    print("faster/ours by pair: " + ", ".join(f"{r:.1f}" for r in ratios) +
          f"; median 1/{statistics.median(ratios):.1f}")
    worst_sys = max(f[2] / f[0] for f in runs["ours"])
    print(f"ours: highest sys/wall {100 * worst_sys:.1f} %")
    if reference is not None:
        print("stats: " + " ".join(repr(v) for v in reference))
    if mismatches:
        for pair, name, stats in mismatches:
            print(f"STATS DIFFER: pair {pair} {name}: {stats}")
        return 1
    print("stats: identical in every run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
