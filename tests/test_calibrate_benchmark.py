"""tools/analysis_tools/calibrate_benchmark.py: its rows and table."""
import pytest

from helpers import load_tool

calibrate = load_tool('tools/analysis_tools/calibrate_benchmark.py')


def test_row_is_source_only_over_oracle():
    results = {'source-only': {'mIoU': 23.0, 'TC': 60.0},
               'target-oracle': {'mIoU': 46.0}}
    row = calibrate.ratio_row(0.5, 1.0, 'pretrained', results)
    assert row['ratio'] == pytest.approx(50.0)
    assert (row['source_only'], row['oracle']) == (23.0, 46.0)
    table = calibrate.markdown([row])
    assert table.splitlines()[-1] == '| 0.5 | 1 | pretrained | 23.00 | 46.00 | 50.0 |'


def test_a_run_without_the_oracle_is_named():
    with pytest.raises(KeyError, match='target-oracle'):
        calibrate.ratio_row(1.0, 1.0, 'scratch', {'source-only': {'mIoU': 1.0}})
