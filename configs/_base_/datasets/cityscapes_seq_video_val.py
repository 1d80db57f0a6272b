# Cityscapes sequences for the video segmentors (19 classes): training clips
# of the labelled frames (a method sets the clip's frame_offsets), validation
# and test on every frame of each val snippet in order (VideoSampler), for
# stateful video segmentors; metrics read the annotated frames only
# (VideoIoUMetric).
_base_ = ['./cityscapes_seq.py']
train_dataloader = dict(
    batch_size=2, num_workers=4, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='CityscapesSeqDataset', data_root='data/cityscapes',
        split='train', protocol='cityscapes19', frame_offsets=[0],
        pipeline={{_base_.cityscapes_train_pipeline}}))
val_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=True,
    sampler=dict(type='VideoSampler'),
    dataset=dict(
        type='CityscapesSeqDataset', data_root='data/cityscapes', split='val',
        protocol='cityscapes19', all_frames=True, test_mode=True,
        pipeline={{_base_.cityscapes_test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(type='VideoIoUMetric')
test_evaluator = val_evaluator
