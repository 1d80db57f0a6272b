"""Video panoptic quality of a Cityscapes-VPS submission (drop-in evaluation CLI).

    python tools/analysis_tools/eval_vpq.py --submit-dir D --truth-dir T --pan-gt-json-file J
                             [--out FILE.json] [--official-compat]

D holds pred.json and pan_pred/<image id>.png; T the ground-truth panoptic PNGs
(RGB-encoded ids) named as in J, the COCO-panoptic style JSON (images,
annotations, categories with isthing). Videos are consecutive groups of 6
frames (annotated every 5th frame; windows k = 0, 5, 10, 15). Prints a table
and writes vpq_all / vpq_thing / vpq_stuff (means over k, percent), the same
per k, and PQ per class and k, as JSON. Tracked segments may change category
between frames (a window takes the category of the first frame listing them).
--official-compat reproduces the official evaluator's numbers exactly, its
ground-truth area bookkeeping included (docs/datasets.md lists the
differences); the default follows the metric's definition.
"""
import argparse
import json
import math
import os
import os.path as osp
import sys

from uda_video.evaluation.cityscapes_vps import evaluate_vps_submission


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='VPQ evaluation of a Cityscapes-VPS submission')
    parser.add_argument('--submit-dir', '--submit_dir', required=True,
                        help='folder with pred.json and pan_pred/')
    parser.add_argument('--truth-dir', '--truth_dir', required=True,
                        help='folder of the ground-truth panoptic PNGs')
    parser.add_argument('--pan-gt-json-file', '--pan_gt_json_file',
                        required=True, help='ground-truth panoptic JSON')
    parser.add_argument('--out', help='JSON file for the results '
                        '(default: SUBMIT_DIR/vpq_results.json)')
    parser.add_argument('--ks', type=int, nargs='+', default=[0, 5, 10, 15],
                        help='window frame gaps k')
    parser.add_argument('--frames-per-video', type=int, default=6)
    parser.add_argument('--frame-interval', type=int, default=5,
                        help='frames between two annotated frames')
    parser.add_argument('--workers', type=int, default=1,
                        help='threads decoding PNGs (the decoder releases the '
                        'GIL)')
    parser.add_argument('--official-compat', '--official_compat',
                        action='store_true',
                        help="reproduce the official script's numbers "
                        'exactly (its ground-truth areas from the JSON, '
                        'accumulated across windows; one crowd region per '
                        'category)')
    return parser.parse_args(argv)


def format_table(res: dict, ks) -> str:
    def f(x):
        return '  n/a' if x is None or math.isnan(x) else f'{x:5.1f}'

    lines = [f'{"k":>6} | {"All":>5} {"Thing":>5} {"Stuff":>5}']
    lines.append('-' * len(lines[0]))
    for k in ks:
        lines.append(f'{k:>6} | ' + ' '.join(
            f(res[f'vpq_{p}_k{k}']) for p in ('all', 'thing', 'stuff')))
    lines.append(f'{"mean":>6} | ' + ' '.join(
        f(res[f'vpq_{p}']) for p in ('all', 'thing', 'stuff')))
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    for d in (args.submit_dir, args.truth_dir):
        if not osp.isdir(d):
            sys.exit(f'not a directory: {d}')
    res = evaluate_vps_submission(
        args.submit_dir, args.truth_dir, args.pan_gt_json_file,
        ks=args.ks, frame_interval=args.frame_interval,
        frames_per_video=args.frames_per_video,
        official_compat=args.official_compat, num_workers=args.workers)
    print('VPQ (' + ('official script compatible' if args.official_compat
                     else 'metric definition') + ')')
    print(format_table(res, args.ks))
    out = args.out or osp.join(args.submit_dir, 'vpq_results.json')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    clean = {
        k: (None if isinstance(v, float) and math.isnan(v) else v)
        for k, v in res.items()
    }
    with open(out, 'w') as f:
        json.dump(clean, f, indent=1)
    print(f'results written to {out}')


if __name__ == '__main__':
    main()
