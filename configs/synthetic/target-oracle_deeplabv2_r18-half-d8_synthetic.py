# The same per-frame model trained on the labelled synthetic target train frames
# (the VPS layout's annotated frames): the upper end of the domain gap
# (compare with ./source-only_deeplabv2_r18-half-d8_synthetic.py).
_base_ = ['./source-only_deeplabv2_r18-half-d8_synthetic.py']
train_dataloader = dict(
    dataset=dict(
        _delete_=True, type='CityscapesVPSDataset',
        data_root='data/synthetic/cityscapes_vps', split='train',
        protocol='shared15', rider='person', pipeline={{_base_.train_pipeline}}))
