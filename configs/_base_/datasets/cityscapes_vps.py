# Cityscapes-VPS val, every frame in order (VideoSampler); labelled frames carry
# gt_sem_seg and gt_panoptic_seg (class * 1000 + track).
cityscapes_vps_root = 'data/cityscapes_vps'
cityscapes_vps_test_pipeline = [
    dict(type='LoadClip', load_panoptic=True),
    dict(type='ClipBroadcaster', transforms=[
        dict(type='FlowAwareResize', scale=(1024, 512), keep_ratio=True)]),
    dict(type='PackClipInputs'),
]
cityscapes_vps_val = dict(
    type='CityscapesVPSDataset', data_root=cityscapes_vps_root, split='val',
    protocol='cityscapes19', all_frames=True, test_mode=True,
    pipeline=cityscapes_vps_test_pipeline)
