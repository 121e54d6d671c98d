"""The benchmark datasets shipped in ``benchmarks/`` (provenance in benchmarks/README.md).

The only module of the package that reads files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import msgspec
import polars as pl

from tco.data_dirs import shipped_dir
from tco.domain.points import Point, points_frame
from tco.ingest.blog import parse_blog_csv
from tco.ingest.inferencex import parse_inferencex_agg, parse_inferencex_api
from tco.ingest.new_hardware import (
    parse_gaudi3_summary,
    parse_minimax_blog_csv,
    parse_tpuv7_snapshot,
)

DEFAULT_BENCHMARKS_DIR = shipped_dir("benchmarks")
API_FILE = "inferencex_api_dsr1_latest.json"
RUNNER_AGG_DIR = "inferencex_runner_agg"
BLOG_FILE = "inferencex_blog_points.csv"
# Points on hardware and models added to the catalog later (benchmarks/README.md)
NEW_HARDWARE_DIR = "new_hardware"
_APP = "SemiAnalysisAI/InferenceX-app"
NEW_HARDWARE_FILES = (
    ("tpuv7-qwen35-snapshot.json", parse_tpuv7_snapshot,
     f"{_APP} packages/app/src/lib/tpuv7-qwen35-snapshot.json @ 250052d4"),
    ("glm47_gaudi3_summary.json", parse_gaudi3_summary,
     f"{_APP} glm-4.7/results/glm47_gaudi3_summary.json @ 806f0013"),
    ("minimax-m3-vllm-fp8-h200-vs-b200-2026-06-13.csv", parse_minimax_blog_csv,
     f"{_APP} packages/app/content/blog/minimax-m3-vllm-fp8-h200-vs-b200-low-concurrency.mdx"
     " @ 64acb8b7"),
)  # fmt: skip

# Runner files carry no date. The date of commit bf03096 (InferenceX PR #1633) could not be
# found; 2026-05-20 is a documented stand-in, see benchmarks/README.md ("Data decisions").
RUNNER_AGG_DATE = dt.date(2026, 5, 20)
RUNNER_AGG_SOURCE = "https://github.com/SemiAnalysisAI/InferenceX/pull/1633 (commit bf03096)"


def load_shipped_point_list(directory: Path | None = None) -> list[Point]:
    root = directory or DEFAULT_BENCHMARKS_DIR
    points = parse_inferencex_api((root / API_FILE).read_bytes(), source=f"benchmarks/{API_FILE}")
    for path in sorted((root / RUNNER_AGG_DIR).glob("agg_*.json")):
        points += [
            msgspec.structs.replace(p, date_stand_in=True)
            for p in parse_inferencex_agg(
                path.read_bytes(), source=f"{RUNNER_AGG_SOURCE} {path.name}", date=RUNNER_AGG_DATE
            )
        ]
    points += parse_blog_csv((root / BLOG_FILE).read_bytes(), source=f"benchmarks/{BLOG_FILE}")
    for name, parse_file, source in NEW_HARDWARE_FILES:
        points += parse_file((root / NEW_HARDWARE_DIR / name).read_bytes(), source=source)
    return points


def load_shipped_points(directory: Path | None = None) -> pl.DataFrame:
    """Every shipped point in one frame (POINT_SCHEMA); raises IngestError if a file is bad."""
    return points_frame(load_shipped_point_list(directory))


def dataset_version(frame: pl.DataFrame) -> str:
    """``ds-`` + 12 hex of a content hash: equal for equal sets of rows, whatever their order,
    and stable across runs and polars versions (polars' own row hash is neither)."""
    encoder = msgspec.json.Encoder()
    digest = hashlib.blake2b(encoder.encode(frame.columns), digest_size=6)
    for line in sorted(encoder.encode(row) for row in frame.rows()):
        digest.update(line)
        digest.update(b"\n")
    return f"ds-{digest.hexdigest()}"
