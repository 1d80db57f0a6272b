"""uda_video.apis.logged_means: what the demo table reads back from a run."""
import json

import pytest

from uda_video.apis import logged_means


def _write(run_dir, records):
    vis = run_dir / 'vis_data'
    vis.mkdir(parents=True)
    (vis / 'scalars.json').write_text(
        '\n'.join(json.dumps(r) for r in records) + '\n')


def test_mean_over_the_last_half_of_the_newest_run(tmp_path):
    _write(tmp_path / '20260101_000000', [
        {'iter': 10, 'pl.precision': 0.0}])  # an older run: ignored
    _write(tmp_path / '20260102_000000', [
        {'iter': 10, 'pl.precision': 0.1, 'loss': 3.0},
        {'iter': 20, 'pl.precision': 0.2, 'pl.coverage': 0.5},
        {'iter': 30, 'pl.precision': 0.6, 'pl.coverage': 0.7},
        {'iter': 40, 'pl.precision': 0.8, 'pl.mIoU': 0.3},
        {'mIoU': 50.0, 'step': 40},  # a validation record: no 'iter'
    ])
    means = logged_means(str(tmp_path), 'pl.')
    assert means == pytest.approx({'pl.precision': 70.0, 'pl.coverage': 70.0,
                                   'pl.mIoU': 30.0})
    assert logged_means(str(tmp_path), 'nothing.') == {}


def test_a_folder_without_a_run_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        logged_means(str(tmp_path))
    with pytest.raises(ValueError, match='last'):
        logged_means(str(tmp_path), last=0.0)
