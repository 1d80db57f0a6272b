"""tools/test.py (all metrics, JSON, per-class table, colourized predictions),
tools/analysis_tools/visualize_video.py and tools/analysis_tools/plot_results.py."""
import json
import os

import cv2
import numpy as np
import pytest
from PIL import Image

from helpers import REPO, load_tool, run_tool
from uda_video.visualization.result_records import load_records

def _tool(name):
    """A tools/analysis_tools script as a module (its main() runs here)."""
    return load_tool(f'tools/analysis_tools/{name}.py')


CITYSCAPES_ROAD = (128, 64, 128)
CITYSCAPES_SKY = (70, 130, 180)


@pytest.fixture(scope='module')
def tested(tmp_path_factory, tiny_folder_dataset):
    import torch
    from mmengine.config import Config

    from uda_video.registry import MODELS
    from uda_video.utils import register_all_modules
    register_all_modules()
    work = tmp_path_factory.mktemp('test_tool')
    cfg = work / 'cfg.py'
    cfg.write_text(
        f"_base_ = ['{REPO}/tests/configs/tiny_encdec.py']\n"
        f"test_dataloader = dict(dataset=dict(data_root='{tiny_folder_dataset}'))\n"
        "test_evaluator = [dict(type='IoUMetric', iou_metrics=['mIoU']),\n"
        "                  dict(type='VideoIoUMetric', prefix='video')]\n")
    model = MODELS.build(Config.fromfile(str(cfg)).model)
    ckpt = work / 'model.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    proc = run_tool(['tools/test.py', str(cfg), str(ckpt), '--work-dir',
                     str(work / 'w'), '--out', str(work / 'out'),
                     '--color-out', str(work / 'color')])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return work


def test_test_tool_runs_every_metric_and_writes_results(tested):
    res = json.loads((tested / 'w' / 'test_results.json').read_text())
    m = res['metrics']
    assert m['mIoU'] == pytest.approx(m['video/mIoU'])  # same pass, same data
    assert res['method'] == 'cfg'
    table = (tested / 'w' / 'per_class_results.md').read_text()
    assert table.splitlines()[0] == '| class | video/IoU | video/Acc |'
    assert len(table.splitlines()) == 2 + 4  # header, rule, 4 classes


def test_test_tool_writes_label_and_colour_predictions(tested):
    names = sorted(os.listdir(tested / 'out'))
    assert names == ['0.png', '1.png', '2.png', '3.png']
    label = np.asarray(Image.open(tested / 'out' / '0.png'))
    color = np.asarray(Image.open(tested / 'color' / '0.png'))
    palette = np.array([[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]])
    assert label.shape == (64, 64) and color.shape == (64, 64, 3)
    np.testing.assert_array_equal(color, palette[label])


def test_visualize_video_gif(tmp_path):
    for d in ('img', 'pred', 'gt'):
        os.makedirs(tmp_path / d)
    for t in range(3):
        img = np.full((16, 24, 3), 40 * t, np.uint8)
        pred = np.zeros((16, 24), np.uint8)
        pred[8:] = 10  # sky
        cv2.imwrite(str(tmp_path / 'img' / f'f{t}.jpg'), img)
        cv2.imwrite(str(tmp_path / 'pred' / f'f{t}.png'), pred)
        if t != 1:  # frame 1 is unlabelled
            cv2.imwrite(str(tmp_path / 'gt' / f'f{t}.png'), pred)
    out = tmp_path / 'v.gif'
    proc = run_tool(['tools/analysis_tools/visualize_video.py', '--img-dir',
                     str(tmp_path / 'img'), '--img-suffix', '.jpg',
                     '--pred-dir', str(tmp_path / 'pred'), '--gt-dir',
                     str(tmp_path / 'gt'), '--out', str(out)])
    assert proc.returncode == 0, proc.stderr
    gif = Image.open(out)
    assert gif.n_frames == 3
    frame = np.asarray(gif.convert('RGB'))
    assert frame.shape[1] == 3 * 24 and frame.shape[0] > 16  # + legend
    assert tuple(frame[14, 24 + 2]) == CITYSCAPES_SKY  # prediction panel
    assert tuple(frame[14, 48 + 2]) == CITYSCAPES_SKY  # ground-truth panel
    assert tuple(frame[4, 24 + 20]) == CITYSCAPES_ROAD
    gif.seek(1)
    assert tuple(np.asarray(gif.convert('RGB'))[2, 48 + 20]) == (128, ) * 3
    # a frame without a prediction is an error naming the file
    os.remove(tmp_path / 'pred' / 'f2.png')
    with pytest.raises(FileNotFoundError, match='f2.png'):
        _tool('visualize_video').main([
            '--img-dir', str(tmp_path / 'img'), '--img-suffix', '.jpg',
            '--pred-dir', str(tmp_path / 'pred'), '--out', str(out)])


def test_plot_results(tmp_path):
    files = []
    for name, miou, fps in (('dff', 68.7, 4.0), ('per_frame', 75.2, 1.35)):
        test = tmp_path / f'{name}_test.json'
        test.write_text(json.dumps(dict(config=f'configs/x/{name}.py',
                                        metrics={'video/mIoU': miou})))
        bench = tmp_path / f'{name}_bench.json'
        bench.write_text(json.dumps(dict(method=name, fps=fps)))
        files += [str(test), str(bench)]
    out = tmp_path / 'p.png'
    tool = _tool('plot_results')
    records = load_records(files, 'mIoU', 'fps')
    assert records == dict(dff=dict(miou=68.7, fps=4.0),
                           per_frame=dict(miou=75.2, fps=1.35))
    tool.main([*files, '--out', str(out)])
    assert Image.open(out).size[0] > 100
    with pytest.raises(KeyError, match='dff'):  # mIoU without fps
        load_records(files[:1], 'mIoU', 'fps')


def test_prediction_writer_hook_from_the_registry(tmp_path):
    """PredictionWriterHook (tools/test.py --out / --color-out) builds from
    the registry and writes ids and palette colours named by img_path."""
    from types import SimpleNamespace

    import torch
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    from uda_video.registry import HOOKS
    hook = HOOKS.build(dict(type='PredictionWriterHook',
                            out_dir=str(tmp_path / 'ids'),
                            color_dir=str(tmp_path / 'color')))
    sample = SegDataSample(metainfo=dict(img_path='x/f7_leftImg8bit.png'))
    sample.pred_sem_seg = PixelData(
        data=torch.tensor([[[0, 1], [255, 0]]]))
    dataset = SimpleNamespace(metainfo=dict(
        palette=[CITYSCAPES_ROAD, CITYSCAPES_SKY]))
    runner = SimpleNamespace(test_dataloader=SimpleNamespace(dataset=dataset))
    hook.after_test_iter(runner, 0, outputs=[sample])
    ids = np.asarray(Image.open(tmp_path / 'ids' / 'f7_leftImg8bit.png'))
    assert ids.tolist() == [[0, 1], [255, 0]]
    color = np.asarray(Image.open(tmp_path / 'color' / 'f7_leftImg8bit.png'))
    assert tuple(color[0, 0]) == CITYSCAPES_ROAD
    assert tuple(color[0, 1]) == CITYSCAPES_SKY
    assert tuple(color[1, 0]) == (0, 0, 0)  # ignore: black
    dataset.metainfo = {}
    with pytest.raises(KeyError, match='palette'):
        hook.after_test_iter(runner, 0, outputs=[sample])
