"""tools/eval_vpq.py on a tiny Cityscapes-VPS style submission written to disk."""
import json
import os

import numpy as np
import pytest
from PIL import Image

from helpers import REPO, run_tool


def _eval_vpq_main(argv):
    """tools/eval_vpq.py's main() in this process (the CLI test runs it)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'eval_vpq_tool', f'{REPO}/tools/eval_vpq.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.main(argv[1:])

CATEGORIES = [dict(id=7, name='road', isthing=0),
              dict(id=26, name='car', isthing=1)]


def _id_png(path, ids):
    rgb = np.stack([ids % 256, ids // 256 % 256, ids // 65536], -1)
    Image.fromarray(rgb.astype(np.uint8)).save(path)


def _write(root, shift_last=0, extra_pred_id=None):
    """One video of 6 frames (4 x 10): road (id 1) and a car (id 300)."""
    truth, sub = root / 'gt', root / 'sub'
    os.makedirs(truth, exist_ok=True)
    os.makedirs(sub / 'pan_pred', exist_ok=True)
    images, gt_anns, pred_anns = [], [], []
    for t in range(6):
        image_id = f'0001_{t:04d}_city_000000_{t:06d}'
        gt = np.ones((4, 10), np.int64)
        gt[1:3, t:t + 4] = 300
        gt[0, 9] = 0  # VOID
        pred = np.full((4, 10), 5, np.int64)
        s = shift_last if t == 5 else 0
        pred[1:3, t + s:t + s + 4] = 9
        name = f'{image_id}_gtFine_color.png'
        _id_png(str(truth / name), gt)
        _id_png(str(sub / 'pan_pred' / f'{image_id}.png'), pred)
        images.append(dict(id=image_id, file_name=f'{image_id}_leftImg8bit.png'))
        gt_anns.append(dict(image_id=image_id, file_name=name, segments_info=[
            dict(id=1, category_id=7, iscrowd=0),
            dict(id=300, category_id=26, iscrowd=0)]))
        segs = [dict(id=5, category_id=7), dict(id=9, category_id=26)]
        if extra_pred_id:
            segs.append(dict(id=extra_pred_id, category_id=26))
        pred_anns.append(dict(image_id=image_id, segments_info=segs))
    with open(root / 'gt.json', 'w') as f:
        json.dump(dict(images=images, annotations=gt_anns,
                       categories=CATEGORIES), f)
    with open(sub / 'pred.json', 'w') as f:
        json.dump(dict(annotations=pred_anns), f)
    return ['tools/eval_vpq.py', '--submit-dir', str(sub), '--truth-dir',
            str(truth), '--pan-gt-json-file', str(root / 'gt.json'),
            '--out', str(root / 'res.json')]


def test_perfect_submission(tmp_path):
    proc = run_tool(_write(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert 'mean' in proc.stdout
    res = json.loads((tmp_path / 'res.json').read_text())
    for key in ('vpq_all', 'vpq_thing', 'vpq_stuff', 'vpq_all_k0',
                'vpq_thing_k15'):
        assert res[key] == pytest.approx(100.0), key
    assert res['per_class']['car']['k5'] == pytest.approx(100.0)


def test_one_bad_frame_lowers_short_windows_more(tmp_path):
    # the car of the last frame (8 px) is predicted 3 px off, cut by the
    # border to 4 px: IoU 2 / 10 in that frame
    _eval_vpq_main(_write(tmp_path, shift_last=3))
    res = json.loads((tmp_path / 'res.json').read_text())
    # k=0: 5 perfect frames (TP, IoU 1) and one miss (FP + FN): 5 / 6
    assert res['vpq_thing_k0'] == pytest.approx(100 * 5 / 6)
    # k=15: windows 0-3, 1-4 perfect; 2-5: tube IoU 26 / (32 + 28 - 26)
    assert res['vpq_thing_k15'] == pytest.approx(100 * (2 + 26 / 34) / 3)
    assert res['vpq_thing'] == pytest.approx(
        np.mean([res[f'vpq_thing_k{k}'] for k in (0, 5, 10, 15)]))


def test_json_segment_missing_from_png_is_an_error(tmp_path):
    with pytest.raises(KeyError, match=r'pan_pred.*\[77\]'):
        _eval_vpq_main(_write(tmp_path, extra_pred_id=77))
