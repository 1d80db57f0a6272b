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
