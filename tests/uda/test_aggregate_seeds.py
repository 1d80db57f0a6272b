"""tools/analysis_tools/aggregate_seeds.py: mean and sample spread of per-seed result tables."""
import json

import pytest

from helpers import load_tool


def tool():
    return load_tool('tools/analysis_tools/aggregate_seeds.py')


def write(tmp_path, name, table):
    path = tmp_path / name
    path.write_text(json.dumps(table))
    return str(path)


def test_mean_and_sample_std_over_seeds(tmp_path, capsys):
    files = [write(tmp_path, f's{i}.json',
                   {'VAT': {'mIoU': v, 'svpq_all': 1.0},
                    'source-only': {'mIoU': 10.0, 'svpq_all': 2.0 + i}})
             for i, v in enumerate([20.0, 22.0, 27.0])]
    result = tool().main(files + ['--out', str(tmp_path / 'agg.json')])
    vat = result['VAT']['mIoU']
    assert vat['mean'] == pytest.approx(23.0)
    # sample std: sqrt(((-3)^2 + (-1)^2 + 4^2) / 2) = sqrt(13)
    assert vat['std'] == pytest.approx(13**0.5)
    assert vat['values'] == [20.0, 22.0, 27.0]
    assert result['source-only']['mIoU']['std'] == 0.0
    assert result['source-only']['svpq_all']['mean'] == pytest.approx(3.0)
    out = capsys.readouterr().out
    assert '| VAT | 23.00 ± 3.61 | 1.00 ± 0.00 | 20.00 / 22.00 / 27.00 |' in out
    assert json.loads((tmp_path / 'agg.json').read_text())['files'] == files


def test_a_partial_run_is_an_error_naming_the_file(tmp_path):
    full = write(tmp_path, 'a.json', {'VAT': {'mIoU': 1.0, 'svpq_all': 1.0},
                                      'VST': {'mIoU': 1.0, 'svpq_all': 1.0}})
    partial = write(tmp_path, 'b.json', {'VAT': {'mIoU': 1.0,
                                                 'svpq_all': 1.0}})
    with pytest.raises(KeyError, match=r"b\.json has no results for \['VST'\]"):
        tool().main([full, partial])
    no_metric = write(tmp_path, 'c.json', {'VAT': {'mIoU': 1.0},
                                           'VST': {'mIoU': 1.0}})
    with pytest.raises(KeyError, match="c.json: method 'VAT' has no metric"):
        tool().main([full, no_metric])


def test_paired_differences_gap_closed_and_unmeasured_metrics(tmp_path,
                                                              capsys):
    files = [write(tmp_path, f's{i}.json', {
        'source-only': {'mIoU': 10.0 + i},
        'VAT': {'mIoU': 12.0 + 2 * i},
        'VST': {'mIoU': 9.0 + 4 * i, 'pl.precision': 70.0 + i},
        'oracle': {'mIoU': 30.0 + i}}) for i in range(3)]
    result = tool().main(files + [
        '--metrics', 'mIoU', 'pl.precision', '--pairs', 'VAT:source-only',
        'VST:VAT', '--gap', 'source-only:oracle',
        '--out', str(tmp_path / 'agg.json')])
    assert 'pl.precision' not in result['VAT']
    out = capsys.readouterr().out
    assert '| VAT | 14.00 ± 2.00 | - | 12.00 / 14.00 / 16.00 | - |' in out
    assert '| VST - VAT | -3.00 / -1.00 / +1.00 | -1.00 | 1 of 3 |' in out
    # (VAT 14 - source-only 11) / (oracle 31 - 11) = 15 %
    assert '| VAT | 15.0 |' in out
    saved = json.loads((tmp_path / 'agg.json').read_text())
    assert saved['pairs'][0]['wins'] == 3
    with pytest.raises(KeyError, match="'DACS'"):
        tool().main(files + ['--pairs', 'DACS:VAT'])
