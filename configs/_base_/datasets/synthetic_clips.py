# The synthetic Sim2Real video benchmark (tools/dataset_converters/make_synthetic_dataset.py --out data/synthetic):
# source = VIPER layout, target = Cityscapes-sequence and Cityscapes-VPS layouts, 15 shared classes.
synthetic_root = 'data/synthetic'
synthetic_frames = 30  # --frames used to generate (Cityscapes snippet length)
crop_size = (128, 128)
frame_offsets = [0]  # video methods set e.g. [0, -1] or [0, [-3, -1]]

train_pipeline = [
    dict(type='LoadClip'),
    # One random geometry for every frame, label and flow of the clip.
    dict(type='ClipBroadcaster', share_random_params=True, transforms=[
        dict(type='RandomResize', scale=(256, 128), ratio_range=(0.75, 1.5),
             keep_ratio=True, resize_type='FlowAwareResize'),
        dict(type='FlowAwareRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
        dict(type='FlowAwareRandomFlip', prob=0.5),
    ]),
    dict(type='ClipPhotoMetricDistortion', per_frame=False),
    dict(type='PackClipInputs'),
]
# Target clips for adaptation: the same, but the crop never looks at the labels
# (cat_max_ratio=1.0): the target's ground truth must not steer training.
target_train_pipeline = [
    dict(type='LoadClip'),
    dict(type='ClipBroadcaster', share_random_params=True, transforms=[
        dict(type='RandomResize', scale=(256, 128), ratio_range=(0.75, 1.5),
             keep_ratio=True, resize_type='FlowAwareResize'),
        dict(type='FlowAwareRandomCrop', crop_size=crop_size, cat_max_ratio=1.0),
        dict(type='FlowAwareRandomFlip', prob=0.5),
    ]),
    dict(type='ClipPhotoMetricDistortion', per_frame=False),
    dict(type='PackClipInputs'),
]
test_pipeline = [dict(type='LoadClip'), dict(type='PackClipInputs')]
panoptic_test_pipeline = [
    dict(type='LoadClip', load_panoptic=True), dict(type='PackClipInputs')]

source_train = dict(
    type='VIPERDataset', data_root=synthetic_root + '/viper', split='train',
    protocol='shared15', frame_offsets=frame_offsets,
    ego_vehicle_mask=synthetic_root + '/viper/ego_vehicle_mask.png',
    pipeline=train_pipeline)
# Unlabelled target clips for adaptation: every frame of the sequences.
target_train_unlabelled = dict(
    type='CityscapesSeqDataset', data_root=synthetic_root + '/cityscapes',
    split='train', protocol='shared15', rider='person',
    snippet_length=synthetic_frames, all_frames=True,
    frame_offsets=frame_offsets, pipeline=target_train_pipeline)
# Labelled target frames (oracle): the VPS layout's 6 annotated frames per video.
target_train_labelled = dict(
    type='CityscapesVPSDataset', data_root=synthetic_root + '/cityscapes_vps',
    split='train', protocol='shared15', rider='person',
    frame_offsets=frame_offsets, pipeline=train_pipeline)
# Per-frame evaluation on the labelled target val frames.
target_val = dict(
    type='CityscapesVPSDataset', data_root=synthetic_root + '/cityscapes_vps',
    split='val', protocol='shared15', rider='person', test_mode=True,
    pipeline=test_pipeline)
# Video evaluation: every frame in order (VideoSampler), metrics read labelled ones.
target_val_video = dict(
    type='CityscapesVPSDataset', data_root=synthetic_root + '/cityscapes_vps',
    split='val', protocol='shared15', rider='person', all_frames=True,
    test_mode=True, pipeline=panoptic_test_pipeline)

val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False), dataset=target_val)
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
# Video metrics over every val frame in order: mIoU on the labelled frames and
# temporal consistency (TC) along the benchmark's ground-truth flow, pixels that
# fail the forward-backward check (occluded or out of frame) not counted.
video_evaluator = [
    dict(type='VideoIoUMetric'),
    dict(type='TemporalConsistencyMetric', flow_source='file',
         flow_file_tmpl='{img_dir}/../flow/{name}_flow_fw.png',
         bw_flow_file_tmpl='{img_dir}/../flow/{name}_flow_bw.png',
         occlusion='fb'),
]
# For stateful video segmentors: whole videos in frame order per rank.
sequential_video_loader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    sampler=dict(type='VideoSampler'), dataset=target_val_video)
