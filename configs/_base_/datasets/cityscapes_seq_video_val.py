# Cityscapes sequences with validation and test on every frame of each val
# snippet in order (VideoSampler), for stateful video segmentors; metrics read
# the annotated frames only (VideoIoUMetric).
_base_ = ['./cityscapes_seq.py']
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
