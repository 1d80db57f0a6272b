"""Precompute optical flow with a classical backend: a split, or the pairs a config reads.

    python tools/dataset_converters/compute_flow.py IMG_DIR OUT_DIR [--method dis|farneback]
        [--preset medium] [--direction fw bw] [--suffix .png .jpg]
        [--naming auto|generic|vps] [--shard I/N] [--workers N]
    python tools/dataset_converters/compute_flow.py --config CONFIG [--scale W H | --full-size]
        [--all-datasets] [--dry-run] [--method ...] [--shard I/N] [--workers N]

**Config mode** (``--config``) computes only the flow files a config's
datasets load: every dataset of its ``*_dataloader`` entries (UDADataset
sources and targets included) that sets ``load_flow`` is built as configured
(keys: its labelled frames, or every frame with ``all_frames``) and, for each
key frame and each offset its ``frame_offsets`` can draw (borders clamped as in
training), the pair (key, key +- 1) is written where the dataset looks for it
(``flow_fw``/``flow_bw`` of the key; with ``load_flow_back`` also the
reference's flow towards the key). ``--all-datasets`` also takes datasets
without ``load_flow`` (their offsets -1 and +1). Pairs are de-duplicated and
sorted, so every process of a ``--shard`` run sees the same list.

Resolution: the flow is estimated at the size the dataset's pipeline resizes
the frames to (the largest size of its ``Resize`` / ``RandomResize`` /
``FlowAwareResize``; never above the frame's size), then resized to the
frame's size with its vectors rescaled and written at the frame's size, since
``LoadClip`` requires flow files of the frame's size (the pipeline's resize
brings both back to the training size). ``--scale W H`` sets the estimation
size (as a keep-ratio bound), ``--full-size`` estimates at the frame's size.

**Folder mode** (IMG_DIR OUT_DIR): every image under IMG_DIR (recursively) is
a frame; ``--naming`` says how a frame's name gives its video and its place in
the video:

* ``generic``: the name ends with its frame number, optionally followed by a
  fixed tail (``aachen_000000_000019_leftImg8bit.png``, ``001_00042.jpg``);
  the frames of one folder sharing the part before the number and numbered
  without a gap form a video, ordered by the number (a gap ends a video: the
  snippets of one Cityscapes ``{city}_{seq}``, so no flow crosses it). The flow of frame t is written to::

      OUT_DIR/<folder>/<name up to the frame number>_flow_fw.png   t -> next frame
      OUT_DIR/<folder>/<name up to the frame number>_flow_bw.png   t -> previous

  (the layout of VIPER, Cityscapes sequences and the synthetic benchmark).
* ``vps``: Cityscapes-VPS names
  ``{vid:04d}_{fid:04d}_{city}_{seq:06d}_{frame:06d}_leftImg8bit.png``: the
  frames of one folder with the same ``vid`` form a video, ordered by ``fid``,
  which must run without gaps (use ``img_all``, not the annotated ``img``).
  The flow goes to ``OUT_DIR/<folder>/<stem>_flow_{fw,bw}.png`` with ``stem``
  the name without ``_leftImg8bit.png``, where CityscapesVPSDataset looks
  (``{split}/flow``: ``python tools/dataset_converters/compute_flow.py {split}/img_all
  {split}/flow``).
* ``auto`` (default): ``vps`` when every name is a VPS name, ``generic`` when
  none is, an error when the names are mixed.

Flow files are in the project's format (uda_video.datasets.flow_io: 16-bit
PNG, KITTI encoding, docs/conventions.md); there is no fw file for a video's
last frame and no bw file for its first.

Both modes: files are written atomically (temporary file, then rename); an
existing file is skipped when it is a complete 16-bit RGB PNG of its frame's
size, and recomputed otherwise (a truncated or foreign file), so an
interrupted run resumes. ``--shard I/N`` (0 <= I < N) processes every N-th
pair starting at I, so N processes (or machines) split the work; ``--workers
N`` runs N processes here. Progress: a bar on a terminal, else a line with the
rate and the time left every 5% of the pairs.
"""
import argparse

from uda_video.apis.compute_flow import (NAMINGS, compute_tasks, config_tasks,
                                         flow_tasks, list_frames, parse_shard,
                                         pending, run, shard_of)


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Write classical optical flow for the frames of a split '
        '(IMG_DIR OUT_DIR) or for the pairs a config reads (--config)')
    parser.add_argument('img_dir', nargs='?',
                        help='folder of the split\'s frames')
    parser.add_argument('out_dir', nargs='?', help='folder for the flow files')
    parser.add_argument('--config', help='compute the pairs this config\'s '
                        'datasets load (instead of IMG_DIR OUT_DIR)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings (key=value)')
    parser.add_argument('--all-datasets', action='store_true',
                        help='--config: also datasets without load_flow')
    parser.add_argument('--dry-run', action='store_true',
                        help='list the pair counts and stop')
    parser.add_argument('--scale', nargs=2, type=int, metavar=('W', 'H'),
                        help='estimate flow at this keep-ratio size bound '
                        '(default: the config pipeline\'s; folder mode: the '
                        'frame size); files are written at frame size')
    parser.add_argument('--full-size', action='store_true',
                        help='estimate flow at the frames\' size')
    parser.add_argument('--method', choices=['dis', 'farneback'],
                        default='dis')
    parser.add_argument('--preset', choices=['ultrafast', 'fast', 'medium'],
                        default='medium', help='DIS preset')
    parser.add_argument('--direction', nargs='+', choices=['fw', 'bw'],
                        default=['fw', 'bw'], help='folder mode directions')
    parser.add_argument('--suffix', nargs='+', default=['.png', '.jpg'],
                        help='image suffixes to take as frames')
    parser.add_argument('--naming', choices=NAMINGS, default='auto',
                        help='frame names: generic (ends with the frame '
                        'number), vps (Cityscapes-VPS VVVV_FFFF_...), auto '
                        '(vps when every name is one)')
    parser.add_argument('--shard', type=parse_shard, default=(0, 1),
                        help='I/N: process every N-th flow starting at I')
    parser.add_argument('--workers', type=int, default=1,
                        help='processes on this machine (one per core)')
    args = parser.parse_args(argv)
    if args.config is not None and (args.img_dir or args.out_dir):
        parser.error('give either --config or IMG_DIR OUT_DIR, not both')
    if args.config is None and not (args.img_dir and args.out_dir):
        parser.error('give IMG_DIR and OUT_DIR, or --config CONFIG')
    if args.scale is not None and args.full_size:
        parser.error('--scale and --full-size exclude each other')
    if args.workers < 1:
        parser.error(f'--workers must be >= 1, got {args.workers}')
    return args


def main(argv=None):
    args = parse_args(argv)
    scale = None if args.scale is None else (*args.scale, True)
    progress = not args.dry_run
    if args.config is None:
        if args.dry_run:
            tasks = shard_of(flow_tasks(
                args.img_dir, args.out_dir,
                list_frames(args.img_dir, args.suffix), args.direction,
                args.naming), args.shard)
            print(f'{len(tasks)} pairs, {len(pending(tasks))} to compute')
            return
        written, skipped = run(args.img_dir, args.out_dir, args.method,
                               args.preset, args.direction, args.suffix,
                               args.shard, progress=progress,
                               naming=args.naming, workers=args.workers,
                               scale=scale)
        print(f'shard {args.shard[0]}/{args.shard[1]}: wrote {written} flow '
              f'files, skipped {skipped} existing, under {args.out_dir}')
        return
    from mmengine.config import Config

    from uda_video.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    tasks = config_tasks(cfg, all_datasets=args.all_datasets, scale=scale,
                         full_size=args.full_size)
    if not tasks:
        raise SystemExit(f'{args.config}: no dataset loads flow '
                         '(load_flow=True); --all-datasets takes every '
                         'dataset\'s offsets -1/+1')
    mine = shard_of(tasks, args.shard)
    if args.dry_run:
        print(f'{len(tasks)} pairs in all, {len(mine)} in shard '
              f'{args.shard[0]}/{args.shard[1]}, {len(pending(mine))} to '
              'compute')
        return
    written, skipped = compute_tasks(mine, args.method, args.preset,
                                     args.workers, progress)
    print(f'shard {args.shard[0]}/{args.shard[1]}: wrote {written} flow '
          f'files, skipped {skipped} existing ({len(tasks)} pairs of '
          f'{args.config})')


if __name__ == '__main__':
    main()
