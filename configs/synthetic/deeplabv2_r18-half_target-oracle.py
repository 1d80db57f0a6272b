# The same per-frame model trained on the labelled synthetic target train frames
# (the VPS layout's annotated frames): the upper end of the domain gap
# (compare with ./deeplabv2_r18-half_source-only.py).
_base_ = ['./deeplabv2_r18-half_source-only.py']
train_dataloader = dict(
    dataset=dict(
        _delete_=True, type='CityscapesVPSDataset',
        data_root='data/synthetic/cityscapes_vps', split='train',
        protocol='shared15', rider='person', pipeline={{_base_.train_pipeline}}))
