"""The shipped dataset in benchmarks/: every file loads into one frame with a stable version."""

import shutil
from pathlib import Path

import polars as pl
import pytest

from tco.domain.points import POINT_SCHEMA
from tco.ingest import IngestError
from tco.ingest.shipped import (
    DEFAULT_BENCHMARKS_DIR,
    RUNNER_AGG_DATE,
    dataset_version,
    load_shipped_points,
)


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return load_shipped_points()


def test_all_shipped_points_in_one_frame(frame: pl.DataFrame) -> None:
    assert frame.schema == pl.Schema(POINT_SCHEMA)
    assert frame.height == 435 + 3 + 220 + 7 + 8 + 20  # + new_hardware: TPU v7, Gaudi 3, MiniMax M3
    runner = frame.filter(pl.col("source").str.contains("pull/1633"))
    assert runner.height == 3
    assert runner["date"].unique().to_list() == [RUNNER_AGG_DATE]


def test_dataset_version_is_stable_and_order_independent(frame: pl.DataFrame) -> None:
    version = dataset_version(frame)
    assert version.startswith("ds-") and len(version) == 15
    assert dataset_version(frame.reverse()) == version
    assert dataset_version(frame.sample(fraction=1.0, shuffle=True, seed=7)) == version
    assert dataset_version(load_shipped_points()) == version
    changed = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(1.0)
        .otherwise(pl.col("tput_per_gpu"))
        .alias("tput_per_gpu")
    )
    assert dataset_version(changed) != version
    assert dataset_version(frame.head(10)) != version


def test_a_bad_shipped_file_loads_nothing(tmp_path: Path) -> None:
    shutil.copytree(DEFAULT_BENCHMARKS_DIR, tmp_path / "b", ignore=shutil.ignore_patterns("*.md"))
    blog = tmp_path / "b" / "inferencex_blog_points.csv"
    blog.write_text(blog.read_text().replace(",337,", ",-337,"))
    with pytest.raises(IngestError) as caught:
        load_shipped_points(tmp_path / "b")
    assert [(e.index, e.field) for e in caught.value.errors] == [(35, "tput_per_gpu")]
