"""switchover_nb.py - what the notebooks share: run the `switchover` binary,
read its HDF5 result files (schema: results/store.h, docs/results.md) into
pandas.

Environment:
  SWITCHOVER                  the binary (default: build/cli/switchover under
                              the repository root)
  SWITCHOVER_NOTEBOOK_OUT     where result files go (default: out/notebooks)
  SWITCHOVER_NOTEBOOK_QUICK   1: small run counts and grids (what `make check`
                              uses so the notebooks run in seconds)
"""
import json
import os
import shlex
import subprocess

import h5py
import numpy as np
import pandas as pd

PHASES = ["src_prepare", "src_main", "final_query", "stopcopy", "dst_load",
          "dst_prepare", "dst_main"]
STRATEGIES = ["sequential", "parallel-prio", "parallel-barrier"]
STRATEGY_COLOURS = {"sequential": "#1f77b4", "parallel-prio": "#ff7f0e",
                    "parallel-barrier": "#2ca02c"}


def repo_root():
    """The repository: the notebooks' parent directory."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(here)


ROOT = repo_root()
QUICK = os.environ.get("SWITCHOVER_NOTEBOOK_QUICK", "") not in ("", "0")
SWITCHOVER = os.environ.get("SWITCHOVER", os.path.join(ROOT, "build", "cli", "switchover"))
OUT = os.environ.get("SWITCHOVER_NOTEBOOK_OUT", os.path.join(ROOT, "out", "notebooks"))


def scenario(rel):
    """Path of a scenario file of the repository ("scenarios/cx7-4vf.yaml")."""
    return os.path.join(ROOT, rel)


def _run(cmd):
    """Run a switchover command; a failed one raises with its stderr, so a
    broken notebook fails CI."""
    if not os.access(SWITCHOVER, os.X_OK):
        raise FileNotFoundError(
            f"{SWITCHOVER}: no switchover binary; build it (make build) or set SWITCHOVER")
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # 1 means some migration failed: the file is still written and says which.
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{shlex.join(cmd)} exited {done.returncode}: {done.stderr}")


def _out(out_name):
    os.makedirs(OUT, exist_ok=True)
    return os.path.join(OUT, out_name)


def run_sim(scenario_file, out_name, strategy="all", runs=None, seed=None, sets=()):
    """Run `switchover sim` and write OUT/out_name; returns its path."""
    path = _out(out_name)
    cmd = [SWITCHOVER, "sim", scenario_file, "--strategy", strategy, "--quiet", "-o", path]
    if runs is not None:
        cmd += ["--runs", str(runs)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    for s in sets:
        cmd += ["--set", s]
    _run(cmd)
    return path


def run_sweep(study_text, out_name, jobs=2):
    """Write the study (YAML text, docs/sweep.md) next to its result and run
    `switchover sweep STUDY -o OUT/out_name -j jobs`; returns the result's
    path.  Base scenarios in the study are best given as absolute paths
    (scenario(...)): relative ones are taken from the study file's folder."""
    path = _out(out_name)
    study = os.path.splitext(path)[0] + ".yaml"
    with open(study, "w") as f:
        f.write(study_text)
    _run([SWITCHOVER, "sweep", study, "-o", path, "-j", str(jobs), "--quiet"])
    return path


def _text(v):
    return v.decode() if isinstance(v, (bytes, np.bytes_)) else v


def read_meta(path):
    """The /meta attributes as a dict of str/int."""
    with h5py.File(path, "r") as f:
        return {k: _text(v) for k, v in f["/meta"].attrs.items()}


def read_summary(path):
    """/summary as a DataFrame, one row per run: strategy, run, status,
    downtime_s, phase_<name>_s, ... plus n_devices, backend, scenario, file."""
    with h5py.File(path, "r") as f:
        df = pd.DataFrame(f["/summary"][()])
        for c in df.columns:
            if df[c].dtype == object:
                df[c] = df[c].map(_text)
        if "n_devices" not in df.columns:
            df["n_devices"] = [len(f[f"/runs/{n}/devices"]) for n in df["n"]]
        meta = {k: _text(v) for k, v in f["/meta"].attrs.items()}
    df["backend"] = meta["backend"]
    df["scenario"] = meta["scenario_name"]
    df["file"] = os.path.basename(path)
    return df


def read_points(path):
    """A sweep file's /points as a DataFrame: one row per point and strategy,
    its axis values as columns (named by their keys), downtime_<stat>_s,
    phase_<name>_s, ... (docs/sweep.md)."""
    with h5py.File(path, "r") as f:
        df = pd.DataFrame(f["/points"][()])
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].map(_text)
    return df


def read_sweep_runs(path):
    """A sweep file's /summary (one row per run, the columns of read_summary)
    with each run's point, base scenario and axis values joined from /points."""
    points = read_points(path)
    runs = read_summary(path)
    first = list(points.columns).index("scenario")
    last = list(points.columns).index("strategy")
    keys = ["point"] + list(points.columns[first:last])
    owner = np.repeat(points.index.values, points["runs"].values)
    order = np.concatenate([np.arange(a, a + n) for a, n in
                            zip(points["first_run"], points["runs"])]) \
        if len(points) else np.array([], dtype=int)
    joined = points.loc[owner, keys].reset_index(drop=True)
    joined.index = order
    runs = runs.drop(columns=["scenario"]).join(joined.sort_index())
    return runs


def read_devices(path, n):
    """/runs/<n>/devices: each device's own time inside the downtime window."""
    with h5py.File(path, "r") as f:
        df = pd.DataFrame(f[f"/runs/{n}/devices"][()])
    df["name"] = df["name"].map(_text)
    return df


def completed(df):
    """Runs that completed (status 0)."""
    return df[df["status"] == 0]


def phase_medians_ms(df, strategy):
    """Median of each phase (ms) over the completed runs of one strategy."""
    d = completed(df[df["strategy"] == strategy])
    return pd.Series({p: 1e3 * d[f"phase_{p}_s"].median() for p in PHASES}, name=strategy)


def _bound(kind, v):
    """A --free bound of the report's kind, in its SI unit, as the CLI takes it."""
    return {"duration": f"{v!r}s", "rate": f"{v!r}B/s", "bytes": f"{int(v)}B"}.get(kind, repr(v))


def calibrate_table(csv, free, out_name, runs):
    """Run `switchover calibrate table CSV --free ... --runs RUNS --report
    OUT/out_name` (docs/calibration.md, "From a table") and return the report
    it writes, read.  `free`: the "free" list of a report (key, kind, low,
    high), so that a notebook refits exactly what a committed report fitted."""
    path = _out(out_name)
    cmd = [SWITCHOVER, "calibrate", "table", csv, "--runs", str(runs), "--quiet",
           "--report", path]
    for f in free:
        cmd += ["--free", f"{f['key']}={_bound(f['kind'], f['low'])}..{_bound(f['kind'], f['high'])}"]
    _run(cmd)
    return read_report(path)


def read_report(path):
    """A `calibrate table --report` file (JSON, docs/calibration.md)."""
    with open(path) as f:
        return json.load(f)
